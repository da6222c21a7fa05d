"""Upkeep: the lake's files stay few however often partitions are re-run, and
what a killed writer left behind goes, without changing a row.

Every publish writes new Parquet files and keeps the replaced ones for time
travel; a writer killed before ``COMMIT`` leaves files no snapshot names.
``maintain`` (the ``news_warehouse_maintenance`` DAG, ``newsflow warehouse
maintain``) compacts, expires snapshots and deletes both kinds.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from newsflow import cli
from newsflow.config import Settings
from newsflow.warehouse import commit, layout
from newsflow.warehouse.catalog import Lake
from newsflow.warehouse.maintenance import maintain
from support import tiny_warehouse as records
from support.paths import TESTS
from support.publisher import referenced_files

DAY = dt.date(2026, 11, 16)
RERUNS = 100
#: Parquet files a lake of two small partitions may keep after maintenance:
#: about one per table and partition. 100 re-runs leave hundreds without it.
FILE_BOUND = 12
TABLES = ("articles", "entities", "rejects", "runs", "quality")


@pytest.fixture
def lake(warehouse: Path) -> Lake:
    return Settings.from_env().lake()


def publish(lake: Lake, run: int, *, day: dt.date = DAY, articles: int = 3) -> int:
    """Publish one small version of the partition, as a re-run does."""
    ids = [f"r{run}-{k}" for k in range(articles)]
    staging = layout.staging_dir(lake.root, "s", day, f"run-{run}")
    with commit.PartitionWriter(staging) as writer:
        writer.write("articles", [records.article(a, title=f"run {run}") for a in ids])
        writer.write("entities", [records.entity(a) for a in ids for _ in range(3)])
        writer.write("rejects", [records.reject(f"r{run}.html")])
    return commit.publish_partition(lake, staging, "s", day, records.run(f"run-{run}"))


def cluster(lake: Lake, run: int) -> None:
    """What ``cluster_stories`` does after a publish: update the articles in place."""
    ids = [f"r{run}-{k}" for k in range(3)]
    clusters = pa.table(
        {
            "article_id": pa.array(ids, pa.string()),
            "cluster_id": pa.array([ids[0]] * 3, pa.string()),
            "duplicate_of": pa.array([None, ids[0], ids[0]], pa.string()),
        }
    )
    assert commit.set_clusters(lake, DAY, clusters) == 3


def parquet_files(lake: Lake) -> set[Path]:
    """Every Parquet file on disk under the lake's data path (data and deletes)."""
    return set(lake.data_path.rglob("*.parquet"))


def contents(lake: Lake, at: int | None = None) -> dict[str, list[tuple]]:
    """Every table's rows, now or as of snapshot ``at``."""
    with lake.connect(read_only=True, at=None if at is None else str(at)) as con:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


def test_rerunning_a_partition_100_times_leaves_a_bounded_number_of_files(lake):
    first = publish(lake, 0, day=DAY - dt.timedelta(1))  # a neighbour, published once
    for run in range(1, RERUNS + 1):
        publish(lake, run)
        if run % 10 == 0:
            cluster(lake, run)
    before = contents(lake)
    files_before = len(parquet_files(lake))
    assert files_before > 10 * FILE_BOUND  # without maintenance the bound fails by far

    report = maintain(lake, snapshot_days=0, orphan_grace=dt.timedelta(0))

    files_after = len(parquet_files(lake))
    print(f"{RERUNS} re-runs: {files_before} Parquet files on disk, {files_after} after "
          f"maintenance ({report})")  # fmt: skip
    assert files_after <= FILE_BOUND
    assert parquet_files(lake) == referenced_files(lake)  # nothing unreferenced left
    assert contents(lake) == before
    assert len(before["runs"]) == RERUNS + 1
    assert report.files_after <= report.files_before
    with pytest.raises(duckdb.Error, match="snapshot"):  # expired: time travel ends there
        lake.connect(read_only=True, at=str(first)).close()
    # the lake takes the next publish as before
    publish(lake, RERUNS + 1)
    with lake.connect(read_only=True) as con:
        ids = con.execute("SELECT article_id FROM articles WHERE date = ? ORDER BY 1", [DAY])
        assert ids.fetchall() == [(f"r{RERUNS + 1}-{k}",) for k in range(3)]


def data_files(lake: Lake, table: str) -> list[str]:
    with lake.connect(read_only=True) as con:
        rows = con.execute("SELECT data_file FROM ducklake_list_files('newsflow', ?)", [table])
        return [path for (path,) in rows.fetchall()]


def test_a_months_partitions_merge_into_one_file_per_table(lake):
    """Files, and with them every query's catalog read, grow with months, not partitions."""
    november = [DAY.replace(day=d) for d in (2, 9, 16, 23, 30)]
    for run, day in enumerate(november):
        publish(lake, run, day=day)
    publish(lake, 99, day=dt.date(2026, 12, 1))
    assert len(data_files(lake, "articles")) == 6

    maintain(lake, snapshot_days=0, orphan_grace=dt.timedelta(0))

    for table in ("articles", "entities", "rejects"):
        files = data_files(lake, table)
        assert len(files) == 2, (table, files)
        assert {Path(f).parent.name for f in files} == {"month=11", "month=12"}
    (runs,) = data_files(lake, "runs")  # one row per publish: one file a year
    assert Path(runs).parent.name == "year=2026"
    with lake.connect(read_only=True) as con:
        one_day = con.execute(
            "SELECT DISTINCT title FROM articles WHERE source = 's' AND date = ?", [november[2]]
        ).fetchall()
    assert one_day == [("run 2",)]


def test_a_lake_laid_out_otherwise_takes_the_current_layout_on_attach(lake):
    publish(lake, 0)
    with commit.writer(lake) as con:
        con.execute("ALTER TABLE runs SET PARTITIONED BY (source, date)")
        assert commit._stale_partitioning(con) == ["runs"]
        commit.ensure_schema(con)
        assert commit._stale_partitioning(con) == []
    publish(lake, 1, day=DAY + dt.timedelta(1))
    assert any(Path(path).parent.name == "year=2026" for path in data_files(lake, "runs"))


def test_snapshots_after_the_cutoff_stay_for_time_travel_those_before_it_go(lake):
    before_cutoff = [publish(lake, run) for run in range(2)]
    time.sleep(1.0)
    cutoff = time.time()
    time.sleep(0.1)
    after_cutoff = [publish(lake, run) for run in range(2, 4)]
    as_of = {snapshot: contents(lake, at=snapshot) for snapshot in after_cutoff}

    report = maintain(lake, snapshot_days=(time.time() - cutoff) / 86400)

    assert report.snapshots_expired >= len(before_cutoff)
    for snapshot in before_cutoff:
        with pytest.raises(duckdb.Error, match="snapshot"):
            lake.connect(read_only=True, at=str(snapshot)).close()
    for snapshot, rows in as_of.items():  # seconds newer than the cut-off, the same day
        assert contents(lake, at=snapshot) == rows


#: A writer that publishes a large staged partition (it takes a while to insert).
BIG_PUBLISH = r"""
import datetime as dt, sys
from pathlib import Path
from newsflow.config import Settings
from newsflow.warehouse import commit
from support.tiny_warehouse import run
lake = Settings.from_env().lake()
print("go", flush=True)
commit.publish_partition(lake, Path(sys.argv[1]), "s", dt.date.fromisoformat(sys.argv[2]),
                         run("big"))
"""


def stage_big(lake: Lake) -> Path:
    staging = layout.staging_dir(lake.root, "s", DAY, "big")
    with commit.PartitionWriter(staging) as writer:
        for batch in range(4):
            ids = [f"big-{batch}-{k}" for k in range(5_000)]
            writer.write("articles", [records.article(a, text=f"{a} " * 40) for a in ids])
            writer.write(
                "entities", [records.entity(a, text=f"{a}/{i}") for a in ids for i in range(10)]
            )
    return staging


def kill_writer_mid_publish(lake: Lake, staging: Path) -> set[Path]:
    """Start the big publish in a process, SIGKILL it once it has written files
    into the data path but before it commits; the files it left."""
    before = parquet_files(lake)
    writer = subprocess.Popen(
        [sys.executable, "-c", BIG_PUBLISH, str(staging), DAY.isoformat()],
        env={**os.environ, "PYTHONPATH": str(TESTS)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout.readline().strip() == "go"
    deadline = time.monotonic() + 120
    while not parquet_files(lake) - before:
        assert writer.poll() is None, "the writer ended before it wrote a file"
        assert time.monotonic() < deadline, "the writer never wrote a file"
        time.sleep(0.002)
    os.kill(writer.pid, signal.SIGKILL)
    assert writer.wait(timeout=30) == -signal.SIGKILL
    return parquet_files(lake) - before


def test_orphans_of_a_killed_writer_are_removed_and_nothing_else(lake):
    first = publish(lake, 1)
    publish(lake, 2)
    before, then = contents(lake), contents(lake, first)
    orphans = kill_writer_mid_publish(lake, stage_big(lake))
    assert orphans
    assert contents(lake) == before  # never committed: invisible

    young = maintain(lake, snapshot_days=30)  # default grace: a publish in flight is spared
    assert young.orphans_deleted == 0 and orphans <= parquet_files(lake)

    report = maintain(lake, snapshot_days=30, orphan_grace=dt.timedelta(0))
    print(f"{len(orphans)} files of a killed writer; maintenance: {report}")
    assert report.orphans_deleted >= len(orphans)
    assert not orphans & parquet_files(lake)
    assert contents(lake) == before
    assert contents(lake, first) == then  # kept snapshots still read as they were


def test_newsflow_warehouse_maintain_reports_what_it_did(lake, monkeypatch, capsys):
    for run in range(5):
        publish(lake, run)
    before = contents(lake)
    monkeypatch.setenv("NEWSFLOW_SNAPSHOT_DAYS", "0")
    assert cli.main(["warehouse", "maintain"]) == 0
    report, index = capsys.readouterr().out.splitlines()
    figures = dict(item.split("=") for item in report.split())
    assert int(figures["snapshots_expired"]) > 0
    assert int(figures["files_after"]) < int(figures["files_before"])
    assert contents(lake) == before
    assert index.startswith(f"search index: {len(before['articles'])} articles of snapshot ")
    assert lake.search_path.exists()
