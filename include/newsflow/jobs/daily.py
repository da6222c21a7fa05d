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
import functools
import hashlib
import importlib.metadata
import itertools
import json
import logging
import os
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

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
    article_batches,
    batched,
    enrich_batch,
    extract_batch,
    in_order,
    raw_size,
)
from newsflow.jobs.runs import as_date, log_stage, manual_run_id
from newsflow.jobs.sources import registered_source, source_for_run
from newsflow.jobs.upkeep import check_quality, cluster_stories, refresh_catalog, settle_names
from newsflow.records import Article, Reject, Run, Stage
from newsflow.text.extract import EXTRACTOR_VERSION, MIN_ARTICLE_WORDS
from newsflow.warehouse import commit, layout, maintenance, queries

if TYPE_CHECKING:
    import duckdb

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
    """A partition's run before its first step: a fresh staging folder of its own.

    The folders that earlier runs of the partition left (killed, or failed
    for good) go first, once untouched for ``staging_hours``; a younger one
    may be a run still under way (``maintenance.sweep_staging``).
    """
    maintenance.sweep_staging(
        settings.warehouse,
        older_than=dt.timedelta(hours=settings.staging_hours),
        source=source_id,
        date=day,
    )
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


PageId = tuple[str, str]


def _page_id(raw_ref: str, url: str | None, *, warc_refs: str) -> PageId:
    """What names a page the same in every run of its partition.

    A page of the partition's WARC (``raw_ref`` starting with ``warc_refs``)
    by its URL: its raw_ref is a byte offset, which moves when a fetch
    rewrites the archive. Any other (a file of an archive folder, a fetch
    failure) by its raw_ref.
    """
    if url and raw_ref.startswith(warc_refs):
        return ("warc", url)
    return ("ref", raw_ref)


def _published_pages(
    con: duckdb.DuckDBPyConnection, source: str, day: dt.date, page_id: Callable[..., PageId]
) -> dict[PageId, str]:
    """The partition's published pages: each one's raw_ref at the time, by its id."""
    published: dict[PageId, str] = {}
    for raw_ref, url in queries.published_pages(con, source, day):
        published.setdefault(page_id(raw_ref, url), raw_ref)
    return published


def _unpublished_first(
    pages: Callable[[], Iterator[RawPage]],
    published: dict[PageId, str],
    page_id: Callable[..., PageId],
) -> Iterator[RawPage]:
    """The partition's pages, those without a published row first.

    So a run cut short by the partition budget starts, next time, with the
    pages it did not reach. Two reads of the raw pages when some are
    published; a re-run of a fully published partition keeps its page order.
    """
    if not published:
        yield from pages()
        return
    yield from (p for p in pages() if page_id(p.raw_ref, p.url) not in published)
    yield from (p for p in pages() if page_id(p.raw_ref, p.url) in published)


def _batches_until(
    pages: Iterator[RawPage], size: int, max_bytes: int, deadline: float | None
) -> Iterator[list[RawPage]]:
    """Batches of ``size`` pages or ``max_bytes`` bytes, none but the first begun after
    ``deadline`` (monotonic).

    The first always is, so that every run gets further, whatever the budget.
    No page is drawn for a batch not begun: the rest of ``pages`` is deferred.
    """
    batches = batched(pages, size, max_weight=max_bytes, weight=raw_size)
    first = True
    while first or deadline is None or time.monotonic() < deadline:
        batch = next(batches, None)
        if batch is None:
            return
        first = False
        yield batch


def _carried_over(
    settings: Settings,
    source: str,
    day: dt.date,
    left: dict[str, str],
) -> Iterator[ExtractedBatch]:
    """The published rows of pages a run did not reach, renamed to their raw_ref now.

    ``left`` maps each such page's raw_ref when it was published to its
    raw_ref now. A batch per ``page_batch_size`` pages, so memory holds one.
    """
    with commit.writer(settings.lake()) as con:
        for refs in batched(list(left), settings.page_batch_size):
            found: dict[str, Article | Reject] = {}
            for table, record in (("articles", Article), ("rejects", Reject)):
                for row in queries.published_rows(con, table, source, day, refs):
                    found.setdefault(row["raw_ref"], record(**row))
            rows = [dataclasses.replace(r, raw_ref=left[ref]) for ref, r in found.items()]
            yield ExtractedBatch(
                pages_in=len(rows),
                articles=[r for r in rows if isinstance(r, Article)],
                rejects=[r for r in rows if isinstance(r, Reject)],
            )


@dataclass
class _Staging:
    """Where extract_partition puts each batch: its files, counts, first article ids."""

    staged: StagedPartition
    articles: commit.PartitionWriter
    rejects: commit.PartitionWriter
    seen_ids: dict[str, str] = field(default_factory=dict)
    reasons: Counter[str] = field(default_factory=Counter)
    seconds: Counter[str] = field(default_factory=lambda: Counter({"extract": 0.0, "write": 0.0}))

    def add(self, batch: ExtractedBatch) -> None:
        _keep_first_articles(batch, self.seen_ids)
        started = time.perf_counter()
        self.articles.write("articles", batch.articles)
        self.rejects.write("rejects", batch.rejects)
        self.seconds["write"] += time.perf_counter() - started
        self.seconds["extract"] += batch.seconds
        self.staged.pages_in += batch.pages_in
        self.staged.articles += len(batch.articles)
        self.staged.rejects += len(batch.rejects)
        self.reasons.update(f"{r.stage}/{r.reason}" for r in batch.rejects)


def _defer(
    staging: _Staging,
    settings: Settings,
    left: list[tuple[PageId, str]],
    published: dict[PageId, str],
) -> int:
    """Stage the published rows of the pages the budget left; record the pages as deferred.

    Returns how many of them had published rows (the rest had none: they
    were not in the partition before either).
    """
    staged = staging.staged
    reached = staged.pages_in
    carried = {published[pid]: raw_ref for pid, raw_ref in left if pid in published}
    day = as_date(staged.date)
    for batch in _carried_over(settings, staged.source, day, carried):
        staging.add(batch)
    staged.fetch["pages_deferred"] = int(staged.fetch.get("pages_deferred", 0)) + len(left)
    log.warning(
        "%s/%s: partition time budget (%g s) spent after %d pages; %d wait for the next run, "
        "%d of them keeping their published rows",
        staged.source,
        staged.date,
        settings.partition_time_budget,
        reached,
        len(left),
        len(carried),
    )
    return len(carried)


def extract_partition(fetched: dict, *, settings: Settings | None = None) -> dict:
    """Clean every raw page of the partition into staged articles and rejects.

    Articles go to the staging folder's ``extracted/``, without entities, for
    ``enrich_partition``; rejects to the folder itself, as they will be published.

    No batch but the first begins once ``partition_time_budget`` is spent, so
    the step ends within the budget plus the batches under way then (a batch
    is at most ``page_batch_size`` pages of ``page_time_budget`` each). The
    pages not reached are counted in the run's ``pages_deferred`` and wait
    for the next run. As that run extracts the whole partition again, it
    takes the pages without published rows first, so each run gets further.

    A publish replaces the partition, so a run cut short would drop the
    articles earlier runs published for the pages it did not reach: their
    published rows are staged again instead, as they are (entities are found
    again by ``enrich``), and the cut run publishes no fewer pages than the
    partition held. Failing the run instead would not help: its retry would
    stop at the same page, and the articles already extracted would be lost.
    """
    settings = settings or Settings.current()
    started = time.monotonic()
    staged = StagedPartition(**fetched)
    day = as_date(staged.date)
    source = registered_source(settings, staged.source)
    warc_refs = partition_archive(settings, source.id, day).ref_name + "#"
    page_id = functools.partial(_page_id, warc_refs=warc_refs)
    with commit.writer(settings.lake()) as con:
        options = ExtractOptions(
            page_time_budget=settings.page_time_budget,
            first_seen=queries.first_seen(con, source.id, day),
        )
        published = _published_pages(con, source.id, day, page_id)
    pages = _unpublished_first(lambda: _raw_pages(settings, source, day), published, page_id)
    budget = settings.partition_time_budget
    batches = _batches_until(
        pages,
        settings.page_batch_size,
        settings.page_batch_chars,
        started + budget if budget else None,
    )
    staging_dir = Path(staged.staging_dir)
    deferred = carried = 0
    with (
        commit.PartitionWriter(staging_dir / EXTRACTED, ["articles"]) as articles,
        commit.PartitionWriter(staging_dir, ["rejects"]) as rejects,
    ):
        staging = _Staging(staged, articles, rejects)
        for batch in in_order(extract_batch, batches, options, workers=settings.workers):
            staging.add(batch)
        if left := [(page_id(p.raw_ref, p.url), p.raw_ref) for p in pages]:
            deferred, carried = len(left), _defer(staging, settings, left, published)
    staged.reject_reasons = dict(staging.reasons)
    staged.add_seconds(staging.seconds)
    log_stage(
        "extract",
        source.id,
        day,
        pages_in=staged.pages_in,
        articles=staged.articles,
        rejects=staged.rejects,
        reject_reasons=staged.reject_reasons,
        pages_deferred=deferred,
        pages_carried_over=carried,
        seconds=staged.seconds["extract"],
        seconds_staging=round(staging.seconds["write"], 3),
        staging=staged.staging_dir,
    )
    if staged.pages_in != staged.articles + staged.rejects:
        raise AssertionError(f"{source.id}/{day}: pages in != articles + rejects ({staged})")
    return staged.to_dict()


def _resume(staged: StagedPartition) -> Path:
    """The run's staging folder, touched: a step of the run has begun (``sweep_staging``)."""
    staging = Path(staged.staging_dir)
    if not staging.is_dir():
        raise FileNotFoundError(
            f"{staged.source}/{staged.date}: the run's staging folder {staging} is gone "
            "(removed as stale, or by hand); run the partition again"
        )
    os.utime(staging)
    return staging


def enrich_partition(extracted: dict, *, settings: Settings | None = None) -> dict:
    """Find the entities of the partition's extracted articles; stage articles and entities.

    Reads ``extracted/`` batch by batch, so memory holds a few batches of
    articles; afterwards the staging folder holds what a publish commits.
    """
    settings = settings or Settings.current()
    staged = StagedPartition(**extracted)
    day = as_date(staged.date)
    options = EnrichOptions.from_settings(settings)
    staging = _resume(staged)
    extracted_file = pq.ParquetFile(commit.staged_file(staging / EXTRACTED, "articles"))
    batches = article_batches(
        extracted_file.iter_batches(batch_size=settings.page_batch_size),
        max_chars=settings.page_batch_chars,
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
    staging = _resume(staged)
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
    """Fetch, extract, enrich, publish, cluster, settle names, catalog and check one
    partition: the DAG for one source, in one process (``newsflow run``)."""
    settings = settings or Settings.current()
    fetched = fetch_partition(source_id, date, refetch=refetch, settings=settings)
    extracted = extract_partition(fetched, settings=settings)
    result = publish_partition(enrich_partition(extracted, settings=settings), settings=settings)
    cluster_stories(date, settings=settings)
    settle_names(settings=settings)
    refresh_catalog(settings=settings)
    result["quality"] = check_quality(source_id, date, strict=False, settings=settings)
    return result
