from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from conftest import hold_catalog_open
from newsflow import store
from newsflow.sources import SourceConfigError

DAY = dt.date(2026, 11, 16)


def stage(root: Path, titles: list[str]) -> Path:
    staging = root / store.STAGING / "s" / "x"
    with store.PartitionWriter(staging) as writer:
        writer.write("articles", [{"article_id": t, "title": t} for t in titles])
    return staging


@pytest.mark.parametrize("source", ["../../etc", "a/b", "A"])
def test_partition_paths_cannot_escape_the_warehouse(tmp_path, source):
    with pytest.raises(SourceConfigError):
        store.partition_dir(tmp_path, "articles", source, DAY)


def test_publish_replaces_the_partition_and_removes_the_staging(tmp_path):
    store.publish(stage(tmp_path, ["old-1", "old-2"]), tmp_path, "s", DAY)
    staging = stage(tmp_path, ["new"])
    store.publish(staging, tmp_path, "s", DAY)

    # one file per generation; the superseded one stays a while for running queries
    current = store.partition_file(tmp_path, "articles", "s", DAY)
    assert len(list(current.parent.iterdir())) == 2
    assert pq.read_table(current).column("article_id").to_pylist() == ["new"]
    for table in ("entities", "rejects"):  # empty tables still get a file with the schema
        data = pq.read_table(store.partition_file(tmp_path, table, "s", DAY))
        assert data.num_rows == 0 and data.schema.equals(store.SCHEMAS[table])
        assert current.name == store.partition_file(tmp_path, table, "s", DAY).name
    with store.open_views(tmp_path) as con:
        assert con.execute("SELECT article_id FROM articles").fetchall() == [("new",)]
    assert not staging.exists()


def test_an_update_that_changes_nothing_writes_no_generation(tmp_path):
    store.publish(stage(tmp_path, ["a", "b"]), tmp_path, "s", DAY)
    before = store.current_generation(tmp_path, "s", DAY)

    assert not store.update_partition(tmp_path, "articles", "s", DAY, lambda table: table)
    assert store.current_generation(tmp_path, "s", DAY) == before

    def retitle(table):
        return [{**row, "title": row["title"].upper()} for row in table.to_pylist()]

    assert store.update_partition(tmp_path, "articles", "s", DAY, retitle)
    assert store.current_generation(tmp_path, "s", DAY) != before
    titles = store.read_partition(tmp_path, "articles", "s", DAY).column("title").to_pylist()
    assert titles == ["A", "B"]


def test_runs_is_a_log_with_one_file_per_run(tmp_path):
    for run_id in ("scheduled__2026-11-17T00:00:00+00:00", "manual/../../x"):
        store.append_run(tmp_path, "s", DAY, {"run_id": run_id, "pages_in": 1})
    files = sorted(p.name for p in store.partition_dir(tmp_path, "runs", "s", DAY).iterdir())
    assert files == ["manual_.._.._x.parquet", "scheduled__2026-11-17T00_00_00_00_00.parquet"]


def test_catalog_views_read_the_partitions_with_source_and_date(tmp_path):
    store.publish(stage(tmp_path, ["a", "b"]), tmp_path, "s", DAY)
    assert store.ensure_catalog(tmp_path)
    with store.connect(tmp_path) as con:
        rows = con.execute("SELECT source, date, count(*) FROM articles GROUP BY ALL").fetchall()
        assert rows == [("s", DAY, 2)]
        assert con.execute("SELECT count(*) FROM entities").fetchone() == (0,)


def test_an_up_to_date_catalog_needs_no_write_lock(tmp_path):
    store.publish(stage(tmp_path, ["a"]), tmp_path, "s", DAY)
    store.append_run(tmp_path, "s", DAY, {"run_id": "r1"})
    assert store.ensure_catalog(tmp_path)
    holder = hold_catalog_open(tmp_path / store.CATALOG)
    try:
        store.publish(stage(tmp_path, ["a", "b", "c"]), tmp_path, "s", DAY + dt.timedelta(1))
        assert store.ensure_catalog(tmp_path)  # no view changed: no lock taken, no error
    finally:
        holder.kill()
    with store.connect(tmp_path) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (4,)


def test_a_locked_stale_catalog_is_reported_not_raised(tmp_path):
    store.publish(stage(tmp_path, ["a"]), tmp_path, "s", DAY)
    duckdb.connect(str(tmp_path / store.CATALOG)).close()  # exists, but has no views yet
    holder = hold_catalog_open(tmp_path / store.CATALOG)
    try:
        started = time.monotonic()
        assert store.ensure_catalog(tmp_path) is False
        assert time.monotonic() - started < 10
    finally:
        holder.kill()
    assert store.ensure_catalog(tmp_path) is True


def test_first_seen_remembers_hash_and_ingestion_time(tmp_path):
    staging = tmp_path / store.STAGING / "s" / "y"
    at = dt.datetime(2026, 11, 16, 8, tzinfo=dt.UTC)
    with store.PartitionWriter(staging) as writer:
        writer.write("articles", [{"article_id": "a", "content_hash": "h", "ingested_at": at}])
    store.publish(staging, tmp_path, "s", DAY)
    assert store.first_seen(tmp_path, "s", DAY) == {"a": ("h", at)}
    assert store.first_seen(tmp_path, "s", DAY + dt.timedelta(1)) == {}
