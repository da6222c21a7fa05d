"""Archive imports: years of pages into the warehouse, one partition at a time.

An import runs in two passes so memory stays flat whatever the archive size:

1. :func:`plan_import` streams the archive once and writes an *index* (one
   JSON line per page: its ref in the archive, its canonical URL and its
   partition date) under ``_staging/imports/``. The partition date is the
   publication date the page states (``date_source`` = ``json_ld``,
   ``dateline``, ...), else the archive's record date (``warc_date``,
   ``sidecar``, ``jsonl``, ``file_mtime``). A page captured twice counts once.
2. :func:`import_partition`, per date: the pages of that date go into the
   partition's raw archive (the WARC the web fetcher writes too), and the
   partition is staged and published with the daily pipeline's own functions.
   :func:`import_date` adds the clustering of the date's stories: the DAG maps
   it over the dates, ``newsflow import-archive`` loops over them.

Overlap rule: a page whose URL (or canonical URL) the source already holds,
from daily runs or an earlier import, is not imported again, so an archive
that covers partitions the daily runs wrote neither loses their rows nor
duplicates their articles. A partition that gets imported pages is
republished whole: what it held, plus the new pages.

Resumable: each finished partition leaves a marker for the input (identified
by path, size, modification time and its first MiB); a re-run of the same
import skips those partitions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import duckdb
from tqdm import tqdm

from newsflow.acquire.http import charset_of
from newsflow.acquire.rawstore import FetchFailure, read_failures, write_failures
from newsflow.acquire.readers import ArchiveRecord, open_archive
from newsflow.acquire.urls import canonical_or_none
from newsflow.config import Settings
from newsflow.files import replacing
from newsflow.jobs.daily import (
    held_urls,
    partition_archive,
    publish_partition,
    raw_archive_lock,
    stage_partition,
)
from newsflow.jobs.runs import import_run_id
from newsflow.jobs.sources import registered_source
from newsflow.jobs.upkeep import cluster_stories
from newsflow.text.extract import page_date
from newsflow.warehouse import layout
from newsflow.warehouse.catalog import glob_literal

log = logging.getLogger(__name__)

#: What an imported date reports (the DAG task's XCom, the command's line).
SUMMARY = ("date", "imported", "already_held", "articles", "rejects")

#: The pages of one partition in the index, each URL once (its first capture).
_PARTITION_ROWS = """
SELECT ref, url_key, date_source FROM read_json(?, format = 'newline_delimited',
    columns = {seq: 'BIGINT', ref: 'VARCHAR', url_key: 'VARCHAR', date: 'DATE',
               date_source: 'VARCHAR'})
QUALIFY (url_key IS NULL OR row_number() OVER (PARTITION BY url_key ORDER BY seq) = 1)
    AND date = ?
ORDER BY seq
"""
_DATES = """
SELECT DISTINCT date FROM read_json(?, format = 'newline_delimited',
    columns = {seq: 'BIGINT', ref: 'VARCHAR', url_key: 'VARCHAR', date: 'DATE',
               date_source: 'VARCHAR'})
ORDER BY date
"""


def input_id(path: Path) -> str:
    """Identifies an archive input across runs without reading all of it."""
    path = Path(path).absolute()
    digest = hashlib.sha256(str(path).encode())
    for item in sorted(path.rglob("*")) if path.is_dir() else [path]:
        if item.is_file():
            stat = item.stat()
            digest.update(f"{item}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    if path.is_file():
        with path.open("rb") as handle:
            digest.update(handle.read(1 << 20))
    return digest.hexdigest()[:16]


def plan_import(
    path: str | Path,
    source_id: str,
    *,
    progress: bool = False,
    settings: Settings | None = None,
) -> dict:
    """Index the archive; return the partitions still to import (JSON-able).

    ``progress`` shows a progress bar on a terminal (never in task logs).
    """
    settings = settings or Settings.current()
    registered_source(settings, source_id)
    archive = open_archive(Path(path))
    ident = input_id(archive.path)
    index = settings.warehouse / layout.STAGING / "imports" / f"{source_id}-{ident}.jsonl"
    today = dt.datetime.now(dt.UTC).date()
    records = 0
    with replacing(index) as out:
        pages = tqdm(archive.records(), desc="indexing", unit=" pages", disable=not progress)
        for records, record in enumerate(pages, 1):
            date, date_source = _partition_date(record, today, budget=settings.page_time_budget)
            row = {
                "seq": records,
                "ref": record.ref,
                "url_key": canonical_or_none(record.url),
                "date": date.isoformat(),
                "date_source": date_source,
            }
            out.write(json.dumps(row) + "\n")
    with duckdb.connect() as con:
        dates = [d.isoformat() for (d,) in con.execute(_DATES, [glob_literal(index)]).fetchall()]
    done = layout.imported_dates(settings.warehouse, source_id, ident)
    plan = {
        "path": str(archive.path.absolute()),
        "source": source_id,
        "input_id": ident,
        "index": str(index),
        "records": records,
        "skipped_records": dict(archive.skipped),
        "dates": [d for d in dates if d not in done],
        "already_imported": sorted(set(dates) & done),
    }
    log.info(
        "planned import of %s into %s: %d pages over %d dates, %d already imported, skipped %s",
        archive.path, source_id, records, len(dates), len(plan["already_imported"]),
        archive.skipped or "nothing",
    )  # fmt: skip
    return plan


def _partition_date(record: ArchiveRecord, today: dt.date, *, budget: float) -> tuple[dt.date, str]:
    """The page's own publication date, else the archive's date for it, else today."""
    if record.body is not None and 200 <= record.status < 300:
        charset = charset_of(record.headers)
        date, source = page_date(record.body, charset=charset, url=record.url, budget=budget)
        if date is not None and source is not None:
            return date, source
    if record.record_date is not None:
        return record.record_date, record.record_date_source
    return today, "import_date"


def _archive_date(plan: dict, day: dt.date, *, settings: Settings) -> tuple[int, int]:
    """Add the archive's pages of ``day`` that the warehouse lacks to the partition's raw
    archive, under its lock; how many were added, and how many it already held."""
    source_id = plan["source"]
    raw = partition_archive(settings, source_id, day)
    archive = open_archive(Path(plan["path"]))
    with raw_archive_lock(settings, source_id, day):
        known = raw.urls() | held_urls(settings, source_id)
        added, duplicates = 0, 0
        failures = {f.url: f for f in read_failures(raw.failures)}
        with raw.writer() as warc:
            raw.carry_over(warc, replaced=set())
            for ref, url_key, date_source in _rows(plan["index"], day):
                if url_key is not None and url_key in known:
                    duplicates += 1
                    continue
                record = archive.record_at(ref)
                url = record.url or _placeholder_url(plan["input_id"], ref)
                if record.body is None:
                    failures[url] = FetchFailure(url, "damaged_record", record.detail or "no body")
                    continue
                warc.write_response(
                    url=url,
                    status=record.status,
                    headers=record.headers,
                    body=record.body,
                    fetched_at=record.fetched_at or _midnight(record.record_date or day),
                    date_source=date_source,
                )
                added += 1
        write_failures(raw.failures, failures.values())
    return added, duplicates


def import_partition(plan: dict, date: str, *, settings: Settings | None = None) -> dict:
    """Import one date of a planned archive and publish the partition."""
    settings = settings or Settings.current()
    day = dt.date.fromisoformat(date)
    source_id = plan["source"]
    added, duplicates = _archive_date(plan, day, settings=settings)
    staged = stage_partition(source_id, day, settings=settings)
    run_id = import_run_id(plan["input_id"], date)
    result = publish_partition(staged, run_id=run_id, settings=settings)
    layout.mark_imported(settings.warehouse, source_id, plan["input_id"], day)
    log.info(
        "imported %s/%s: %d new pages, %d already held; partition now %d articles, %d rejects",
        source_id, day, added, duplicates, result["articles"], result["rejects"],
    )  # fmt: skip
    return {**result, "imported": added, "already_held": duplicates}


def import_date(plan: dict, date: str, *, settings: Settings | None = None) -> dict:
    """One date of a planned import, as news_archive_import's mapped task and
    ``newsflow import-archive`` run it: the partition, then the date's stories
    clustered again with its new articles. Returns the :data:`SUMMARY` figures."""
    settings = settings or Settings.current()
    result = import_partition(plan, date, settings=settings)
    cluster_stories(date, settings=settings)
    return {k: result[k] for k in SUMMARY}


def _rows(index: str, day: dt.date) -> Iterator[tuple[str, str | None, str]]:
    with duckdb.connect() as con:
        yield from con.execute(_PARTITION_ROWS, [glob_literal(index), day]).fetchall()


def _placeholder_url(ident: str, ref: str) -> str:
    """A stable URL for a page its archive names no URL for (``.invalid`` is
    reserved for exactly that: it can never resolve)."""
    return f"http://{ident}.import.invalid/{quote(ref.lstrip('#/'))}"


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), dt.UTC)
