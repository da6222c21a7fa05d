"""One partition end to end: fetch -> extract and enrich (stage) -> publish.

These are the functions news_daily's tasks and ``newsflow run`` call, with
plain arguments and JSON-able results (paths and counts, never page bodies),
so a partition behaves the same whichever way it was started. Imports and
reprocessing stage and publish with them too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import itertools
import json
import logging
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from newsflow.acquire.discovery import Entry
from newsflow.acquire.fetchers import (
    DiscoveryFailed as DiscoveryFailed,  # fetch_partition raises it; the DAG reads it
)
from newsflow.acquire.fetchers import (
    FetchFailure,
    RawArchive,
    RawPage,
    WebCrawler,
    canonical_or_none,
    fetchers_for,
    write_failures,
)
from newsflow.acquire.http import HttpClient, Response
from newsflow.acquire.registry import Source
from newsflow.acquire.warc import WarcWriter
from newsflow.config import Settings
from newsflow.jobs.batch import (
    PIPELINE_VERSION,
    BatchOptions,
    BatchResult,
    batched,
    process_batches,
)
from newsflow.jobs.runs import as_date, log_stage, manual_run_id
from newsflow.jobs.sources import registered_source
from newsflow.jobs.upkeep import check_quality, cluster_stories, refresh_catalog
from newsflow.text.extract import EXTRACTOR_VERSION, MIN_ARTICLE_WORDS
from newsflow.warehouse import commit, layout, queries

log = logging.getLogger(__name__)


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
    #: What fetching cost (web sources): ``FetchStats.as_row()``.
    fetch: dict[str, int | str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def partition_archive(settings: Settings, source_id: str, day: dt.date) -> RawArchive:
    """The partition's raw archive: its WARC, its failure list, how its pages are named."""
    warc = layout.raw_archive(settings.warehouse, source_id, day)
    return RawArchive(
        warc=warc,
        failures=warc.with_name(layout.FAILURES_FILE),
        ref_name=layout.raw_ref_name(settings.warehouse, warc),
    )


def held_urls(settings: Settings, source_id: str) -> set[str | None]:
    """Canonical URLs of every page of the source the warehouse already holds."""
    with commit.writer(settings.lake()) as con:
        return {canonical_or_none(u) for u in queries.ingested_urls(con, source_id)}


def _http_client(settings: Settings, source: Source) -> HttpClient:
    return HttpClient(
        user_agent=settings.user_agent,
        allow_hosts=settings.allow_hosts,
        read_timeout=settings.http_timeout,
        max_body_bytes=settings.max_page_bytes,
        max_retries=settings.http_retries,
        per_host_delay=settings.http_delay,
        per_host_concurrency=settings.http_concurrency,
        state_path=layout.http_state(settings.warehouse, source.id),
    )


def _archive(warc: WarcWriter, response: Response, *, date_source: str | None = None) -> None:
    warc.write_response(
        url=response.url,
        status=response.status or 0,
        headers=response.headers,
        body=response.body,
        fetched_at=response.fetched_at,
        requested_url=response.requested_url,
        date_source=date_source,
    )


def _pages_to_fetch(
    entries: list[Entry], raw: RawArchive, settings: Settings, source: Source, *, refetch: bool
) -> list[Entry]:
    """Announced pages the warehouse does not hold yet (all of them with ``refetch``)."""
    skip: set[str | None] = set()
    if not refetch:
        skip = raw.urls() | held_urls(settings, source.id)
    todo = [e for e in entries if canonical_or_none(e.url) not in skip]
    if len(todo) > settings.max_pages_per_run:
        log.warning(
            "%s: %d pages to fetch, taking the first %d; the rest wait for the next run",
            source.id,
            len(todo),
            settings.max_pages_per_run,
        )
    return todo[: settings.max_pages_per_run]


def _fetch_pages(
    crawler: WebCrawler, todo: list[Entry], raw: RawArchive, source: Source
) -> list[FetchFailure]:
    """Fetch ``todo`` into the partition's WARC, carrying over what did not change."""
    failures: list[FetchFailure] = []
    replaced: set[str | None] = set()
    with raw.writer() as warc:
        responses = crawler.fetch([entry.url for entry in todo])
        for entry, response in zip(todo, responses, strict=True):
            if response.not_modified:
                continue  # unchanged: the copy the archive holds is carried over
            if response.status is None:
                reason, detail = response.error or "unknown", response.detail or ""
                failures.append(FetchFailure(response.requested_url, reason, detail))
                continue
            dated_by = source.kind if entry.published else "fetch_date"
            _archive(warc, response, date_source=dated_by)
            replaced.add(canonical_or_none(response.requested_url))
        raw.carry_over(warc, replaced=replaced)
    return failures


def _archive_discovery(settings: Settings, crawler: WebCrawler, raw: RawArchive) -> None:
    """Keep the feeds and sitemaps discovery read beside the partition's pages."""
    discovery = raw.warc.with_name(layout.DISCOVERY_FILE)
    ref_name = layout.raw_ref_name(settings.warehouse, discovery)
    with WarcWriter(discovery, ref_name=ref_name) as warc:
        for document in crawler.documents:
            if document.status is not None:
                _archive(warc, document)


def fetch_partition(
    source_id: str,
    date: str | dt.date,
    *,
    run_id: str | None = None,
    refetch: bool = False,
    settings: Settings | None = None,
) -> dict:
    """Get a web source's pages for one partition into its raw archive.

    The only step that touches the network. Pages announced for the date that
    no earlier run ingested are fetched (all announced pages with
    ``refetch``), at most ``max_pages_per_run``; every response goes into the
    partition's WARC, every failure into the list beside it. Archive sources
    need no fetching. Returns what ``stage_partition`` needs: ids and counts.
    """
    settings = settings or Settings.current()
    day = as_date(date)
    source = registered_source(settings, source_id)
    fetched = {"source": source.id, "date": day.isoformat(), "run_id": run_id, "fetch": {}}
    if source.kind == "archive":
        log_stage("fetch", source.id, day, kind="archive", fetched=0, seconds=0.0)
        return fetched
    started = time.perf_counter()
    raw = partition_archive(settings, source.id, day)
    with _http_client(settings, source) as client:
        cache = layout.discovery_cache(settings.warehouse, source.id)
        crawler = WebCrawler(source, client, cache_dir=cache)
        entries = crawler.discover(day)
        todo = _pages_to_fetch(entries, raw, settings, source, refetch=refetch)
        failures = _fetch_pages(crawler, todo, raw, source)
        _archive_discovery(settings, crawler, raw)
        write_failures(raw.failures, failures)
        fetched["fetch"] = client.stats.as_row()
    fetched["seconds_fetch"] = round(time.perf_counter() - started, 3)
    log_stage(
        "fetch",
        source.id,
        day,
        announced=len(entries),
        new=len(todo),
        failed=len(failures),
        seconds=fetched["seconds_fetch"],
        **fetched["fetch"],
    )
    return fetched


def _keep_first_articles(result: BatchResult, seen_ids: dict[str, str]) -> list[dict]:
    """Two pages with one article id (a copy under another name): keep the first.

    Done here, in page order, so the outcome does not depend on how batches
    were spread over worker processes. Returns the kept articles' entity rows.
    """
    kept, entities = [], []
    for row, found in zip(result.articles, result.entities, strict=True):
        first = seen_ids.setdefault(row["article_id"], row["raw_ref"])
        if first == row["raw_ref"]:
            kept.append(row)
            entities += found
            continue
        result.rejects.append(
            {
                "raw_ref": row["raw_ref"],
                "url": row["url"],
                "stage": "extract",
                "reason": "duplicate_article",
                "detail": f"same article id as {first}",
            }
        )
    result.articles = kept
    return entities


def _write_batches(
    staged: StagedPartition,
    batches: Iterable[list[RawPage]],
    options: BatchOptions,
    settings: Settings,
) -> None:
    """Process the batches and write their rows under the staging folder, counting as it goes."""
    seen_ids: dict[str, str] = {}
    reasons: Counter[str] = Counter()
    timer: Counter[str] = Counter()
    with commit.PartitionWriter(Path(staged.staging_dir)) as writer:
        for result in process_batches(batches, options, workers=settings.workers):
            entities = _keep_first_articles(result, seen_ids)
            started = time.perf_counter()
            writer.write("articles", result.articles)
            writer.write("entities", entities)
            writer.write("rejects", result.rejects)
            timer.update(result.seconds)
            timer["write"] += time.perf_counter() - started
            staged.pages_in += result.pages_in
            staged.articles += len(result.articles)
            staged.rejects += len(result.rejects)
            staged.entities += len(entities)
            staged.models += [m for m in result.models if m not in staged.models]
            reasons.update(f"{r['stage']}/{r['reason']}" for r in result.rejects)
    staged.reject_reasons = dict(reasons)
    staged.seconds = {k: round(v, 3) for k, v in timer.items()}


def _log_staged(staged: StagedPartition, day: dt.date) -> None:
    seconds = staged.seconds
    log_stage(
        "extract",
        staged.source,
        day,
        pages_in=staged.pages_in,
        articles=staged.articles,
        rejects=staged.rejects,
        reject_reasons=staged.reject_reasons,
        seconds=seconds.get("extract", 0.0),
    )
    log_stage(
        "enrich",
        staged.source,
        day,
        articles=staged.articles,
        entities=staged.entities,
        models=staged.models,
        seconds=seconds.get("enrich", 0.0),
    )
    log_stage(
        "write", staged.source, day, staging=staged.staging_dir, seconds=seconds.get("write", 0.0)
    )


def stage_partition(
    source_id: str,
    date: str | dt.date,
    *,
    run_id: str | None = None,
    fetched: dict | None = None,
    settings: Settings | None = None,
) -> dict:
    """Extract and enrich one partition into staged Parquet files; publish nothing yet.

    ``fetched`` is what ``fetch_partition`` returned, for its statistics.
    """
    settings = settings or Settings.current()
    day = as_date(date)
    source = registered_source(settings, source_id)
    staging = layout.staging_dir(settings.warehouse, source.id, day, uuid.uuid4().hex)
    with commit.writer(settings.lake()) as con:
        first_seen = queries.first_seen(con, source.id, day)
    staged = StagedPartition(
        source=source.id,
        date=day.isoformat(),
        run_id=run_id or manual_run_id(),
        staging_dir=str(staging),
        started_at=dt.datetime.now(dt.UTC).isoformat(),
    )
    options = BatchOptions(
        ner_models=dict(settings.ner_models),
        ner_batch_size=settings.ner_batch_size,
        page_time_budget=settings.page_time_budget,
        first_seen=first_seen,
    )
    fetchers = fetchers_for(
        source,
        max_page_bytes=settings.max_page_bytes,
        raw=partition_archive(settings, source.id, day),
    )
    pages = itertools.chain.from_iterable(fetcher.pages(day) for fetcher in fetchers)
    _write_batches(staged, batched(pages, settings.page_batch_size), options, settings)
    if fetched:
        staged.fetch = fetched.get("fetch") or {}
        staged.seconds["fetch"] = fetched.get("seconds_fetch", 0.0)
    _log_staged(staged, day)
    if staged.pages_in != staged.articles + staged.rejects:
        raise AssertionError(f"{source.id}/{day}: pages in != articles + rejects ({staged})")
    return staged.to_dict()


def _run_row(staged: StagedPartition, settings: Settings) -> dict:
    """The partition's ``runs`` row: counts, seconds per stage, versions, fetch counters."""
    return {
        "run_id": staged.run_id,
        "started_at": dt.datetime.fromisoformat(staged.started_at),
        "pages_in": staged.pages_in,
        "articles": staged.articles,
        "rejects": staged.rejects,
        "entities": staged.entities,
        **{
            f"seconds_{k}": staged.seconds.get(k, 0.0)
            for k in ("fetch", "extract", "enrich", "write")
        },
        "pipeline_version": PIPELINE_VERSION,
        "extractor_version": EXTRACTOR_VERSION,
        "models": ",".join(staged.models),
        "config_hash": config_hash(settings),
        **staged.fetch,
    }


def current_versions(settings: Settings) -> dict[str, object]:
    """What decides a partition's content besides its raw pages, as it is now."""
    return {
        "pipeline": PIPELINE_VERSION,
        "extractor": EXTRACTOR_VERSION,
        "models": {
            lang: f"{name}-{_package_version(name)}" for lang, name in settings.ner_models.items()
        },
        "min_article_words": MIN_ARTICLE_WORDS,
    }


def config_hash(settings: Settings) -> str:
    """A short hash of :func:`current_versions`: every ``runs`` row keeps it, and
    reprocessing redoes the partitions whose latest run kept another."""
    encoded = json.dumps(current_versions(settings), sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()[:16]


def _package_version(module: str) -> str:
    try:
        return importlib.metadata.version(module.replace("_", "-"))
    except importlib.metadata.PackageNotFoundError:
        return "not-installed"


def publish_partition(staged: dict, *, settings: Settings | None = None) -> dict:
    """Commit the staged partition and its ``runs`` row to the lake in one transaction."""
    settings = settings or Settings.current()
    result = StagedPartition(**staged)
    day = as_date(result.date)
    started = time.perf_counter()
    snapshot = commit.publish_partition(
        settings.lake(),
        Path(result.staging_dir),
        result.source,
        day,
        _run_row(result, settings),
    )
    result.seconds["publish"] = round(time.perf_counter() - started, 3)
    log_stage(
        "publish",
        result.source,
        day,
        run_id=result.run_id,
        snapshot=snapshot,
        articles=result.articles,
        rejects=result.rejects,
        entities=result.entities,
        seconds=result.seconds["publish"],
    )
    return {**result.to_dict(), "snapshot_id": snapshot}


def run_partition(
    source_id: str,
    date: str | dt.date,
    *,
    refetch: bool = False,
    settings: Settings | None = None,
) -> dict:
    """Fetch, stage, publish, cluster, catalog and check one partition: the DAG for one source."""
    settings = settings or Settings.current()
    fetched = fetch_partition(source_id, date, refetch=refetch, settings=settings)
    staged = stage_partition(source_id, date, fetched=fetched, settings=settings)
    result = publish_partition(staged, settings=settings)
    cluster_stories(date, settings=settings)
    refresh_catalog(settings=settings)
    result["quality"] = check_quality(source_id, date, strict=False, settings=settings)
    return result
