"""Raw pages to records, batch by batch: the CPU-heavy core of extract and enrich.

:func:`extract_batch` (trafilatura, the text cleaner) and :func:`enrich_batch`
(spaCy) are pure functions of their inputs, so a partition's batches can run
in this process or in worker processes alike (:func:`in_order`). Pages and
articles flow through in batches bounded in count and in size (:func:`batched`
with :func:`raw_size`, :func:`article_batches`), and NER reads chunks of
bounded characters, in batches of bounded tokens, for a bounded time per
article (:class:`~newsflow.nlp.entities.NerLimits`): memory holds a few
batches whatever the partition's size and whatever its pages.

Why processes and not spaCy's ``n_process``: NER is most of the cost, but
trafilatura and the text cleaner are a good share too and run in Python;
handing whole batches to ``workers`` processes uses every core for both, and
results come back in order, so duplicate detection and every row are the same
as in one process.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

import pyarrow as pa
import pyarrow.compute as pc

from newsflow import __version__
from newsflow.acquire.pages import RawPage
from newsflow.acquire.urls import canonical_or_none, redact, redact_text
from newsflow.config import Settings
from newsflow.nlp import dedupe
from newsflow.nlp.bounds import batched
from newsflow.nlp.entities import Mention, NerLimits, find_entities
from newsflow.records import Article, Entity, Reject, Stage
from newsflow.text.extract import EXTRACTOR_VERSION, Extracted, PageRejected, extract_page

PIPELINE_VERSION = __version__

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class ExtractOptions:
    """What extracting a batch depends on besides its pages (picklable)."""

    #: Seconds one page's extraction may take (0: no limit).
    page_time_budget: float
    #: ``article_id -> (content_hash, ingested_at)`` of the published partition.
    first_seen: dict[str, tuple[str, dt.datetime]] = field(default_factory=dict)


@dataclass(frozen=True)
class EnrichOptions:
    """What enriching a batch depends on besides its articles (picklable)."""

    #: The spaCy model of each language; articles in other languages get no entities.
    ner_models: dict[str, str]
    ner_limits: NerLimits

    @classmethod
    def from_settings(cls, settings: Settings) -> EnrichOptions:
        """The options the ``NEWSFLOW_NER_*`` settings give."""
        return cls(
            ner_models=dict(settings.ner_models),
            ner_limits=NerLimits(
                batch_size=settings.ner_batch_size,
                batch_tokens=settings.ner_batch_tokens,
                chunk_chars=settings.ner_chunk_chars,
                time_budget=settings.ner_time_budget,
            ),
        )


@dataclass
class ExtractedBatch:
    """The articles and rejects of one batch of pages, in page order."""

    pages_in: int = 0
    articles: list[Article] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class EnrichedBatch:
    """One batch of articles with their model and entity count set, and their entities."""

    articles: pa.Table
    entities: list[Entity] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    #: Articles whose NER the time budget cut short: they keep the entities found before.
    ner_cut: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def article_id(source: str, raw_ref: str, url: str | None) -> str:
    """Stable id: the hash of the canonical URL (else of the page's URL or
    archive name), else of source + path in the source's archive folder."""
    return _hash(url or f"{source}/{raw_ref}")[:20]


def reject(page: RawPage, stage: Stage, reason: str, detail: str) -> Reject:
    """The ``rejects`` record of a page: the one place one is made, credentials redacted."""
    url = redact(page.url) if page.url else page.url
    return Reject(
        raw_ref=page.raw_ref, url=url, stage=stage, reason=reason, detail=redact_text(detail)
    )


def article(page: RawPage, extracted: Extracted, first_seen: dict, now: dt.datetime) -> Article:
    """The page's article, not yet enriched; ``ingested_at`` kept if its text did not change."""
    canonical = canonical_or_none(extracted.canonical_url or page.final_url or page.url)
    aid = article_id(page.source, page.raw_ref, canonical or page.url)
    content_hash = _hash(extracted.text)
    seen_hash, seen_at = first_seen.get(aid, (None, None))
    return Article(
        article_id=aid,
        url=page.url or extracted.canonical_url,
        canonical_url=canonical,
        title=extracted.title,
        author=extracted.author,
        authors=list(extracted.authors),
        published_at=extracted.published,
        modified_at=extracted.modified,
        date_source=extracted.date_source or page.date_source,
        site_name=extracted.site_name,
        language=extracted.language,
        text=extracted.text,
        word_count=extracted.word_count,
        content_hash=content_hash,
        input_format=extracted.input_format,
        extractor_version=EXTRACTOR_VERSION,
        pipeline_version=PIPELINE_VERSION,
        ner_model=None,
        entity_count=0,
        ingested_at=seen_at if seen_hash == content_hash else now,
        raw_ref=page.raw_ref,
        fingerprint=dedupe.fingerprint(extracted.text),
        cluster_id=None,
        duplicate_of=None,
    )


def extract_batch(pages: list[RawPage], options: ExtractOptions) -> ExtractedBatch:
    """Every page of the batch as an article or a reject."""
    result = ExtractedBatch(pages_in=len(pages))
    started = time.perf_counter()
    now = dt.datetime.now(dt.UTC)
    for page in pages:
        if page.body is None:
            reason = page.reason or "unreadable"
            result.rejects.append(reject(page, Stage.FETCH, reason, page.detail or ""))
            continue
        try:
            extracted = extract_page(
                page.body, charset=page.charset, budget=options.page_time_budget
            )
        except PageRejected as e:
            result.rejects.append(reject(page, e.stage, e.reason, e.detail))
            continue
        result.articles.append(article(page, extracted, options.first_seen, now))
    result.seconds = time.perf_counter() - started
    return result


def enrich_batch(articles: pa.Table, options: EnrichOptions) -> EnrichedBatch:
    """The entities of a batch of articles, by language; each model runs over its texts at once.

    ``articles`` are ``articles`` rows as the extract step staged them; only
    ``ner_model`` and ``entity_count`` change.
    """
    started = time.perf_counter()
    ids = articles.column("article_id").to_pylist()
    texts = articles.column("text").to_pylist()
    languages = [lang or "" for lang in articles.column("language").to_pylist()]
    ner_model: list[str | None] = [None] * len(ids)
    found: list[list[Entity]] = [[] for _ in ids]
    result = EnrichedBatch(articles=articles)
    by_language = languages.__getitem__
    for lang, group in itertools.groupby(sorted(range(len(ids)), key=by_language), by_language):
        model = options.ner_models.get(lang)
        if model is None:
            continue
        group = list(group)
        model_id, per_text = find_entities(
            [texts[i] for i in group], model=model, limits=options.ner_limits
        )
        if model_id not in result.models:
            result.models.append(model_id)
        for i, entities in zip(group, per_text, strict=True):
            ner_model[i] = model_id
            found[i] = [_entity(ids[i], model_id, m) for m in entities.mentions]
            if entities.cut_at is not None:
                result.ner_cut.append(ids[i])
                log.warning(
                    "article %s: NER stopped at character %d of %d after %.1f s "
                    "(NEWSFLOW_NER_TIME_BUDGET %g s); it keeps the %d entities found before",
                    ids[i],
                    entities.cut_at,
                    len(texts[i]),
                    entities.seconds,
                    options.ner_limits.time_budget,
                    len(found[i]),
                )
    result.articles = _set_column(articles, "ner_model", ner_model)
    result.articles = _set_column(result.articles, "entity_count", [len(f) for f in found])
    result.entities = list(itertools.chain.from_iterable(found))
    result.seconds = time.perf_counter() - started
    return result


def _entity(article_id: str, model: str, mention: Mention) -> Entity:
    """The mention's row, its corpus name and label those of its article until names are settled."""
    return Entity(
        article_id=article_id,
        text=mention.text,
        label=mention.label,
        canonical=mention.canonical,
        start_char=mention.start_char,
        end_char=mention.end_char,
        sentence=mention.sentence,
        model=model,
        ner_label=mention.label,
        ner_canonical=mention.canonical,
    )


def _set_column(table: pa.Table, name: str, values: list) -> pa.Table:
    index = table.schema.get_field_index(name)
    column = pa.array(values, type=table.schema.field(name).type)
    return table.set_column(index, table.schema.field(name), column)


def raw_size(page: RawPage) -> int:
    """What a raw page weighs in a batch (``batched(..., weight=raw_size)``): its bytes."""
    return len(page.body or b"")


def article_batches(batches: Iterable[pa.RecordBatch], *, max_chars: int) -> Iterator[pa.Table]:
    """Each batch of article rows in slices, a slice ending once its texts reach
    ``max_chars`` characters (0: no bound), so a slice holds fewer than that plus one article."""
    for rows in batches:
        lengths = pc.utf8_length(rows.column("text")).to_pylist()
        for kept in batched(
            range(len(lengths)), len(lengths), max_weight=max_chars, weight=lengths.__getitem__
        ):
            yield pa.Table.from_batches([rows.slice(kept[0], len(kept))])


def in_order(
    work: Callable[[T, object], R], batches: Iterable[T], options: object, *, workers: int
) -> Iterator[R]:
    """``work(batch, options)`` of every batch, in order; ``workers`` > 1 runs them in processes.

    At most ``workers + 1`` batches are in flight, so memory stays bounded.
    Workers are spawned (not forked: the parent may hold threads and a loaded
    model) and load what they need (a spaCy model) once each.
    """
    if workers <= 1:
        yield from (work(batch, options) for batch in batches)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        pending: deque[Future[R]] = deque()
        for batch in batches:
            pending.append(pool.submit(work, batch, options))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
