"""``newsflow warehouse migrate``: an earlier generation-layout warehouse into the lake.

Before the lake, each table was a tree of Parquet files,
``<root>/<table>/source=<id>/date=<day>/<generation>.parquet``, and a pointer
``<root>/_partitions/source=<id>/date=<day>/current.json`` named each
partition's current generation of ``articles``, ``entities`` and ``rejects``
(a partition without one showed its ``data.parquet``); ``runs`` kept one file
per run and ``quality`` one ``data.parquet`` per partition.

Each partition moves in one transaction (its current generation only, every
``runs`` row) and is then verified row for row: counts and an order-free hash
of every column, old files against the lake. Once every partition is
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

from newsflow.sources import validate_source_id
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


def _relation(files: list[Path]) -> str:
    paths = ", ".join("'" + str(p).replace("'", "''") + "'" for p in files)
    # source and date are the partition's, not the folder names'
    return f"read_parquet([{paths}], union_by_name = true, hive_partitioning = false)"


def _fingerprint(
    con: duckdb.DuckDBPyConnection, table: str, relation: str, where: str, params: dict
) -> tuple:
    """Rows and an order-free hash of every column: equal sets of rows, equal results."""
    columns = ", ".join(SCHEMAS[table].names)
    return con.execute(
        f"SELECT count(*), coalesce(sum(hash(x)), 0) FROM (SELECT {columns} FROM {relation}"
        f" {where}) AS x",
        params,
    ).fetchone()


def _move_partition(
    con: duckdb.DuckDBPyConnection, root: Path, source: str, date: dt.date
) -> dict[str, int]:
    files = {t: legacy_files(root, t, source, date) for t in LEGACY_TABLES}

    def move(con: duckdb.DuckDBPyConnection) -> None:
        params = {"source": source, "date": date}
        for table, paths in files.items():
            con.execute(f"DELETE FROM {table} WHERE source = $source AND date = $date", params)
            if paths:
                con.execute(
                    f"INSERT INTO {table} BY NAME"
                    f" SELECT *, $source AS source, $date AS date FROM {_relation(paths)}",
                    params,
                )

    in_transaction(con, move, what=f"migrate {source}/{date}")
    rows = {}
    partition = {"source": source, "date": date}
    for table, paths in files.items():
        lake = _fingerprint(con, table, table, "WHERE source = $source AND date = $date", partition)
        old = _fingerprint(con, table, _relation(paths), "", {}) if paths else (0, 0)
        if lake != old:
            raise MigrationMismatch(f"{table} {source}/{date}: {old} before, {lake} in the lake")
        rows[table] = lake[0]
    return rows


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
    moved = root / LEGACY_DIR / dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    moved.mkdir(parents=True)
    for name in (*LEGACY_TABLES, POINTERS, LEGACY_CATALOG):
        if (root / name).exists():
            os.replace(root / name, moved / name)
    return MigrationReport(partitions=len(partitions), rows=totals, moved_to=str(moved))
