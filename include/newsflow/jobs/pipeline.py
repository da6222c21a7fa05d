"""One partition end to end: fetch -> extract -> enrich -> stage -> publish.

These are the functions the DAG's tasks and ``newsflow run`` call, with plain
arguments and JSON-able results (paths and counts, never page bodies), so a
partition behaves the same whichever way it was started.
"""

from __future__ import annotations

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
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyarrow as pa

from newsflow.acquire.discovery import Entry
from newsflow.acquire.fetchers import (
    ArchiveFetcher,
    FetchFailure,
    RawArchive,
    WebCrawler,
    canonical_or_none,
    fetchers_for,
    write_failures,
)
from newsflow.acquire.fetchers import (
    DiscoveryFailed as DiscoveryFailed,  # fetch_partition raises it; the DAG reads it
)
from newsflow.acquire.http import HttpClient, Response
from newsflow.acquire.registry import Source, load_sources
from newsflow.acquire.warc import WarcWriter
from newsflow.config import Settings
from newsflow.jobs.batch import (
    PIPELINE_VERSION,
    BatchOptions,
    BatchResult,
    batched,
    process_batches,
)
from newsflow.nlp import dedupe
from newsflow.text.extract import EXTRACTOR_VERSION, MIN_ARTICLE_WORDS
from newsflow.warehouse import commit, layout, maintenance, quality, queries

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


def log_stage(stage: str, source: str, date: str | dt.date, **figures: object) -> None:
    """One structured line per stage in the task log: ``stage=… source=… date=… k=v…``.

    Values are JSON, so the lines parse back (``grep 'stage=' | …``) for
    dashboards and alerts.
    """
    fields = " ".join(
        f"{k}={json.dumps(v, default=str, separators=(',', ':'))}" for k, v in figures.items()
    )
    log.info("stage=%s source=%s date=%s %s", stage, source, date, fields)


def _as_date(value: str | dt.date) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def registered_source(settings: Settings, source_id: str) -> Source:
    """The registry's entry for ``source_id``; a clear error if there is none."""
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
            dates.update(ArchiveFetcher(source, max_page_bytes=settings.max_page_bytes).dates())
    return [d.isoformat() for d in sorted(dates)]


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


def ingested_urls(settings: Settings, source_id: str) -> set[str | None]:
    """Canonical URLs of every page of the source the warehouse already holds."""
    with commit.writer(settings.lake()) as con:
        return {canonical_or_none(u) for u in queries.ingested_urls(con, source_id)}


def raw_archive(settings: Settings, source_id: str, day: dt.date) -> RawArchive:
    """The partition's raw archive (see ``acquire.RawArchive``)."""
    warc = layout.raw_archive(settings.warehouse, source_id, day)
    return RawArchive(
        warc=warc,
        failures=warc.with_name(layout.FAILURES_FILE),
        ref_name=layout.raw_ref_name(settings.warehouse, warc),
    )


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
        skip = raw.urls() | ingested_urls(settings, source.id)
    todo = [e for e in entries if canonical_or_none(e.url) not in skip]
    if len(todo) > settings.max_pages_per_run:
        log.warning(
            "%s: %d pages to fetch, taking the first %d; the rest wait for the next run",
            source.id,
            len(todo),
            settings.max_pages_per_run,
        )
    return todo[: settings.max_pages_per_run]


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
    settings = settings or Settings.from_env()
    day = _as_date(date)
    source = registered_source(settings, source_id)
    fetched = {"source": source.id, "date": day.isoformat(), "run_id": run_id, "fetch": {}}
    if source.kind == "archive":
        log_stage("fetch", source.id, day, kind="archive", fetched=0, seconds=0.0)
        return fetched
    started = time.perf_counter()
    raw = raw_archive(settings, source.id, day)
    failures: list[FetchFailure] = []
    with _http_client(settings, source) as client:
        cache = layout.discovery_cache(settings.warehouse, source.id)
        crawler = WebCrawler(source, client, cache_dir=cache)
        entries = crawler.discover(day)
        todo = _pages_to_fetch(entries, raw, settings, source, refetch=refetch)
        replaced: set[str] = set()
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
        discovery = raw.warc.with_name(layout.DISCOVERY_FILE)
        with WarcWriter(
            discovery, ref_name=layout.raw_ref_name(settings.warehouse, discovery)
        ) as warc:
            for document in crawler.documents:
                if document.status is not None:
                    _archive(warc, document)
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
    settings = settings or Settings.from_env()
    day = _as_date(date)
    source = registered_source(settings, source_id)
    run_id = run_id or f"manual__{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}_{uuid.uuid4().hex[:8]}"
    staging = layout.staging_dir(settings.warehouse, source.id, day, uuid.uuid4().hex)
    with commit.writer(settings.lake()) as con:
        first_seen = queries.first_seen(con, source.id, day)
    staged = StagedPartition(
        source=source.id,
        date=day.isoformat(),
        run_id=run_id,
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
        raw=raw_archive(settings, source.id, day),
    )
    pages = itertools.chain.from_iterable(fetcher.pages(day) for fetcher in fetchers)
    batches = batched(pages, settings.page_batch_size)
    seen_ids: dict[str, str] = {}
    reasons: Counter[str] = Counter()
    timer: Counter[str] = Counter()
    with commit.PartitionWriter(staging) as writer:
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
    if fetched:
        staged.fetch = fetched.get("fetch") or {}
        staged.seconds["fetch"] = fetched.get("seconds_fetch", 0.0)
    seconds = staged.seconds
    log_stage(
        "extract",
        source.id,
        day,
        pages_in=staged.pages_in,
        articles=staged.articles,
        rejects=staged.rejects,
        reject_reasons=staged.reject_reasons,
        seconds=seconds.get("extract", 0.0),
    )
    log_stage(
        "enrich",
        source.id,
        day,
        articles=staged.articles,
        entities=staged.entities,
        models=staged.models,
        seconds=seconds.get("enrich", 0.0),
    )
    log_stage("write", source.id, day, staging=str(staging), seconds=seconds.get("write", 0.0))
    if staged.pages_in != staged.articles + staged.rejects:
        raise AssertionError(f"{source.id}/{day}: pages in != articles + rejects ({staged})")
    return staged.to_dict()


def publish_partition(staged: dict, *, settings: Settings | None = None) -> dict:
    """Commit the staged partition and its ``runs`` row to the lake in one transaction."""
    settings = settings or Settings.from_env()
    result = StagedPartition(**staged)
    day = _as_date(result.date)
    started = time.perf_counter()
    run_row = {
        "run_id": result.run_id,
        "started_at": dt.datetime.fromisoformat(result.started_at),
        "pages_in": result.pages_in,
        "articles": result.articles,
        "rejects": result.rejects,
        "entities": result.entities,
        **{
            f"seconds_{k}": result.seconds.get(k, 0.0)
            for k in ("fetch", "extract", "enrich", "write")
        },
        "pipeline_version": PIPELINE_VERSION,
        "extractor_version": EXTRACTOR_VERSION,
        "models": ",".join(result.models),
        "config_hash": config_hash(settings),
        **result.fetch,
    }
    snapshot = commit.publish_partition(
        settings.lake(), Path(result.staging_dir), result.source, day, run_row
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


def cluster_stories(date: str | dt.date, *, settings: Settings | None = None) -> dict:
    """Group the date's articles, every source together, into stories.

    Runs once all sources of the date are published, so the same wire story
    on five sites lands in one cluster; earlier stories of the trailing
    ``dedupe_days`` count as known, so a story repeated a day later is a
    duplicate too. Each partition whose clusters changed is rewritten
    atomically; an identical re-run rewrites nothing.
    """
    settings = settings or Settings.from_env()
    day = _as_date(date)
    since = day - dt.timedelta(days=settings.dedupe_days)
    columns = "article_id, content_hash, fingerprint, ingested_at, date"
    lake = settings.lake()
    with commit.writer(lake) as con:
        rows = con.execute(
            f"SELECT {columns} FROM articles WHERE date BETWEEN ? AND ?", [since, day]
        ).fetchall()
    keys = [dedupe.ArticleKey(*row) for row in rows]
    assignments = dedupe.assign_clusters(
        [k for k in keys if k.date == day], [k for k in keys if k.date != day]
    )
    clusters = pa.table(
        {
            "article_id": pa.array(list(assignments), pa.string()),
            "cluster_id": pa.array([a.cluster_id for a in assignments.values()], pa.string()),
            "duplicate_of": pa.array([a.duplicate_of for a in assignments.values()], pa.string()),
        }
    )
    changed = commit.set_clusters(lake, day, clusters) if assignments else 0
    duplicates = sum(1 for a in assignments.values() if a.duplicate_of)
    log_stage(
        "cluster",
        "*",
        day,
        articles=len(assignments),
        duplicates=duplicates,
        changed=changed,
    )
    return {"date": day.isoformat(), "articles": len(assignments), "duplicates": duplicates}


def check_quality(
    source_id: str,
    date: str | dt.date,
    *,
    strict: bool = True,
    settings: Settings | None = None,
) -> dict:
    """Run the data-quality checks on a published partition and keep their results.

    Results land in the ``quality`` table whatever they say; then, if
    ``strict``, a failed check raises ``quality.QualityCheckFailed`` naming
    source, date and figure (the DAG's task fails; warnings only log).
    """
    settings = settings or Settings.from_env()
    day = _as_date(date)
    lake = settings.lake()
    with commit.writer(lake) as con:
        results = quality.run_checks(con, source_id, day, settings.quality)
    rows = quality.quality_rows(results, checked_at=dt.datetime.now(dt.UTC))
    log_stage("quality", source_id, day, **{r.check: r.status for r in results})
    commit.replace_partition(lake, "quality", source_id, day, rows)
    if strict:
        quality.raise_for_failures(results)
    return {r.check: r.status for r in results}


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
    """A short hash of :func:`current_versions`, stored with every run."""
    encoded = json.dumps(current_versions(settings), sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()[:16]


def _package_version(module: str) -> str:
    try:
        return importlib.metadata.version(module.replace("_", "-"))
    except importlib.metadata.PackageNotFoundError:
        return "not-installed"


_STALE_PARTITIONS = """
SELECT source, date::VARCHAR, config_hash FROM latest_runs
WHERE (? IS NULL OR source = ?)
  AND (? IS NULL OR date >= ?::DATE)
  AND (? IS NULL OR date <= ?::DATE)
ORDER BY date, source
"""


def plan_reprocess(
    *,
    source_id: str | None = None,
    since: str | None = None,
    until: str | None = None,
    force: bool = False,
    settings: Settings | None = None,
) -> list[dict]:
    """Published partitions made by other versions than the current ones.

    ``force`` lists every partition in the range. Each item is
    ``{"source": ..., "date": ...}``, ready for :func:`reprocess_partition`.
    """
    settings = settings or Settings.from_env()
    current = config_hash(settings)
    params = [source_id, source_id, since, since, until, until]
    with commit.writer(settings.lake()) as con:
        rows = con.execute(_STALE_PARTITIONS, params).fetchall()
    return [
        {"source": source, "date": date}
        for source, date, made_by in rows
        if force or made_by != current
    ]


def reprocess_partition(
    source_id: str, date: str | dt.date, *, settings: Settings | None = None
) -> dict:
    """Extract and enrich a partition again from its raw pages (no network), publish it."""
    settings = settings or Settings.from_env()
    run_id = f"reprocess__{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}__{source_id}"
    staged = stage_partition(source_id, date, run_id=run_id, settings=settings)
    return publish_partition(staged, settings=settings)


def warehouse_counts(*, settings: Settings | None = None) -> dict[str, int]:
    """Rows per table across the warehouse: the metadata the DAGs attach to their Asset."""
    settings = settings or Settings.from_env()
    with commit.writer(settings.lake()) as con:
        return queries.table_counts(con, ("articles", "entities", "rejects"))


def refresh_catalog(*, settings: Settings | None = None) -> bool:
    """Make sure the lake has every table and view and ``attach.sql`` is current.

    Costs one catalog lookup and no commit when nothing changed.
    """
    settings = settings or Settings.from_env()
    with commit.writer(settings.lake()):
        return True


def run_partition(
    source_id: str,
    date: str | dt.date,
    *,
    refetch: bool = False,
    settings: Settings | None = None,
) -> dict:
    """Fetch, stage, publish, cluster, catalog and check one partition: the DAG for one source."""
    settings = settings or Settings.from_env()
    fetched = fetch_partition(source_id, date, refetch=refetch, settings=settings)
    staged = stage_partition(source_id, date, fetched=fetched, settings=settings)
    result = publish_partition(staged, settings=settings)
    cluster_stories(date, settings=settings)
    refresh_catalog(settings=settings)
    result["quality"] = check_quality(source_id, date, strict=False, settings=settings)
    return result


_PREVIEW_SQL = """
WITH before AS (
    SELECT article_id, content_hash FROM articles WHERE source = $source AND date = $date
), after AS (
    SELECT article_id, content_hash FROM read_parquet($staged, hive_partitioning = false)
)
SELECT (SELECT count(*) FROM before), (SELECT count(*) FROM after),
       count(*) FILTER (WHERE b.article_id IS NOT NULL AND a.article_id IS NOT NULL
                        AND b.content_hash IS DISTINCT FROM a.content_hash),
       count(*) FILTER (WHERE b.article_id IS NULL),
       count(*) FILTER (WHERE a.article_id IS NULL),
       (SELECT count(*) FROM entities WHERE source = $source AND date = $date),
       (SELECT count(*) FROM read_parquet($staged_entities, hive_partitioning = false))
FROM before AS b FULL OUTER JOIN after AS a USING (article_id)
"""


def preview_reprocess(
    source_id: str, date: str | dt.date, *, settings: Settings | None = None
) -> dict:
    """What reprocessing the partition would change, without publishing anything.

    Stages the partition from its raw pages as :func:`reprocess_partition`
    would, compares it with the published one (articles by id and content
    hash; entity counts), then removes the staged files.
    """
    settings = settings or Settings.from_env()
    day = _as_date(date)
    staged = stage_partition(source_id, day, run_id="preview", settings=settings)
    folder = Path(staged["staging_dir"])
    params = {
        "source": source_id,
        "date": day,
        "staged": str(folder / "articles.parquet"),
        "staged_entities": str(folder / "entities.parquet"),
    }
    try:
        with commit.writer(settings.lake()) as con:
            figures = con.execute(_PREVIEW_SQL, params).fetchone()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    names = (
        "articles_before",
        "articles_after",
        "articles_changed",
        "articles_added",
        "articles_removed",
        "entities_before",
        "entities_after",
    )
    return {"source": source_id, "date": day.isoformat(), **dict(zip(names, figures, strict=True))}


def maintain_warehouse(*, settings: Settings | None = None) -> dict[str, int]:
    """Compact the lake, expire snapshots older than ``snapshot_days``, delete dead files."""
    settings = settings or Settings.from_env()
    report = maintenance.maintain(settings.lake(), snapshot_days=settings.snapshot_days)
    return report.to_dict()
