"""One partition end to end: acquire -> extract -> enrich -> stage -> publish.

These are the functions the DAG's tasks and ``newsflow run`` call, with plain
arguments and JSON-able results (paths and counts, never page bodies), so a
partition behaves the same whichever way it was started.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from newsflow import __version__, store
from newsflow.acquire import RawPage, fetcher_for
from newsflow.enrich import find_entities
from newsflow.extract import EXTRACTOR_VERSION, Extracted, PageRejected, extract_page
from newsflow.settings import Settings
from newsflow.sources import Source, load_sources

log = logging.getLogger(__name__)

PIPELINE_VERSION = __version__


@dataclass
class StagedPartition:
    """What ``stage_partition`` hands to ``publish_partition``: a path and counts."""

    source: str
    date: str
    run_id: str
    staging_dir: str
    started_at: str
    pages_in: int = 0
    articles: int = 0
    rejects: int = 0
    entities: int = 0
    reject_reasons: dict[str, int] = field(default_factory=dict)
    models: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def _as_date(value: str | dt.date) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _source(settings: Settings, source_id: str) -> Source:
    sources = load_sources(settings.sources_file)
    if source_id not in sources:
        raise KeyError(f"unknown source {source_id!r}; known: {', '.join(sorted(sources))}")
    return sources[source_id]


def source_ids(*, settings: Settings | None = None) -> list[str]:
    """Ids of every registered source, in registry order."""
    settings = settings or Settings.from_env()
    return list(load_sources(settings.sources_file))


def archive_dates(*, settings: Settings | None = None) -> list[str]:
    """Every partition date any archive source has pages for, sorted."""
    settings = settings or Settings.from_env()
    dates: set[dt.date] = set()
    for source in load_sources(settings.sources_file).values():
        if source.kind == "archive":
            dates.update(fetcher_for(source, max_page_bytes=settings.max_page_bytes).dates())
    return [d.isoformat() for d in sorted(dates)]


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def article_id(source: str, raw_ref: str, canonical_url: str | None) -> str:
    """Stable id: the canonical URL's hash, else the hash of source + archive path."""
    return _hash(canonical_url or f"{source}/{raw_ref}")[:20]


def _reject_row(page: RawPage, stage: str, reason: str, detail: str) -> dict:
    return {
        "raw_ref": page.raw_ref,
        "url": page.url,
        "stage": stage,
        "reason": reason,
        "detail": detail,
    }


def _article_row(page: RawPage, extracted: Extracted, first_seen: dict, now: dt.datetime) -> dict:
    aid = article_id(page.source, page.raw_ref, extracted.canonical_url)
    content_hash = _hash(extracted.text)
    seen_hash, seen_at = first_seen.get(aid, (None, None))
    return {
        "article_id": aid,
        "url": page.url or extracted.canonical_url,
        "canonical_url": extracted.canonical_url,
        "title": extracted.title,
        "author": extracted.author,
        "published_at": extracted.published,
        "date_source": extracted.date_source,
        "language": extracted.language,
        "text": extracted.text,
        "word_count": len(extracted.text.split()),
        "content_hash": content_hash,
        "input_format": extracted.input_format,
        "extractor_version": EXTRACTOR_VERSION,
        "pipeline_version": PIPELINE_VERSION,
        "ner_model": None,
        "entity_count": 0,
        "ingested_at": seen_at if seen_hash == content_hash else now,
        "raw_ref": page.raw_ref,
    }


class _BatchProcessor:
    """Turns one batch of raw pages into article, entity and reject rows."""

    def __init__(self, settings: Settings, staged: StagedPartition, first_seen: dict) -> None:
        self.settings = settings
        self.staged = staged
        self.first_seen = first_seen
        self.seen_ids: dict[str, str] = {}
        self.timer: Counter[str] = Counter()

    def extract(self, pages: Iterable[RawPage]) -> tuple[list[dict], list[dict]]:
        started = time.perf_counter()
        articles, rejects = [], []
        now = dt.datetime.now(dt.UTC)
        for page in pages:
            self.staged.pages_in += 1
            if page.body is None:
                rejects.append(_reject_row(page, "fetch", "unreadable", page.error or ""))
                continue
            try:
                row = _article_row(page, extract_page(page.body), self.first_seen, now)
            except PageRejected as e:
                rejects.append(_reject_row(page, e.stage, e.reason, e.detail))
                continue
            if row["article_id"] in self.seen_ids:
                detail = f"same article id as {self.seen_ids[row['article_id']]}"
                rejects.append(_reject_row(page, "extract", "duplicate_article", detail))
                continue
            self.seen_ids[row["article_id"]] = page.raw_ref
            articles.append(row)
        self.timer["extract"] += time.perf_counter() - started
        return articles, rejects

    def enrich(self, articles: list[dict]) -> list[dict]:
        """Entity rows for the batch; articles in a language without a model keep none."""
        started = time.perf_counter()
        entity_rows: list[dict] = []
        by_language = itertools.groupby(
            sorted(articles, key=lambda a: a["language"] or ""), key=lambda a: a["language"]
        )
        for language, group in by_language:
            model = self.settings.ner_models.get(language or "")
            if model is None:
                continue
            group = list(group)
            model_id, mentions = find_entities(
                [a["text"] for a in group], model=model, batch_size=self.settings.ner_batch_size
            )
            if model_id not in self.staged.models:
                self.staged.models.append(model_id)
            for article, found in zip(group, mentions, strict=True):
                article["ner_model"] = model_id
                article["entity_count"] = len(found)
                entity_rows.extend(
                    {"article_id": article["article_id"], "model": model_id, **asdict(m)}
                    for m in found
                )
        self.timer["enrich"] += time.perf_counter() - started
        return entity_rows


def _batched(pages: Iterator[RawPage], size: int) -> Iterator[list[RawPage]]:
    while batch := list(itertools.islice(pages, size)):
        yield batch


def stage_partition(
    source_id: str,
    date: str | dt.date,
    *,
    run_id: str | None = None,
    settings: Settings | None = None,
) -> dict:
    """Extract and enrich one partition into staged Parquet files; publish nothing yet."""
    settings = settings or Settings.from_env()
    day = _as_date(date)
    source = _source(settings, source_id)
    run_id = run_id or f"manual__{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}_{uuid.uuid4().hex[:8]}"
    staging = settings.warehouse / store.STAGING / source.id / day.isoformat() / uuid.uuid4().hex
    staged = StagedPartition(
        source=source.id,
        date=day.isoformat(),
        run_id=run_id,
        staging_dir=str(staging),
        started_at=dt.datetime.now(dt.UTC).isoformat(),
    )
    processor = _BatchProcessor(
        settings, staged, store.first_seen(settings.warehouse, source.id, day)
    )
    fetcher = fetcher_for(source, max_page_bytes=settings.max_page_bytes)
    reasons: Counter[str] = Counter()
    with store.PartitionWriter(staging) as writer:
        for batch in _batched(fetcher.pages(day), settings.page_batch_size):
            articles, rejects = processor.extract(batch)
            entities = processor.enrich(articles)
            started = time.perf_counter()
            writer.write("articles", articles)
            writer.write("entities", entities)
            writer.write("rejects", rejects)
            processor.timer["write"] += time.perf_counter() - started
            staged.articles += len(articles)
            staged.rejects += len(rejects)
            staged.entities += len(entities)
            reasons.update(f"{r['stage']}/{r['reason']}" for r in rejects)
    staged.reject_reasons = dict(reasons)
    staged.seconds = {k: round(v, 3) for k, v in processor.timer.items()}
    log.info(
        "staged %s/%s: pages_in=%d articles=%d rejects=%d entities=%d seconds=%s",
        source.id,
        day,
        staged.pages_in,
        staged.articles,
        staged.rejects,
        staged.entities,
        staged.seconds,
    )
    if staged.pages_in != staged.articles + staged.rejects:
        raise AssertionError(f"{source.id}/{day}: pages in != articles + rejects ({staged})")
    return staged.to_dict()


def publish_partition(staged: dict, *, settings: Settings | None = None) -> dict:
    """Atomically replace the partition with the staged files and log the run."""
    settings = settings or Settings.from_env()
    result = StagedPartition(**staged)
    day = _as_date(result.date)
    started = time.perf_counter()
    store.publish(Path(result.staging_dir), settings.warehouse, result.source, day)
    result.seconds["publish"] = round(time.perf_counter() - started, 3)
    store.append_run(
        settings.warehouse,
        result.source,
        day,
        {
            "run_id": result.run_id,
            "started_at": dt.datetime.fromisoformat(result.started_at),
            "finished_at": dt.datetime.now(dt.UTC),
            "pages_in": result.pages_in,
            "articles": result.articles,
            "rejects": result.rejects,
            "entities": result.entities,
            **{
                f"seconds_{k}": result.seconds.get(k, 0.0)
                for k in ("extract", "enrich", "write", "publish")
            },
            "pipeline_version": PIPELINE_VERSION,
            "extractor_version": EXTRACTOR_VERSION,
            "models": ",".join(result.models),
        },
    )
    log.info("published %s/%s (run %s)", result.source, day, result.run_id)
    return result.to_dict()


def refresh_catalog(*, settings: Settings | None = None) -> bool:
    """Make sure the catalog has a view per table (no-op, no lock, when it has)."""
    settings = settings or Settings.from_env()
    return store.ensure_catalog(settings.warehouse)


def run_partition(source_id: str, date: str | dt.date, *, settings: Settings | None = None) -> dict:
    """Stage, publish and catalog one partition: what the DAG does for one source."""
    settings = settings or Settings.from_env()
    result = publish_partition(
        stage_partition(source_id, date, settings=settings), settings=settings
    )
    refresh_catalog(settings=settings)
    return result
