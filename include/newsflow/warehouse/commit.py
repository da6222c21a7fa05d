"""Changes to the lake: one DuckLake transaction each, retried on conflicts.

A partition publish is one transaction: its ``articles``, ``entities`` and
``rejects`` deleted and inserted again, its ``runs`` row appended, the
snapshot's commit message naming the run. Readers see the snapshot before or
the snapshot after, never a mix; a crash before ``COMMIT`` leaves the
previous snapshot as it was (the files it wrote are orphans that maintenance
removes).

Concurrent writers (mapped tasks, Celery workers, a backfill beside the daily
run) meet two kinds of failure that say "try again", not "you are wrong":
SQLite's "database is locked" and DuckLake's commit conflicts. Both are
retried with jittered backoff until :data:`RETRY_SECONDS` have passed. Two
writers of the *same* partition are serialised by the catalog's partition
lock, because two first publishes of one partition delete nothing, so
DuckLake sees no conflict between them and both would insert.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import itertools
import json
import logging
import os
import random
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from newsflow.records import Run
from newsflow.warehouse.catalog import ALIAS, Lake, glob_literal, is_conflict
from newsflow.warehouse.schema import (
    FILE_PARTITIONING,
    REPLACED_TABLES,
    SCHEMAS,
    add_column_sql,
    as_table,
    create_table_sql,
    partition_sql,
)
from newsflow.warehouse.views import create_views, stale_views

log = logging.getLogger(__name__)

T = TypeVar("T")

#: How long a change keeps retrying conflicts before it gives up.
RETRY_SECONDS = 600.0
_FIRST_BACKOFF = 0.05
_MAX_BACKOFF = 2.0


def in_transaction(
    con: duckdb.DuckDBPyConnection,
    change: Callable[[duckdb.DuckDBPyConnection], T],
    *,
    what: str,
    retry_seconds: float = RETRY_SECONDS,
) -> T:
    """Run ``change`` in one transaction; on a conflict, roll back and run it again."""
    deadline = time.monotonic() + retry_seconds
    backoff = _FIRST_BACKOFF
    for attempt in itertools.count(1):
        try:
            con.execute("BEGIN TRANSACTION")
            result = change(con)
            con.execute("COMMIT")
            return result
        except duckdb.Error as e:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            if not is_conflict(e) or time.monotonic() > deadline:
                raise
            log.info("%s: conflict with another writer (try %d), retrying: %s", what, attempt, e)
            time.sleep(backoff * (0.5 + random.random()))
            backoff = min(backoff * 2, _MAX_BACKOFF)
    raise AssertionError("unreachable")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables (partitioned), columns and analyst views the lake lacks.

    A lake written by an earlier version gains the columns added since: one
    ``ALTER TABLE ... ADD COLUMN`` each, in one transaction; its old rows read
    them as NULL, as DuckLake's schema evolution promises.
    """
    existing = {
        name
        for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [ALIAS]
        ).fetchall()
    }
    missing = [table for table in SCHEMAS if table not in existing]
    if missing:

        def create(con: duckdb.DuckDBPyConnection) -> None:
            for table in missing:
                con.execute(create_table_sql(table))
                con.execute(partition_sql(table))
            # Every row in Parquet files, none inlined into the catalog database.
            con.execute(f"CALL {ALIAS}.set_option('data_inlining_row_limit', 0)")

        in_transaction(con, create, what=f"create tables {missing}")
    if added := _missing_columns(con):

        def add_columns(con: duckdb.DuckDBPyConnection) -> None:
            for table, column in added:
                con.execute(add_column_sql(table, column))

        in_transaction(con, add_columns, what=f"add columns {added}")
    if relayout := _stale_partitioning(con):
        # a lake written with an earlier layout: new files follow the current one
        def repartition(con: duckdb.DuckDBPyConnection) -> None:
            for table in relayout:
                con.execute(partition_sql(table))

        in_transaction(con, repartition, what=f"partitioning of {relayout}")
    if stale := stale_views(con):
        in_transaction(con, lambda con: create_views(con, stale), what=f"views {sorted(stale)}")


def _missing_columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """``(table, column)`` of every schema column the lake's tables lack."""
    present = set(
        con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = ?",
            [ALIAS],
        ).fetchall()
    )
    return [
        (table, name)
        for table, schema in SCHEMAS.items()
        for name in schema.names
        if (table, name) not in present
    ]


def _stale_partitioning(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables whose partitioning is not their :data:`FILE_PARTITIONING`."""
    meta = f"__ducklake_metadata_{ALIAS}"
    keys = dict(
        con.execute(
            f"""
            SELECT t.table_name,
                   list(CASE pc.transform WHEN 'identity' THEN c.column_name
                        ELSE pc.transform || '(' || c.column_name || ')' END
                        ORDER BY pc.partition_key_index)
            FROM {meta}.ducklake_partition_info AS pi
            JOIN {meta}.ducklake_partition_column AS pc USING (partition_id, table_id)
            JOIN {meta}.ducklake_table AS t
              ON t.table_id = pi.table_id AND t.end_snapshot IS NULL
            JOIN {meta}.ducklake_column AS c
              ON c.table_id = pc.table_id AND c.column_id = pc.column_id
             AND c.end_snapshot IS NULL
            WHERE pi.end_snapshot IS NULL
            GROUP BY t.table_name
            """
        ).fetchall()
    )
    return [table for table in SCHEMAS if tuple(keys.get(table, ())) != FILE_PARTITIONING[table]]


@contextlib.contextmanager
def writer(lake: Lake) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection that may change the lake, its tables and views in place.

    Loading the extensions and attaching the lake costs a few tenths of a
    second, so each process attaches a lake once and hands out cursors of that
    database (each its own connection: its own transactions), attaching afresh
    every :data:`_USES_PER_ATTACH` uses and in a forked child. Each attach first
    makes sure the tables and views exist.
    """
    key = (os.getpid(), lake)
    con, uses = _ATTACHED.pop(key, (None, 0))
    if con is not None and uses >= _USES_PER_ATTACH:
        con.close()
        con = None
    if con is None:
        lake.root.mkdir(parents=True, exist_ok=True)
        con, uses = lake.connect(read_only=False), 0
        ensure_schema(con)
        lake.write_attach_file()
    _ATTACHED[key] = (con, uses + 1)
    cursor = con.cursor()
    try:
        cursor.execute(f"USE {ALIAS}")
        yield cursor
    finally:
        cursor.close()


#: ``(pid, lake) -> (connection, uses)``: the lakes this process has attached for writing.
_ATTACHED: dict[tuple[int, Lake], tuple[duckdb.DuckDBPyConnection, int]] = {}
#: An attachment keeps DuckLake metadata of the snapshots it saw (one process that
#: published 1,500 partitions held 744 MB): attach afresh after this many uses.
_USES_PER_ATTACH = 25


class PartitionWriter:
    """Streams one partition's records into staged Parquet files, batch by batch.

    Staging keeps a run's memory bounded by a batch, whatever the partition's
    size; the publish then commits the files in one transaction. Each table
    (by default those a publish replaces) gets ``<table>.parquet`` under
    ``staging``; every file is finished, with the schema, even if no row came
    (an empty partition).
    """

    def __init__(self, staging: Path, tables: Sequence[str] = REPLACED_TABLES) -> None:
        staging.mkdir(parents=True, exist_ok=True)
        self.staging = staging
        self._writers = {
            table: pq.ParquetWriter(staged_file(staging, table), SCHEMAS[table]) for table in tables
        }

    def write(self, table: str, rows: Sequence[object] | pa.Table) -> None:
        if len(rows):
            self._writers[table].write_table(as_table(table, rows))

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()

    def __enter__(self) -> PartitionWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def staged_file(staging: Path, table: str) -> Path:
    """Where a staging folder keeps ``table``'s rows."""
    return staging / f"{table}.parquet"


def _replace_rows(
    con: duckdb.DuckDBPyConnection, relations: Mapping[str, str], source: str, date: dt.date
) -> None:
    """Replace the partition of each table in ``relations`` with that relation's rows.

    Only the tables that hold rows of the partition get a ``DELETE``: a
    DuckLake delete reads the catalog's file list twice even when it deletes
    nothing, and the read costs in proportion to the whole catalog (see
    ``schema``). One probe of all the tables reads it once each, so a
    partition's first publish, the daily case, only inserts. The caller holds
    the partition lock, so what the probe saw holds until the commit.
    """
    where = {"source": source, "date": date}
    probe = " UNION ALL ".join(
        f"SELECT '{table}' FROM (SELECT 1 FROM {table}"
        " WHERE source = $source AND date = $date LIMIT 1)"
        for table in relations
    )
    present = {table for (table,) in con.execute(probe, where).fetchall()}
    for table, relation in relations.items():
        if table in present:
            con.execute(f"DELETE FROM {table} WHERE source = $source AND date = $date", where)
        _insert_rows(con, table, source, date, relation)


def _insert_rows(
    con: duckdb.DuckDBPyConnection, table: str, source: str, date: dt.date, relation: str
) -> None:
    con.execute(
        f"INSERT INTO {table} BY NAME SELECT *, $source AS source, $date AS date FROM {relation}",
        {"source": source, "date": date},
    )


def _commit_message(con: duckdb.DuckDBPyConnection, message: str, **extra: object) -> None:
    con.execute(
        f"CALL {ALIAS}.set_commit_message('newsflow', ?, extra_info => ?)",
        [message, json.dumps(extra, default=str, sort_keys=True)],
    )


def _parquet(path: Path) -> str:
    # the staging folder's name says source=/date=; the partition comes from the caller
    literal = glob_literal(path).replace("'", "''")
    return f"read_parquet('{literal}', hive_partitioning = false)"


def publish_partition(lake: Lake, staging: Path, source: str, date: dt.date, run: Run) -> int:
    """Commit a staged partition and its ``runs`` row in one transaction; its snapshot id.

    The row's ``seconds_publish`` is the time from this call to the row's own
    insert (the wait for the partition lock, the data's deletes and inserts) and
    its ``finished_at`` that moment, under the lock: of two runs of a partition,
    the one that committed last has the later ``finished_at`` (``latest_runs``).
    """
    started = time.perf_counter()

    def publish(con: duckdb.DuckDBPyConnection) -> None:
        staged = {table: _parquet(staged_file(staging, table)) for table in REPLACED_TABLES}
        _replace_rows(con, staged, source, date)
        finished = dataclasses.replace(
            run,
            seconds_publish=round(time.perf_counter() - started, 3),
            finished_at=dt.datetime.now(dt.UTC),
        )
        con.register("run_row", as_table("runs", [finished]))
        _insert_rows(con, "runs", source, date, "run_row")
        _commit_message(
            con, f"publish {source}/{date}", run_id=run.run_id, source=source, date=date
        )

    with lake.catalog.partition_lock(lake.root, source, date), writer(lake) as con:
        in_transaction(con, publish, what=f"publish {source}/{date}")
        snapshot = _last_snapshot(con)
    shutil.rmtree(staging, ignore_errors=True)
    return snapshot


def _last_snapshot(con: duckdb.DuckDBPyConnection) -> int:
    """The snapshot this connection's last commit created."""
    return con.execute(f"SELECT id FROM {ALIAS}.last_committed_snapshot()").fetchone()[0]


def replace_partition(
    lake: Lake, table: str, source: str, date: dt.date, rows: pa.Table | Sequence[object]
) -> None:
    """Replace one partition of ``table`` with ``rows`` (``quality``, a migration)."""
    data = as_table(table, rows)

    def replace(con: duckdb.DuckDBPyConnection) -> None:
        con.register("incoming", data)
        _replace_rows(con, {table: "incoming"}, source, date)
        _commit_message(con, f"replace {table} {source}/{date}", source=source, date=date)

    with lake.catalog.partition_lock(lake.root, source, date), writer(lake) as con:
        in_transaction(con, replace, what=f"replace {table} {source}/{date}")


def set_clusters(lake: Lake, date: dt.date, clusters: pa.Table) -> int:
    """Write the date's story clusters (``article_id``, ``cluster_id``, ``duplicate_of``).

    Only rows whose clusters differ are updated, so an identical re-run changes
    nothing; returns how many rows changed. A publish of the date committed
    meanwhile conflicts with the update, which then runs again on its rows.
    """

    def update(con: duckdb.DuckDBPyConnection) -> int:
        con.register("clusters", clusters)
        (changed,) = con.execute(
            "UPDATE articles AS a SET cluster_id = c.cluster_id, duplicate_of = c.duplicate_of "
            "FROM clusters AS c WHERE a.date = $date AND a.article_id = c.article_id "
            "AND (a.cluster_id IS DISTINCT FROM c.cluster_id "
            "OR a.duplicate_of IS DISTINCT FROM c.duplicate_of)",
            {"date": date},
        ).fetchone()
        _commit_message(con, f"clusters {date}", date=date, changed=changed)
        return changed

    with writer(lake) as con:
        return in_transaction(con, update, what=f"clusters {date}")


#: The columns :func:`set_entity_names` writes; the rows are keyed by partition,
#: article and offset.
SETTLED_COLUMNS = (
    "canonical",
    "label",
    "ner_canonical",
    "ner_label",
    "geonames_id",
    "country_code",
    "lat",
    "lon",
)


def set_entity_names(lake: Lake, settled: pa.Table) -> int:
    """Write entity rows' corpus names, labels and places (``newsflow.nlp.corpus``).

    ``settled`` has ``source``, ``date``, ``article_id``, ``start_char`` and
    :data:`SETTLED_COLUMNS`; only rows that differ are updated, in one
    transaction, so an identical re-run changes nothing. Returns how many rows
    changed. A publish committed meanwhile conflicts and the update runs again.
    """
    assignments = ", ".join(f"{c} = s.{c}" for c in SETTLED_COLUMNS)
    differs = " OR ".join(f"e.{c} IS DISTINCT FROM s.{c}" for c in SETTLED_COLUMNS)

    def update(con: duckdb.DuckDBPyConnection) -> int:
        con.register("settled", settled)
        (changed,) = con.execute(
            f"UPDATE entities AS e SET {assignments} FROM settled AS s "
            "WHERE e.source = s.source AND e.date = s.date AND e.article_id = s.article_id "
            f"AND e.start_char = s.start_char AND ({differs})"
        ).fetchone()
        _commit_message(con, "entity names", changed=changed)
        return changed

    with writer(lake) as con:
        return in_transaction(con, update, what="entity names")
