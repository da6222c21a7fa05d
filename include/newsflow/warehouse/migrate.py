"""``newsflow warehouse migrate``: an earlier generation-layout warehouse into the lake.

Before the lake, each table was a tree of Parquet files,
``<root>/<table>/source=<id>/date=<day>/<generation>.parquet``, and a pointer
``<root>/_partitions/source=<id>/date=<day>/current.json`` named each
partition's current generation of ``articles``, ``entities`` and ``rejects``
(a partition without one showed its ``data.parquet``); ``runs`` kept one file
per run and ``quality`` one ``data.parquet`` per partition.

Each partition moves in one transaction (its current generation only, every
``runs`` row), verified row for row before it commits: counts and an
order-free hash of every column, old rows against the lake's. Files written
by earlier versions lack later columns: those are NULL in the lake. Once every partition is
verified, the old trees move to ``<root>/_legacy/<time>/``. Running it again
finds nothing left to move; a run stopped halfway starts over and replaces
the partitions it had moved.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from newsflow.records import validate_source_id
from newsflow.warehouse.catalog import Lake
from newsflow.warehouse.commit import in_transaction, writer
from newsflow.warehouse.schema import REPLACED_TABLES, SCHEMAS

log = logging.getLogger(__name__)

LEGACY_TABLES = ("articles", "entities", "rejects", "runs", "quality")
POINTERS = "_partitions"
POINTER = "current.json"
LEGACY_CATALOG = "newsflow.duckdb"
LEGACY_FILE = "data.parquet"
LEGACY_DIR = "_legacy"


class MigrationMismatch(RuntimeError):
    """A partition's rows in the lake differ from the rows it had."""


@dataclass(frozen=True)
class MigrationReport:
    partitions: int
    rows: dict[str, int]
    moved_to: str | None


def _partitions(root: Path) -> list[tuple[str, dt.date]]:
    found = set()
    for table in LEGACY_TABLES:
        for folder in (root / table).glob("source=*/date=*"):
            if folder.is_dir() and any(folder.glob("*.parquet")):
                source = validate_source_id(folder.parent.name.removeprefix("source="))
                found.add((source, dt.date.fromisoformat(folder.name.removeprefix("date="))))
    return sorted(found)


def legacy_files(root: Path, table: str, source: str, date: dt.date) -> list[Path]:
    """The files that held the partition of ``table`` in the generation layout."""
    folder = root / table / f"source={source}" / f"date={date.isoformat()}"
    if table in REPLACED_TABLES:
        pointer = root / POINTERS / f"source={source}" / f"date={date.isoformat()}" / POINTER
        generation = (
            json.loads(pointer.read_text(encoding="utf-8"))["gen"]
            if pointer.exists()
            else LEGACY_FILE.removesuffix(".parquet")
        )
        path = folder / f"{generation}.parquet"
        return [path] if path.exists() else []
    return sorted(folder.glob("*.parquet"))


def _old_rows(table: str, files: list[Path]) -> pa.Table:
    """The files' rows in today's schema: a column an earlier version did not write is
    NULL, one it wrote and we dropped is left out (source and date come from the path)."""
    schema = SCHEMAS[table]
    parts = []
    for path in files:
        data = pq.ParquetFile(path).read()
        columns = [
            data.column(f.name).cast(f.type)
            if f.name in data.column_names
            else pa.nulls(len(data), f.type)
            for f in schema
        ]
        parts.append(pa.Table.from_arrays(columns, schema=schema))
    return pa.concat_tables(parts) if parts else schema.empty_table()


def _fingerprint(con: duckdb.DuckDBPyConnection, table: str, relation: str, params: dict) -> tuple:
    """Rows and an order-free hash of every column: equal sets of rows, equal results."""
    columns = ", ".join(SCHEMAS[table].names)
    return con.execute(
        f"SELECT count(*), coalesce(sum(hash(x)), 0) FROM (SELECT {columns} FROM {relation}) AS x",
        params,
    ).fetchone()


def _move_partition(
    con: duckdb.DuckDBPyConnection, root: Path, source: str, date: dt.date
) -> dict[str, int]:
    """One transaction: the partition replaced by its old rows, checked before the commit."""
    old = {t: _old_rows(t, legacy_files(root, t, source, date)) for t in LEGACY_TABLES}
    partition = {"source": source, "date": date}

    def move(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
        rows = {}
        for table, data in old.items():
            con.execute(f"DELETE FROM {table} WHERE source = $source AND date = $date", partition)
            con.register("old_rows", data)
            con.execute(
                f"INSERT INTO {table} BY NAME"
                " SELECT *, $source AS source, $date AS date FROM old_rows",
                partition,
            )
            moved = _fingerprint(
                con, table, f"{table} WHERE source = $source AND date = $date", partition
            )
            before = _fingerprint(con, table, "old_rows", {})
            con.unregister("old_rows")
            if moved != before:
                raise MigrationMismatch(
                    f"{table} {source}/{date}: {before} before, {moved} in the lake"
                )
            rows[table] = moved[0]
        return rows

    return in_transaction(con, move, what=f"migrate {source}/{date}")


def migrate(lake: Lake) -> MigrationReport:
    """Move every partition of the generation layout under ``lake.root`` into the lake."""
    root = lake.root
    partitions = _partitions(root)
    totals = dict.fromkeys(LEGACY_TABLES, 0)
    if not partitions:
        log.info("%s: no generation-layout partitions to migrate", root)
        return MigrationReport(partitions=0, rows=totals, moved_to=None)
    with writer(lake) as con:
        for source, date in partitions:
            for table, count in _move_partition(con, root, source, date).items():
                totals[table] += count
            log.info("migrated %s/%s", source, date)
    moved = root / LEGACY_DIR / dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%f")
    moved.mkdir(parents=True)
    for name in (*LEGACY_TABLES, POINTERS, LEGACY_CATALOG):
        if (root / name).exists():
            os.replace(root / name, moved / name)
    return MigrationReport(partitions=len(partitions), rows=totals, moved_to=str(moved))
