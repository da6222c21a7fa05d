"""Storage: Parquet partitions per table, published atomically, under a DuckDB catalog.

Layout: ``<root>/<table>/source=<id>/date=<YYYY-MM-DD>/<file>.parquet``.
A run stages its files under ``<root>/_staging/``. The catalog
``newsflow.duckdb`` holds only views over ``read_parquet`` globs, so new
partitions appear without writing to it, and a run never needs its write
lock while analysts hold it open.

A partition is three tables (``articles``, ``entities``, ``rejects``) that
must change together: ``entities`` point into ``articles`` by id and offset.
Renaming one file per table would let a SIGKILL between two renames leave new
articles beside old entities. And DuckDB opens a Parquet file more than once
per query (schema at bind time, data at execution), so a file replaced in
place under a running query makes it fail ("Invalid data") or read a torn
mix. Hence *generations*: each publish writes new files with a fresh name,
``<gen>.parquet``, for every replaced table, and then commits them all with
one atomic rename of the partition's pointer::

    <root>/articles/source=<id>/date=<day>/g-<ns>-<hex>.parquet   (one per generation)
    <root>/_partitions/source=<id>/date=<day>/current.json        {"gen": "g-<ns>-<hex>"}

The views (catalog and :func:`open_views`) keep only the rows of each
partition's current generation (a partition without a pointer, written by
an earlier version, shows its ``data.parquet``). Files are never changed
after they are written, so a query that listed a generation a moment before
the switch still reads it whole. Superseded generations stay on disk
:data:`KEEP_SUPERSEDED_SECONDS` (an hour), then the next publish of the
source removes them, along with files a crashed run wrote but never
committed; a bare ``read_parquet`` over the folders sees them until then,
the views never do. Writers of one partition
take a ``flock`` in its ``_partitions`` folder; readers and the catalog never
lock anything.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from newsflow.sources import validate_source_id
from newsflow.views import analyst_view_statements, create_analyst_views

log = logging.getLogger(__name__)

CATALOG = "newsflow.duckdb"
STAGING = "_staging"
RAW = "raw"
RAW_FILE = "pages.warc.gz"
FAILURES_FILE = "failures.jsonl"
DISCOVERY_FILE = "discovery.warc.gz"
PARTITION_FILE = "data.parquet"
#: Generations of the replaced tables of each partition (see the module docstring).
GENERATIONS = "_partitions"
POINTER = "current.json"
#: The generation of a partition written before generations existed.
LEGACY_GENERATION = PARTITION_FILE.removesuffix(".parquet")
_LOCK_FILE = ".lock"
#: A pointer for no partition, so the views' pointer glob always matches a file.
_SENTINEL = Path("source=-", "date=1970-01-01", POINTER)
#: Superseded generations and uncommitted files younger than this are kept
#: (see :func:`_collect_garbage`).
KEEP_SUPERSEDED_SECONDS = 3600.0
#: Pause between writing a generation's files and committing it. A query lists
#: the files when it is planned and reads the pointer when it runs; one that
#: listed before the new files existed and reads the pointer after the switch
#: would find no file of the named generation and show the partition empty.
#: Waiting here makes that need a plan-to-run gap longer than this.
SETTLE_SECONDS = 0.2
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


def generations_dir(root: Path, source: str, date: dt.date) -> Path:
    """Where a partition's pointer and writers' lock live."""
    return root / GENERATIONS / f"source={validate_source_id(source)}" / f"date={date.isoformat()}"


@contextlib.contextmanager
def partition_lock(root: Path, source: str, date: dt.date) -> Iterator[Path]:
    """Serialise the writers of one partition (a ``flock``; readers never take it).

    Not re-entrant: a process holding it must not ask for it again.
    """
    folder = generations_dir(root, source, date)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / _LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield folder
    finally:
        os.close(fd)  # releases the lock


def current_generation(root: Path, source: str, date: dt.date) -> str:
    """The partition's committed generation (``data`` if it predates generations)."""
    pointer = generations_dir(root, source, date) / POINTER
    try:
        return json.loads(pointer.read_text(encoding="utf-8"))["gen"]
    except FileNotFoundError:
        return LEGACY_GENERATION


def partition_file(root: Path, table: str, source: str, date: dt.date) -> Path:
    """The file that holds a partition of ``table`` now (it may not exist).

    For a replaced table, the current generation's file; for the others
    (``quality``), the one file the partition folder has.
    """
    folder = partition_dir(root, table, source, date)
    if table not in REPLACED_TABLES:
        return folder / PARTITION_FILE
    return folder / f"{current_generation(root, source, date)}.parquet"


def _point_at(folder: Path, generation: str) -> None:
    """The commit: one atomic rename makes ``generation`` the partition."""
    temp = folder / f".{POINTER}.{uuid.uuid4().hex[:8]}"
    temp.write_text(json.dumps({"gen": generation}), encoding="utf-8")
    _fsync(temp)
    os.replace(temp, folder / POINTER)
    _fsync(folder)


def _swap_in(root: Path, source: str, date: dt.date, files: Mapping[str, Path]) -> None:
    """Commit a new generation: ``files`` renamed in, the other tables carried over.

    The caller holds the partition lock. Everything before the pointer's
    rename only adds files no view shows, so a crash at any point leaves
    the previous generation current and whole.
    """
    previous = current_generation(root, source, date)
    generation = f"g-{time.time_ns()}-{uuid.uuid4().hex[:8]}"
    for table in REPLACED_TABLES:
        folder = partition_dir(root, table, source, date)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{generation}.parquet"
        kept = folder / f"{previous}.parquet"
        # Only whole files ever appear under a name the views' glob matches.
        if table in files:
            os.replace(files[table], target)
        elif kept.exists():
            try:
                os.link(kept, target)  # same bytes, new name: no copy
            except OSError:
                _write_whole(target, lambda temp, kept=kept: shutil.copyfile(kept, temp))
        else:
            empty = SCHEMAS[table].empty_table()
            _write_whole(target, lambda temp, empty=empty: pq.write_table(empty, temp))
        _fsync(folder)
    time.sleep(SETTLE_SECONDS)
    _point_at(generations_dir(root, source, date), generation)
    _collect_garbage(root, source, date, keep={generation, previous})


def _write_whole(target: Path, write: Callable[[Path], object]) -> None:
    temp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    write(temp)
    _fsync(temp)
    os.replace(temp, target)


def _collect_garbage(root: Path, source: str, date: dt.date, *, keep: set[str]) -> None:
    """Remove superseded generations and uncommitted files, of every partition of ``source``.

    A query lists every file in the partition folders when it is planned and
    opens them while it runs, so removing a file can fail a query that listed
    it a moment before. Hence only files older than
    :data:`KEEP_SUPERSEDED_SECONDS` go, so each is removed once, long after
    the run that superseded it (``keep``: the generations of ``date`` just
    switched, kept whatever their age); every partition of the source is
    swept, so one published once and never again is cleaned up too.
    """
    cutoff = time.time() - KEEP_SUPERSEDED_SECONDS
    folders = [root / GENERATIONS / f"source={source}"]
    folders += [root / table / f"source={source}" for table in REPLACED_TABLES]
    for partition in (p for folder in folders if folder.is_dir() for p in folder.iterdir()):
        if not partition.is_dir() or not partition.name.startswith("date="):
            continue
        try:
            day = dt.date.fromisoformat(partition.name.removeprefix("date="))
        except ValueError:
            continue
        kept = keep if day == date else {current_generation(root, source, day)}
        for entry in partition.iterdir():
            if entry.name.removesuffix(".parquet") in kept or entry.name in (POINTER, _LOCK_FILE):
                continue
            try:
                if entry.is_file() and entry.lstat().st_mtime < cutoff:
                    entry.unlink()
            except FileNotFoundError:
                continue  # another writer collected it


def publish(staging: Path, root: Path, source: str, date: dt.date) -> None:
    """Put a staged partition in place: all its tables at once, one atomic rename."""
    files = {table: staging / f"{table}.parquet" for table in REPLACED_TABLES}
    with partition_lock(root, source, date):
        _swap_in(root, source, date, files)
    shutil.rmtree(staging, ignore_errors=True)


def read_partition(root: Path, table: str, source: str, date: dt.date) -> pa.Table | None:
    """A published partition of ``table``, or None if there is none."""
    path = partition_file(root, table, source, date)
    return pq.read_table(path) if path.exists() else None


def _as_table(table: str, data: pa.Table | list[Mapping]) -> pa.Table:
    return data if isinstance(data, pa.Table) else pa.Table.from_pylist(list(data), SCHEMAS[table])


def replace_partition(
    root: Path, table: str, source: str, date: dt.date, data: pa.Table | list[Mapping]
) -> None:
    """Write a whole partition of ``table`` atomically.

    A replaced table (``articles``, ``entities``, ``rejects``) gets a new
    generation with the other two carried over; other tables get a temp
    file renamed over the old one.
    """
    if table in REPLACED_TABLES:
        update_partition(root, table, source, date, lambda _old: data)
        return
    final = partition_dir(root, table, source, date) / PARTITION_FILE
    staged = final.with_name(f".{final.name}.tmp")
    staged.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(_as_table(table, data), staged)
    _fsync(staged)
    _replace(staged, final)


def update_partition(
    root: Path,
    table: str,
    source: str,
    date: dt.date,
    change: Callable[[pa.Table | None], pa.Table | list[Mapping] | None],
) -> bool:
    """Read, change and write back one replaced table of a partition, under its lock.

    ``change`` gets the current table (None if unpublished) and returns the
    new one, or the very table it got to leave the partition as it is (then
    nothing is written and the result is False). A publish of the same
    partition cannot slip in between the read and the write, so no writer's
    update is lost or mixed with another's.
    """
    if table not in REPLACED_TABLES:
        raise ValueError(f"{table!r} is not one of {REPLACED_TABLES}")
    with partition_lock(root, source, date) as folder:
        current = read_partition(root, table, source, date)
        changed = change(current)
        if changed is current:
            return False
        staged = folder / f".{table}-{uuid.uuid4().hex[:8]}.parquet.tmp"
        pq.write_table(_as_table(table, changed), staged)
        _fsync(staged)
        _swap_in(root, source, date, {table: staged})
    return True


def partitions_of_date(root: Path, table: str, date: dt.date) -> list[str]:
    """Sources that have a published ``table`` partition for ``date``."""
    folders = (root / table).glob(f"source=*/date={date.isoformat()}")
    sources = (folder.parent.name.removeprefix("source=") for folder in folders)
    return sorted(s for s in sources if partition_file(root, table, s, date).exists())


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
    validate_source_id(source)
    with open_views(root) as con:  # current generations only, not uncommitted files
        rows = con.execute(
            "SELECT unnest([url, canonical_url]) FROM articles WHERE source = $s "
            "UNION SELECT url FROM rejects WHERE source = $s AND stage <> 'fetch'",
            {"s": source},
        ).fetchall()
    return {url for (url,) in rows if url}


def first_seen(root: Path, source: str, date: dt.date) -> dict[str, tuple[str, dt.datetime]]:
    """``article_id -> (content_hash, ingested_at)`` of the published partition, if any.

    A re-run keeps ``ingested_at`` for unchanged articles, so re-running a
    partition changes no row.
    """
    path = partition_file(root, "articles", source, date)
    if not path.exists():
        return {}
    table = pq.read_table(path, columns=["article_id", "content_hash", "ingested_at"])
    return {
        row["article_id"]: (row["content_hash"], row["ingested_at"]) for row in table.to_pylist()
    }


def _quote(path: Path) -> str:
    return "'" + path.as_posix().replace("'", "''") + "'"


_HIVE = "hive_partitioning = true, hive_types = {'source': 'VARCHAR', 'date': 'DATE'}"


def _view_sql(root: Path, table: str) -> str:
    files = _quote(root / table / "*" / "*" / "*.parquet")
    if table not in REPLACED_TABLES:
        return (
            f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM read_parquet({files}, "
            f"{_HIVE}, union_by_name = true)"
        )
    # Only each partition's current generation; no pointer: the earlier layout's file.
    pointers = _quote(root / GENERATIONS / "*" / "*" / POINTER)
    return (
        f"CREATE OR REPLACE VIEW {table} AS SELECT t.* EXCLUDE (filename) "
        f"FROM read_parquet({files}, {_HIVE}, union_by_name = true, filename = true) AS t "
        f"LEFT JOIN read_json({pointers}, columns = {{'gen': 'VARCHAR'}}, {_HIVE}) AS p "
        "ON p.source = t.source AND p.date = t.date "
        f"WHERE parse_filename(t.filename, true) = coalesce(p.gen, '{LEGACY_GENERATION}')"
    )


def _ensure_sentinel(root: Path) -> None:
    """A pointer for no partition, so the views' pointer glob never matches nothing."""
    sentinel = root / GENERATIONS / _SENTINEL
    if not sentinel.exists():
        sentinel.parent.mkdir(parents=True, exist_ok=True)
        temp = sentinel.with_name(f".{POINTER}.{uuid.uuid4().hex[:8]}")
        temp.write_text(json.dumps({"gen": ""}), encoding="utf-8")
        os.replace(temp, sentinel)


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
    _ensure_sentinel(root)
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
    _ensure_sentinel(root)
    wanted = {t: _view_sql(root, t) for t in tables if _has_files(root, t)}
    if set(ANALYST_BASE) <= wanted.keys():
        wanted |= analyst_view_statements()
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
