"""Upkeep of the lake, as DuckLake's maintenance functions do it.

Every publish adds a few small Parquet files and a snapshot; every re-run of a
partition leaves the files it replaced on disk for time travel. Without
upkeep both grow for ever. :func:`maintain` (the ``news_warehouse_maintenance``
DAG, ``newsflow warehouse maintain``):

1. rewrites files whose rows are mostly deleted (a re-run's replaced rows,
   story clusters updated in place), then merges the small files of each
   source's month (a publish writes one per table and day) into one;
2. expires snapshots older than ``snapshot_days`` (time travel reaches that
   far back, no further);
3. deletes the files that no remaining snapshot references;
4. deletes orphans: files in the data path that no snapshot ever committed
   (a writer killed before its ``COMMIT``), once older than ``orphan_grace``
   so that a publish in flight keeps its files.

:func:`sweep_staging` removes what killed or failed runs left under
``_staging/``: each run of a partition sweeps its partition's, the maintenance
job every partition's.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from newsflow.warehouse import layout
from newsflow.warehouse.catalog import ALIAS, Lake
from newsflow.warehouse.commit import in_transaction, writer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MaintenanceReport:
    """What one round of upkeep did."""

    files_before: int
    files_after: int
    snapshots_expired: int
    files_deleted: int
    orphans_deleted: int

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def _data_files(con: duckdb.DuckDBPyConnection) -> int:
    """Data and delete files the current snapshot reads, over every table."""
    tables = [
        name
        for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [ALIAS]
        ).fetchall()
    ]
    return sum(
        con.execute(f"SELECT count(*) FROM ducklake_list_files('{ALIAS}', ?)", [t]).fetchone()[0]
        for t in tables
    )


def _expire_snapshots(con: duckdb.DuckDBPyConnection, cutoff: dt.datetime) -> list[int]:
    """Expire the snapshots taken before ``cutoff`` (never the newest); their ids.

    The snapshots are chosen here, by time, and handed to DuckLake by id:
    its own ``older_than`` compares the SQLite catalog's text timestamps
    (``2026-12-02 01:23:08+00``) with an ISO cut-off (``2026-12-02T01:23:06``),
    and as ``' ' < 'T'`` every snapshot of the cut-off's day would expire.
    """
    snapshots = f"ducklake_snapshots('{ALIAS}')"
    ids = [
        snapshot_id
        for (snapshot_id,) in con.execute(
            f"SELECT snapshot_id FROM {snapshots} WHERE snapshot_time < ?"
            f" AND snapshot_id < (SELECT max(snapshot_id) FROM {snapshots}) ORDER BY 1",
            [cutoff],
        ).fetchall()
    ]
    if ids:
        con.execute(f"CALL ducklake_expire_snapshots('{ALIAS}', versions => ?)", [ids])
    return ids


def _delete_orphans(
    con: duckdb.DuckDBPyConnection, lake: Lake, *, older_than: dt.datetime
) -> list[Path]:
    """Delete the orphaned files of the lake's own data path, and only those.

    DuckLake lists orphans by globbing its data path, so a warehouse named
    ``w?`` or ``wh[1]`` would match its siblings (and delete their data):
    the call only lists (``dry_run``), and a listed file is deleted only if
    it lies under the literal data path.
    """
    listed = con.execute(
        f"CALL ducklake_delete_orphaned_files('{ALIAS}', dry_run => true, older_than => ?)",
        [older_than],
    ).fetchall()
    root = lake.data_path.resolve()
    orphans = [Path(path) for (path,) in listed if Path(path).resolve().is_relative_to(root)]
    for orphan in orphans:
        orphan.unlink(missing_ok=True)
    if skipped := len(listed) - len(orphans):
        log.warning("maintenance: left %d files outside %s that DuckLake listed", skipped, root)
    return orphans


def maintain(
    lake: Lake, *, snapshot_days: float, orphan_grace: dt.timedelta = dt.timedelta(hours=1)
) -> MaintenanceReport:
    """Compact, expire, clean up; see the module docstring."""
    now = dt.datetime.now(dt.UTC)
    with writer(lake) as con:
        before = _data_files(con)
        for step in ("rewrite_data_files", "merge_adjacent_files"):
            in_transaction(
                con,
                lambda c, step=step: c.execute(f"CALL ducklake_{step}('{ALIAS}')"),
                what=step.replace("_", " "),
            )
        cutoff = now - dt.timedelta(days=snapshot_days)
        expired = in_transaction(
            con, lambda c: _expire_snapshots(c, cutoff), what="expire snapshots"
        )
        deleted = con.execute(
            f"CALL ducklake_cleanup_old_files('{ALIAS}', cleanup_all => true)"
        ).fetchall()
        orphans = _delete_orphans(con, lake, older_than=now - orphan_grace)
        report = MaintenanceReport(
            files_before=before,
            files_after=_data_files(con),
            snapshots_expired=len(expired),
            files_deleted=len(deleted),
            orphans_deleted=len(orphans),
        )
    log.info("warehouse maintenance: %s", report)
    return report


def _last_touched(folder: Path) -> float | None:
    """The newest modification time in ``folder``'s tree; None if it vanished meanwhile."""
    try:
        return max(p.stat().st_mtime for p in (folder, *folder.rglob("*")))
    except FileNotFoundError:
        return None


def sweep_staging(
    root: Path,
    *,
    older_than: dt.timedelta,
    source: str | None = None,
    date: dt.date | None = None,
) -> list[Path]:
    """Remove the staging folders of runs (one partition's, or all) untouched for ``older_than``.

    A run stages under ``_staging/source=/date=/<run>/`` and its publish
    removes the folder; a run killed or failed for good leaves it for ever.
    Which folder is whose is not recorded anywhere a sweeper could ask, so
    age decides: each step of a run writes into its folder or touches it when
    it starts, and no step outlasts the tasks' ``execution_timeout`` (two
    hours), so a folder untouched for longer than that plus the longest wait
    between two tasks of a run (``NEWSFLOW_STAGING_HOURS``) belongs to a
    run that will not come back. The newest time in the folder's tree counts,
    since the files, not the folder, change while a step writes. A folder
    that cannot be removed is logged and left for the next sweep.
    """
    cutoff = time.time() - older_than.total_seconds()
    removed = []
    for folder in layout.staging_runs(root, source, date):
        touched = _last_touched(folder)
        if touched is None or touched >= cutoff:
            continue
        try:
            shutil.rmtree(folder)
        except FileNotFoundError:
            continue  # another sweeper was first
        except OSError as e:
            log.warning("stale staging folder %s not removed: %s", folder, e)
            continue
        removed.append(folder)
    if removed:
        log.info("removed %d stale staging folders: %s", len(removed), removed)
    return removed
