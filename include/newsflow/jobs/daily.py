"""One partition end to end: fetch -> extract -> enrich -> publish.

These are the functions news_daily's tasks and ``newsflow run`` call, with
plain arguments and JSON-able results (a staging path and counts, never page
bodies), so a partition behaves the same whichever way it was started.
Imports and reprocessing extract, enrich and publish with them too
(:func:`stage_partition`).

Each step hands the next a :class:`StagedPartition` as a dict (a task's XCom):
``extract`` stages the articles without entities under ``extracted/`` and the
rejects beside it, ``enrich`` adds the entities and the articles' model and
entity count, ``publish`` commits the folder. So NER can run on its own
workers (news_daily's ``nlp`` queue), apart from crawling and extraction.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import importlib.metadata
import itertools
import json
import logging
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from newsflow.acquire.crawler import Crawler
from newsflow.acquire.crawler import (
    DiscoveryFailed as DiscoveryFailed,  # fetch_partition raises it; the DAG reads it
)
from newsflow.acquire.discovery import Entry
from newsflow.acquire.http import HttpClient, Response
from newsflow.acquire.pages import RawPage, page_readers_for
from newsflow.acquire.rawstore import FetchFailure, RawArchive, write_failures
from newsflow.acquire.registry import Source
from newsflow.acquire.urls import canonical_or_none
from newsflow.acquire.warc import WarcWriter
from newsflow.config import Settings
from newsflow.jobs.batch import (
    PIPELINE_VERSION,
    EnrichOptions,
    ExtractedBatch,
    ExtractOptions,
    batched,
    enrich_batch,
    extract_batch,
    in_order,
)
from newsflow.jobs.runs import as_date, log_stage, manual_run_id
from newsflow.jobs.sources import registered_source, source_for_run
from newsflow.jobs.upkeep import check_quality, cluster_stories, refresh_catalog
from newsflow.records import Reject, Run, Stage
from newsflow.text.extract import EXTRACTOR_VERSION, MIN_ARTICLE_WORDS
from newsflow.warehouse import commit, layout, queries

log = logging.getLogger(__name__)

#: The staging folder's subfolder of extracted articles, before enrichment.
EXTRACTED = "extracted"


@dataclass
class StagedPartition:
    """What each step of a partition hands the next: its ids, staging folder and counts."""

    source: str
    date: str
    #: When the partition's first step began (the ``runs`` row's ``started_at``).
    started_at: str
    staging_dir: str
    pages_in: int = 0
    articles: int = 0
    rejects: int = 0
    entities: int = 0
    reject_reasons: dict[str, int] = field(default_factory=dict)
    models: list[str] = field(default_factory=list)
    #: Seconds per stage: fetch, extract, enrich, write (staging files), publish.
    seconds: dict[str, float] = field(default_factory=dict)
    #: What fetching cost (web sources): the ``runs`` row's ``http_*`` fields.
    fetch: dict[str, int | str] = field(default_factory=dict)
    #: The ``runs`` row and the lake snapshot the publish created.
    run_id: str | None = None
    snapshot_id: int | None = None

    def add_seconds(self, seconds: Counter[str]) -> None:
        for stage, value in seconds.items():
            self.seconds[stage] = round(self.seconds.get(stage, 0.0) + value, 3)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def new_partition(settings: Settings, source_id: str, day: dt.date) -> StagedPartition:
    """A partition's run before its first step: a fresh staging folder of its own."""
    staging = layout.staging_dir(settings.warehouse, source_id, day, uuid.uuid4().hex)
    return StagedPartition(
        source=source_id,
        date=day.isoformat(),
        started_at=dt.datetime.now(dt.UTC).isoformat(),
        staging_dir=str(staging),
    )


def partition_archive(settings: Settings, source_id: str, day: dt.date) -> RawArchive:
    """The partition's raw archive: its WARC, its failure list, how its pages are named."""
    warc = layout.raw_archive(settings.warehouse, source_id, day)
    return RawArchive(
        warc=warc,
        failures=warc.with_name(layout.FAILURES_FILE),
        ref_name=layout.raw_ref_name(settings.warehouse, warc),
    )


@contextlib.contextmanager
def raw_archive_lock(settings: Settings, source_id: str, day: dt.date) -> Iterator[None]:
    """Hold the partition's raw archive: one fetch or import of it at a time.

    Two runs of one web partition (a retry beside a manual run) would each
    rewrite its WARC and failure list from what it read at its start; in turn,
    the second skips what the first archived.
    """
    lake = settings.lake()
    with lake.catalog.partition_lock(settings.warehouse, source_id, day, scope="raw"):
        yield


def held_urls(settings: Settings, source_id: str) -> set[str | None]:
    """Canonical URLs of every page of the source the warehouse already holds."""
    with commit.writer(settings.lake()) as con:
        return {canonical_or_none(u) for u in queries.ingested_urls(con, source_id)}


def _http_client(settings: Settings, source: Source) -> HttpClient:
    return HttpClient(
        user_agent=settings.user_agent,
        allow_hosts=settings.allow_hosts,
        read_timeout=settings.http_timeout,
        total_timeout=settings.http_total_timeout,
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
) -> tuple[list[Entry], int]:
    """Announced pages the warehouse does not hold yet (all of them with ``refetch``),
    at most ``max_pages_per_run``; and how many are left for the next run."""
    skip: set[str | None] = set()
    if not refetch:
        skip = raw.urls() | held_urls(settings, source.id)
    todo = [e for e in entries if canonical_or_none(e.url) not in skip]
    deferred = max(0, len(todo) - settings.max_pages_per_run)
    if deferred:
        log.warning(
            "%s: %d pages to fetch, taking the first %d; the rest wait for the next run",
            source.id,
            len(todo),
            settings.max_pages_per_run,
        )
    return todo[: settings.max_pages_per_run], deferred


@dataclass
class _FetchedPages:
    """What fetching a partition's pages left to record: the failures, the pages put off."""

    failures: list[FetchFailure] = field(default_factory=list)
    deferred: int = 0


def _fetch_pages(
    crawler: Crawler, todo: list[Entry], raw: RawArchive, source: Source, *, deadline: float
) -> _FetchedPages:
    """Fetch ``todo`` into the partition's WARC, carrying over what did not change.

    A 304 stands for the copy the raw archive holds; for a page it does not
    hold (its validators outlived an interrupted fetch, or came from another
    partition) the page is fetched again, unconditionally. Pages not started
    by ``deadline`` (the fetch budget) are left for the next run.
    """
    result = _FetchedPages()
    held = raw.urls()
    dated = {entry.url: entry.published is not None for entry in todo}
    replaced: set[str | None] = set()
    done = 0
    with raw.writer() as warc:
        for url, answer in crawler.fetch([entry.url for entry in todo], deadline=deadline):
            done += 1
            response = answer
            if response.not_modified:
                if canonical_or_none(url) in held:
                    continue  # unchanged: the copy the archive holds is carried over
                response = crawler.client.fetch(url, conditional=False)
            if response.status is None or response.not_modified:  # a 304 to a plain GET
                reason = response.reason or f"http_{response.status}"
                detail = response.detail or ""
                result.failures.append(FetchFailure(response.requested_url, reason, detail))
                continue
            _archive(warc, response, date_source=source.kind if dated[url] else "fetch_date")
            replaced.add(canonical_or_none(response.requested_url))
        raw.carry_over(warc, replaced=replaced)
    result.deferred = len(todo) - done
    if result.deferred:
        log.warning(
            "%s: fetch budget spent after %d pages; %d wait for the next run",
            source.id,
            done,
            result.deferred,
        )
    return result


def _archive_discovery(settings: Settings, crawler: Crawler, raw: RawArchive) -> None:
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
    refetch: bool = False,
    settings: Settings | None = None,
) -> dict:
    """Get a web source's pages for one partition into its raw archive.

    The only step that touches the network. Pages announced for the date that
    no earlier run ingested are fetched (all announced pages with
    ``refetch``), at most ``max_pages_per_run``; every response goes into the
    partition's WARC, every failure into the list beside it. Archive sources
    need no fetching. Returns what ``extract_partition`` needs.
    """
    settings = settings or Settings.current()
    day = as_date(date)
    source = source_for_run(settings, source_id)
    staged = new_partition(settings, source.id, day)
    if source.kind == "archive":
        log_stage("fetch", source.id, day, kind="archive", fetched=0, seconds=0.0)
        return staged.to_dict()
    started = time.perf_counter()
    raw = partition_archive(settings, source.id, day)
    with raw_archive_lock(settings, source.id, day), _http_client(settings, source) as client:
        crawler = Crawler(
            source,
            client,
            cache_dir=layout.discovery_cache(settings.warehouse, source.id),
            workers=settings.http_concurrency,
            max_sitemaps=settings.max_sitemaps,
        )
        entries = crawler.discover(day)
        todo, over_cap = _pages_to_fetch(entries, raw, settings, source, refetch=refetch)
        deadline = time.monotonic() + settings.fetch_budget
        fetched = _fetch_pages(crawler, todo, raw, source, deadline=deadline)
        _archive_discovery(settings, crawler, raw)
        write_failures(raw.failures, fetched.failures)
        # Only now does the raw archive hold every page these validators vouch
        # for: a fetch stopped before this point keeps none, so its retry
        # fetches the pages again instead of getting 304s for pages it lacks.
        client.save_state()
        staged.fetch = {
            **client.stats.run_fields(),
            "sitemaps_read": crawler.sitemaps_read,
            "sitemaps_skipped": crawler.sitemaps_skipped,
            "pages_deferred": over_cap + fetched.deferred,
        }
    staged.seconds["fetch"] = round(time.perf_counter() - started, 3)
    log_stage(
        "fetch",
        source.id,
        day,
        announced=len(entries),
        new=len(todo),
        failed=len(fetched.failures),
        seconds=staged.seconds["fetch"],
        **staged.fetch,
    )
    return staged.to_dict()


def _keep_first_articles(batch: ExtractedBatch, seen_ids: dict[str, str]) -> None:
    """Two pages with one article id (a copy under another name): keep the first.

    Done here, in page order, so the outcome does not depend on how batches
    were spread over worker processes.
    """
    kept = []
    for article in batch.articles:
        first = seen_ids.setdefault(article.article_id, article.raw_ref)
        if first == article.raw_ref:
            kept.append(article)
            continue
        batch.rejects.append(
            Reject(
                raw_ref=article.raw_ref,
                url=article.url,
                stage=Stage.EXTRACT,
                reason="duplicate_article",
                detail=f"same article id as {first}",
            )
        )
    batch.articles = kept


def _raw_pages(settings: Settings, source: Source, day: dt.date) -> Iterator[RawPage]:
    """Every raw page of the partition: its raw archive, or its source's archive folder."""
    readers = page_readers_for(
        source,
        max_page_bytes=settings.max_page_bytes,
        raw=partition_archive(settings, source.id, day),
    )
    return itertools.chain.from_iterable(reader.pages(day) for reader in readers)


def extract_partition(fetched: dict, *, settings: Settings | None = None) -> dict:
    """Clean every raw page of the partition into staged articles and rejects.

    Articles go to the staging folder's ``extracted/``, without entities, for
    ``enrich_partition``; rejects to the folder itself, as they will be published.
    """
    settings = settings or Settings.current()
    staged = StagedPartition(**fetched)
    day = as_date(staged.date)
    source = registered_source(settings, staged.source)
    with commit.writer(settings.lake()) as con:
        options = ExtractOptions(
            page_time_budget=settings.page_time_budget,
            first_seen=queries.first_seen(con, source.id, day),
        )
    batches = batched(_raw_pages(settings, source, day), settings.page_batch_size)
    staging = Path(staged.staging_dir)
    seen_ids: dict[str, str] = {}
    reasons: Counter[str] = Counter()
    seconds = Counter({"extract": 0.0, "write": 0.0})
    with (
        commit.PartitionWriter(staging / EXTRACTED, ["articles"]) as articles,
        commit.PartitionWriter(staging, ["rejects"]) as rejects,
    ):
        for batch in in_order(extract_batch, batches, options, workers=settings.workers):
            _keep_first_articles(batch, seen_ids)
            started = time.perf_counter()
            articles.write("articles", batch.articles)
            rejects.write("rejects", batch.rejects)
            seconds["write"] += time.perf_counter() - started
            seconds["extract"] += batch.seconds
            staged.pages_in += batch.pages_in
            staged.articles += len(batch.articles)
            staged.rejects += len(batch.rejects)
            reasons.update(f"{r.stage}/{r.reason}" for r in batch.rejects)
    staged.reject_reasons = dict(reasons)
    staged.add_seconds(seconds)
    log_stage(
        "extract",
        source.id,
        day,
        pages_in=staged.pages_in,
        articles=staged.articles,
        rejects=staged.rejects,
        reject_reasons=staged.reject_reasons,
        seconds=staged.seconds["extract"],
        seconds_staging=round(seconds["write"], 3),
        staging=staged.staging_dir,
    )
    if staged.pages_in != staged.articles + staged.rejects:
        raise AssertionError(f"{source.id}/{day}: pages in != articles + rejects ({staged})")
    return staged.to_dict()


def enrich_partition(extracted: dict, *, settings: Settings | None = None) -> dict:
    """Find the entities of the partition's extracted articles; stage articles and entities.

    Reads ``extracted/`` batch by batch, so memory holds a few batches of
    articles; afterwards the staging folder holds what a publish commits.
    """
    settings = settings or Settings.current()
    staged = StagedPartition(**extracted)
    day = as_date(staged.date)
    options = EnrichOptions(
        ner_models=dict(settings.ner_models), ner_batch_size=settings.ner_batch_size
    )
    staging = Path(staged.staging_dir)
    extracted_file = pq.ParquetFile(commit.staged_file(staging / EXTRACTED, "articles"))
    batches = (
        pa.Table.from_batches([b])
        for b in extracted_file.iter_batches(batch_size=settings.page_batch_size)
    )
    seconds = Counter({"enrich": 0.0, "write": 0.0})
    with extracted_file, commit.PartitionWriter(staging, ["articles", "entities"]) as writer:
        for batch in in_order(enrich_batch, batches, options, workers=settings.workers):
            started = time.perf_counter()
            writer.write("articles", batch.articles)
            writer.write("entities", batch.entities)
            seconds["write"] += time.perf_counter() - started
            seconds["enrich"] += batch.seconds
            staged.entities += len(batch.entities)
            staged.models += [m for m in batch.models if m not in staged.models]
    shutil.rmtree(staging / EXTRACTED)
    staged.add_seconds(seconds)
    log_stage(
        "enrich",
        staged.source,
        day,
        articles=staged.articles,
        entities=staged.entities,
        models=staged.models,
        seconds=staged.seconds["enrich"],
        seconds_staging=round(seconds["write"], 3),
    )
    return staged.to_dict()


def stage_partition(
    source_id: str, date: str | dt.date, *, settings: Settings | None = None
) -> dict:
    """Extract and enrich a partition from the raw pages it holds, without fetching:
    what imports and reprocessing publish (``publish_partition``)."""
    settings = settings or Settings.current()
    source = registered_source(settings, source_id)
    started = new_partition(settings, source.id, as_date(date))
    extracted = extract_partition(started.to_dict(), settings=settings)
    return enrich_partition(extracted, settings=settings)


def _run(staged: StagedPartition, run_id: str, settings: Settings) -> Run:
    """The partition's ``runs`` record: counts, seconds per stage, versions, fetch counters."""
    return Run(
        run_id=run_id,
        started_at=dt.datetime.fromisoformat(staged.started_at),
        pages_in=staged.pages_in,
        articles=staged.articles,
        rejects=staged.rejects,
        entities=staged.entities,
        seconds_fetch=staged.seconds.get("fetch", 0.0),
        seconds_extract=staged.seconds.get("extract", 0.0),
        seconds_enrich=staged.seconds.get("enrich", 0.0),
        seconds_write=staged.seconds.get("write", 0.0),
        pipeline_version=PIPELINE_VERSION,
        extractor_version=EXTRACTOR_VERSION,
        models=",".join(staged.models),
        config_hash=config_hash(settings),
        **staged.fetch,
    )


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


def publish_partition(
    enriched: dict, *, run_id: str | None = None, settings: Settings | None = None
) -> dict:
    """Commit the staged partition and its ``runs`` row to the lake in one transaction.

    ``run_id`` names the ``runs`` row (news_daily names it after the DAG run
    and the try; by default a manual run's id).
    """
    settings = settings or Settings.current()
    staged = StagedPartition(**enriched)
    day = as_date(staged.date)
    staged.run_id = run_id or manual_run_id()
    started = time.perf_counter()
    run = _run(staged, staged.run_id, settings)
    staging = Path(staged.staging_dir)
    staged.snapshot_id = commit.publish_partition(settings.lake(), staging, staged.source, day, run)
    staged.seconds["publish"] = round(time.perf_counter() - started, 3)
    log_stage(
        "publish",
        staged.source,
        day,
        run_id=staged.run_id,
        snapshot=staged.snapshot_id,
        articles=staged.articles,
        rejects=staged.rejects,
        entities=staged.entities,
        seconds=staged.seconds["publish"],
    )
    return staged.to_dict()


def run_partition(
    source_id: str,
    date: str | dt.date,
    *,
    refetch: bool = False,
    settings: Settings | None = None,
) -> dict:
    """Fetch, extract, enrich, publish, cluster, catalog and check one partition: the DAG
    for one source, in one process (``newsflow run``)."""
    settings = settings or Settings.current()
    fetched = fetch_partition(source_id, date, refetch=refetch, settings=settings)
    extracted = extract_partition(fetched, settings=settings)
    result = publish_partition(enrich_partition(extracted, settings=settings), settings=settings)
    cluster_stories(date, settings=settings)
    refresh_catalog(settings=settings)
    result["quality"] = check_quality(source_id, date, strict=False, settings=settings)
    return result
