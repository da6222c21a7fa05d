"""Raw pages to rows: extraction and NER, the CPU-heavy core, batch by batch.

:func:`process_batch` is a pure function of its inputs, so a partition's
batches can run in this process or in worker processes alike
(:func:`process_batches`). Pages flow through in bounded batches: memory
holds a few batches whatever the partition's size.

Why processes and not spaCy's ``n_process``: NER is most of the cost, but
trafilatura and the text cleaner are a good share too and run in Python;
handing whole batches (extract + enrich) to ``workers`` processes uses every
core for both, and the order of results, hence duplicate detection and
every row, is the same as in one process.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import multiprocessing
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field

from newsflow import __version__
from newsflow.acquire.fetchers import RawPage, canonical_or_none
from newsflow.nlp import dedupe
from newsflow.nlp.entities import find_entities
from newsflow.text.extract import EXTRACTOR_VERSION, Extracted, PageRejected, extract_page
from newsflow.text.words import count_words

PIPELINE_VERSION = __version__


@dataclass(frozen=True)
class BatchOptions:
    """What processing a batch depends on besides its pages (picklable)."""

    ner_models: dict[str, str]
    ner_batch_size: int
    #: Seconds one page's extraction may take (0: no limit).
    page_time_budget: float
    #: ``article_id -> (content_hash, ingested_at)`` of the published partition.
    first_seen: dict[str, tuple[str, dt.datetime]] = field(default_factory=dict)


@dataclass
class BatchResult:
    """Rows of one batch, and what it cost."""

    pages_in: int = 0
    articles: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    #: Entity rows per article, in the order of ``articles``.
    entities: list[list[dict]] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    seconds: Counter[str] = field(default_factory=Counter)


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def article_id(source: str, raw_ref: str, url: str | None) -> str:
    """Stable id: the hash of the canonical URL (else of the page's URL or
    archive name), else of source + path in the source's archive folder."""
    return _hash(url or f"{source}/{raw_ref}")[:20]


def reject_row(page: RawPage, stage: str, reason: str, detail: str) -> dict:
    return {
        "raw_ref": page.raw_ref,
        "url": page.url,
        "stage": stage,
        "reason": reason,
        "detail": detail,
    }


def article_row(page: RawPage, extracted: Extracted, first_seen: dict, now: dt.datetime) -> dict:
    canonical = canonical_or_none(extracted.canonical_url or page.final_url or page.url)
    aid = article_id(page.source, page.raw_ref, canonical or page.url)
    content_hash = _hash(extracted.text)
    seen_hash, seen_at = first_seen.get(aid, (None, None))
    return {
        "article_id": aid,
        "url": page.url or extracted.canonical_url,
        "canonical_url": canonical,
        "title": extracted.title,
        "author": extracted.author,
        "published_at": extracted.published,
        "date_source": extracted.date_source or page.date_source,
        "language": extracted.language,
        "text": extracted.text,
        "word_count": count_words(extracted.text),
        "content_hash": content_hash,
        "input_format": extracted.input_format,
        "extractor_version": EXTRACTOR_VERSION,
        "pipeline_version": PIPELINE_VERSION,
        "ner_model": None,
        "entity_count": 0,
        "ingested_at": seen_at if seen_hash == content_hash else now,
        "raw_ref": page.raw_ref,
        "fingerprint": dedupe.fingerprint(extracted.text),
        "cluster_id": None,  # set by cluster_stories once every source of the date is in
        "duplicate_of": None,
    }


def process_batch(pages: list[RawPage], options: BatchOptions) -> BatchResult:
    """Extract every page of the batch, then find the entities of its articles."""
    result = BatchResult(pages_in=len(pages))
    started = time.perf_counter()
    now = dt.datetime.now(dt.UTC)
    for page in pages:
        if page.body is None:
            reason = page.reason or "unreadable"
            result.rejects.append(reject_row(page, "fetch", reason, page.error or ""))
            continue
        try:
            extracted = extract_page(
                page.body, charset=page.charset, budget=options.page_time_budget
            )
        except PageRejected as e:
            result.rejects.append(reject_row(page, e.stage, e.reason, e.detail))
            continue
        result.articles.append(article_row(page, extracted, options.first_seen, now))
        result.entities.append([])
    result.seconds["extract"] += time.perf_counter() - started
    started = time.perf_counter()
    _enrich(result, options)
    result.seconds["enrich"] += time.perf_counter() - started
    return result


def _enrich(result: BatchResult, options: BatchOptions) -> None:
    """Entity rows for the batch; articles in a language without a model keep none."""

    def language(i: int) -> str:
        return result.articles[i]["language"] or ""

    for lang, group in itertools.groupby(
        sorted(range(len(result.articles)), key=language), language
    ):
        model = options.ner_models.get(lang)
        if model is None:
            continue
        group = list(group)
        texts = [result.articles[i]["text"] for i in group]
        model_id, mentions = find_entities(texts, model=model, batch_size=options.ner_batch_size)
        if model_id not in result.models:
            result.models.append(model_id)
        for i, found in zip(group, mentions, strict=True):
            article = result.articles[i]
            article["ner_model"] = model_id
            article["entity_count"] = len(found)
            result.entities[i] = [
                {"article_id": article["article_id"], "model": model_id, **asdict(m)} for m in found
            ]


def batched(pages: Iterable[RawPage], size: int) -> Iterator[list[RawPage]]:
    pages = iter(pages)
    while batch := list(itertools.islice(pages, size)):
        yield batch


def process_batches(
    batches: Iterable[list[RawPage]], options: BatchOptions, *, workers: int
) -> Iterator[BatchResult]:
    """Results of every batch, in order; ``workers`` > 1 runs them in processes.

    At most ``workers + 1`` batches are in flight, so memory stays bounded.
    Workers are spawned (not forked: the parent may hold threads and a loaded
    model) and load the model once each.
    """
    if workers <= 1:
        yield from (process_batch(batch, options) for batch in batches)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        pending: deque[Future[BatchResult]] = deque()
        for batch in batches:
            pending.append(pool.submit(process_batch, batch, options))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
