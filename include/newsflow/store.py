"""Storage: Parquet partitions per table, published atomically, under a DuckDB catalog.

Layout: ``<root>/<table>/source=<id>/date=<YYYY-MM-DD>/<file>.parquet``.
A run stages its files under ``<root>/_staging/`` and publishes each one with
``os.replace`` (atomic on one filesystem): readers see the old partition file
or the new one, never a half-written one. The catalog ``newsflow.duckdb``
holds only views over ``read_parquet`` globs, so new partitions appear
without writing to it, and a run never needs its write lock while analysts
hold it open.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from newsflow.sources import validate_source_id
from newsflow.views import ANALYST_VIEWS, create_analyst_views

log = logging.getLogger(__name__)

CATALOG = "newsflow.duckdb"
STAGING = "_staging"
RAW = "raw"
RAW_FILE = "pages.warc.gz"
FAILURES_FILE = "failures.jsonl"
DISCOVERY_FILE = "discovery.warc.gz"
PARTITION_FILE = "data.parquet"
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9_.-]")

# ``source`` and ``date`` are not stored in the files: they come from the
# hive partition path, exactly as analysts see them.
SCHEMAS: dict[str, pa.Schema] = {
    "articles": pa.schema(
        [
            ("article_id", pa.string()),
            ("url", pa.string()),
            ("canonical_url", pa.string()),
            ("title", pa.string()),
            ("author", pa.string()),
            ("published_at", pa.date32()),
            ("date_source", pa.string()),
            ("language", pa.string()),
            ("text", pa.string()),
            ("word_count", pa.int32()),
            ("content_hash", pa.string()),
            ("input_format", pa.string()),
            ("extractor_version", pa.string()),
            ("pipeline_version", pa.string()),
            ("ner_model", pa.string()),
            ("entity_count", pa.int32()),
            ("ingested_at", pa.timestamp("us", tz="UTC")),
            ("raw_ref", pa.string()),
            # Duplicate stories (newsflow.dedupe): MinHash signature, the story's
            # first article, and that id again unless this is the first.
            ("fingerprint", pa.binary()),
            ("cluster_id", pa.string()),
            ("duplicate_of", pa.string()),
        ]
    ),
    "entities": pa.schema(
        [
            ("article_id", pa.string()),
            ("text", pa.string()),
            ("label", pa.string()),
            ("canonical", pa.string()),
            ("start_char", pa.int32()),
            ("end_char", pa.int32()),
            ("sentence", pa.int32()),
            ("model", pa.string()),
        ]
    ),
    "rejects": pa.schema(
        [
            ("raw_ref", pa.string()),
            ("url", pa.string()),
            ("stage", pa.string()),
            ("reason", pa.string()),
            ("detail", pa.string()),
        ]
    ),
    "runs": pa.schema(
        [
            ("run_id", pa.string()),
            ("started_at", pa.timestamp("us", tz="UTC")),
            ("finished_at", pa.timestamp("us", tz="UTC")),
            ("pages_in", pa.int32()),
            ("articles", pa.int32()),
            ("rejects", pa.int32()),
            ("entities", pa.int32()),
            ("seconds_extract", pa.float64()),
            ("seconds_enrich", pa.float64()),
            ("seconds_write", pa.float64()),
            ("seconds_publish", pa.float64()),
            ("pipeline_version", pa.string()),
            ("extractor_version", pa.string()),
            ("models", pa.string()),
            # pipeline.config_hash: versions and settings that made the partition
            ("config_hash", pa.string()),
            # What fetching cost (web sources; zero for archives): see newsflow.http.
            ("seconds_fetch", pa.float64()),
            ("http_fetches", pa.int32()),
            ("http_requests", pa.int32()),
            ("http_bytes_received", pa.int64()),
            ("http_retries", pa.int32()),
            ("http_robots_fetches", pa.int32()),
            ("http_robots_refused", pa.int32()),
            ("http_blocked", pa.int32()),
            ("http_not_modified", pa.int32()),
            ("http_errors", pa.int32()),
            ("http_status_counts", pa.string()),
        ]
    ),
    # One row per data-quality check of a partition (newsflow.quality).
    "quality": pa.schema(
        [
            ("check_name", pa.string()),
            ("status", pa.string()),
            ("value", pa.float64()),
            ("threshold", pa.float64()),
            ("message", pa.string()),
            ("checked_at", pa.timestamp("us", tz="UTC")),
        ]
    ),
}
#: Tables with one file per partition, replaced on re-run. ``runs`` is a log:
#: each run adds its own file, so the history of a partition is kept.
REPLACED_TABLES = ("articles", "entities", "rejects")
#: The tables the analyst views (newsflow.views) read.
ANALYST_BASE = ("articles", "entities", "rejects")


def partition_dir(root: Path, table: str, source: str, date: dt.date) -> Path:
    """``<root>/<table>/source=<id>/date=<date>``; ids are validated, so no escape."""
    if table not in SCHEMAS:
        raise ValueError(f"unknown table {table!r}")
    return root / table / f"source={validate_source_id(source)}" / f"date={date.isoformat()}"


class PartitionWriter:
    """Streams rows of one partition into staged Parquet files, batch by batch."""

    def __init__(self, staging: Path) -> None:
        staging.mkdir(parents=True, exist_ok=True)
        self.staging = staging
        self._writers = {
            table: pq.ParquetWriter(staging / f"{table}.parquet", SCHEMAS[table])
            for table in REPLACED_TABLES
        }

    def write(self, table: str, rows: list[Mapping[str, object]]) -> None:
        if rows:
            self._writers[table].write_table(pa.Table.from_pylist(rows, SCHEMAS[table]))

    def close(self) -> None:
        """Finish every file (an empty partition still gets files with the schema)."""
        for table, writer in self._writers.items():
            writer.close()
            _fsync(self.staging / f"{table}.parquet")

    def __enter__(self) -> PartitionWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _fsync(path: Path) -> None:
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) if path.is_dir() else os.O_RDONLY
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace(staged: Path, final: Path) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged, final)
    _fsync(final.parent)


def publish(staging: Path, root: Path, source: str, date: dt.date) -> None:
    """Move a staged partition into place, one atomic rename per table."""
    for table in REPLACED_TABLES:
        final = partition_dir(root, table, source, date) / PARTITION_FILE
        _replace(staging / f"{table}.parquet", final)
    shutil.rmtree(staging, ignore_errors=True)


def read_partition(root: Path, table: str, source: str, date: dt.date) -> pa.Table | None:
    """A published partition file of ``table``, or None if there is none."""
    path = partition_dir(root, table, source, date) / PARTITION_FILE
    return pq.read_table(path) if path.exists() else None


def replace_partition(
    root: Path, table: str, source: str, date: dt.date, data: pa.Table | list[Mapping]
) -> None:
    """Write a whole partition file of ``table`` atomically (temp file, then rename)."""
    final = partition_dir(root, table, source, date) / PARTITION_FILE
    if not isinstance(data, pa.Table):
        data = pa.Table.from_pylist(list(data), SCHEMAS[table])
    staged = final.with_name(f".{final.name}.tmp")
    staged.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(data, staged)
    _fsync(staged)
    _replace(staged, final)


def partitions_of_date(root: Path, table: str, date: dt.date) -> list[str]:
    """Sources that have a published ``table`` partition for ``date``."""
    found = (root / table).glob(f"source=*/date={date.isoformat()}/{PARTITION_FILE}")
    return sorted(path.parent.parent.name.removeprefix("source=") for path in found)


def append_run(root: Path, source: str, date: dt.date, run_row: Mapping[str, object]) -> None:
    """Add one row to the ``runs`` log of a partition (written after its data)."""
    name = _UNSAFE_FILENAME.sub("_", str(run_row["run_id"]))
    staged = partition_dir(root, "runs", source, date) / f".{name}.tmp"
    staged.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist([dict(run_row)], SCHEMAS["runs"]), staged)
    _fsync(staged)
    _replace(staged, staged.with_name(f"{name}.parquet"))


def raw_archive(root: Path, source: str, date: dt.date) -> Path:
    """The partition's raw archive: every response its fetches got, as one WARC."""
    return (
        root / RAW / f"source={validate_source_id(source)}" / f"date={date.isoformat()}" / RAW_FILE
    )


def raw_ref_name(root: Path, path: Path) -> str:
    """How ``raw_ref`` names a file of the warehouse: its path relative to the root."""
    return path.relative_to(root).as_posix()


def discovery_cache(root: Path, source: str) -> Path:
    """Per source, the last copy of each feed or sitemap (read again on a 304)."""
    return root / RAW / f"source={validate_source_id(source)}" / "_discovery"


def _imports_dir(root: Path, source: str, input_id: str) -> Path:
    return root / RAW / f"source={validate_source_id(source)}" / "_imports" / input_id


def mark_imported(root: Path, source: str, input_id: str, date: dt.date) -> None:
    """Remember that ``date`` of archive input ``input_id`` is published."""
    folder = _imports_dir(root, source, input_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / date.isoformat()).touch()


def imported_dates(root: Path, source: str, input_id: str) -> set[str]:
    """Dates of archive input ``input_id`` already published (resuming an import)."""
    folder = _imports_dir(root, source, input_id)
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def http_state(root: Path, source: str) -> Path:
    """Where a source's conditional-GET validators (ETag, Last-Modified) persist."""
    return root / RAW / f"source={validate_source_id(source)}" / "http-validators.json"


def ingested_urls(root: Path, source: str) -> set[str]:
    """URLs (and canonical URLs) of every page of ``source`` already processed.

    Articles and pages rejected after they were fetched count; pages whose
    fetch failed do not, so they are tried again on the next run.
    """
    folder = f"source={validate_source_id(source)}"
    queries, params = [], []
    if _has_files(root, "articles", source):
        queries.append("SELECT unnest([url, canonical_url]) FROM read_parquet(?)")
        params.append((root / "articles" / folder / "*" / "*.parquet").as_posix())
    if _has_files(root, "rejects", source):
        queries.append("SELECT url FROM read_parquet(?) WHERE stage <> 'fetch'")
        params.append((root / "rejects" / folder / "*" / "*.parquet").as_posix())
    if not queries:
        return set()
    with duckdb.connect() as con:
        rows = con.execute(" UNION ".join(queries), params).fetchall()
    return {url for (url,) in rows if url}


def first_seen(root: Path, source: str, date: dt.date) -> dict[str, tuple[str, dt.datetime]]:
    """``article_id -> (content_hash, ingested_at)`` of the published partition, if any.

    A re-run keeps ``ingested_at`` for unchanged articles, so re-running a
    partition changes no row.
    """
    path = partition_dir(root, "articles", source, date) / PARTITION_FILE
    if not path.exists():
        return {}
    table = pq.read_table(path, columns=["article_id", "content_hash", "ingested_at"])
    return {
        row["article_id"]: (row["content_hash"], row["ingested_at"]) for row in table.to_pylist()
    }


def _view_sql(root: Path, table: str) -> str:
    pattern = (root / table / "*" / "*" / "*.parquet").as_posix().replace("'", "''")
    return (
        f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM read_parquet('{pattern}', "
        "hive_partitioning = true, hive_types = {'source': VARCHAR, 'date': DATE}, "
        "union_by_name = true)"
    )


def _empty_view_sql(table: str) -> str:
    """A view with ``table``'s columns and no rows, for a table with no files yet."""
    columns = ", ".join(
        f"NULL::{_DUCKDB_TYPES[str(field.type)]} AS {field.name}" for field in SCHEMAS[table]
    )
    return (
        f"CREATE OR REPLACE VIEW {table} AS SELECT {columns}, "
        "NULL::VARCHAR AS source, NULL::DATE AS date WHERE false"
    )


_DUCKDB_TYPES = {
    "string": "VARCHAR",
    "int32": "INTEGER",
    "int64": "BIGINT",
    "double": "DOUBLE",
    "date32[day]": "DATE",
    "binary": "BLOB",
    "timestamp[us, tz=UTC]": "TIMESTAMPTZ",
}


def open_views(root: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with every table as a view over the warehouse's files.

    What the pipeline's own checks read: the same data as the catalog shows,
    without touching the catalog file (no lock, whatever analysts hold open).
    """
    con = duckdb.connect()
    for table in SCHEMAS:
        con.execute(_view_sql(root, table) if _has_files(root, table) else _empty_view_sql(table))
    create_analyst_views(con)
    return con


def _has_files(root: Path, table: str, source: str | None = None) -> bool:
    folder = root / table / f"source={source}" if source else root / table
    return next(folder.glob("*/*.parquet" if source else "*/*/*.parquet"), None) is not None


def _fingerprint(sql: str) -> str:
    return "newsflow:" + hashlib.sha256(sql.encode()).hexdigest()[:16]


def _current_views(catalog: Path) -> dict[str, str]:
    """``view -> comment``: each view we create carries the fingerprint of its SQL."""
    if not catalog.exists():
        return {}
    with duckdb.connect(str(catalog), read_only=True) as con:
        rows = con.execute(
            "SELECT view_name, comment FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
    return {name: comment for name, comment in rows}


def ensure_catalog(root: Path, tables: Iterable[str] = SCHEMAS) -> bool:
    """Create the catalog views that are missing or stale; True if it is up to date.

    The write lock is taken only when a view must change (first run, new
    definitions, or the warehouse moved). If an analyst holds the catalog open
    then, the views wait for the next run; the data itself is already published.
    """
    catalog = root / CATALOG
    wanted = {t: _view_sql(root, t) for t in tables if _has_files(root, t)}
    if set(ANALYST_BASE) <= wanted.keys():
        wanted |= {
            name: f"CREATE OR REPLACE VIEW {name} AS {body}" for name, body in ANALYST_VIEWS.items()
        }
    try:
        current = _current_views(catalog)
        stale = {t: sql for t, sql in wanted.items() if current.get(t) != _fingerprint(sql)}
        if not stale:
            return True
        with duckdb.connect(str(catalog)) as con:
            for table, sql in stale.items():
                con.execute(sql)
                con.execute(f"COMMENT ON VIEW {table} IS '{_fingerprint(sql)}'")
    except duckdb.IOException as e:
        log.warning("catalog %s is locked by another process; views not refreshed: %s", catalog, e)
        return False
    log.info("catalog %s: refreshed views %s", catalog, sorted(stale))
    return True


def connect(root: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the catalog, as analysts open it."""
    return duckdb.connect(str(root / CATALOG), read_only=True)
