"""The lake's guarantees, one by one, on a real DuckLake with a SQLite catalog.

A publish replaces its partition whole, in one transaction with its ``runs``
row, and returns the snapshot it made; ``run_snapshots`` maps runs to
snapshots and time travel (``Lake.connect(at=...)``, ``newsflow query --at``)
reads any kept snapshot. Extensions come from the installed wheels, never the
network, and a missing one is a one-line error naming its ``pip install``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import duckdb
import pytest

from newsflow import cli
from newsflow.acquire.registry import SourceConfigError
from newsflow.config import Settings
from newsflow.warehouse import commit, layout, queries
from newsflow.warehouse.catalog import ExtensionMissing, Lake, SqliteCatalog
from support import tiny_warehouse as records

DAY = dt.date(2026, 11, 16)


@pytest.fixture
def lake(warehouse: Path) -> Lake:
    """The lake ``NEWSFLOW_WAREHOUSE`` names, as the pipeline and the CLI open it."""
    return Settings.from_env().lake()


def stage(lake: Lake, ids: list[str], *, source: str = "s", day: dt.date = DAY) -> Path:
    """Staged files of a partition: one article, one entity and one reject per id."""
    staging = layout.staging_dir(lake.root, source, day, f"run-{ids[0] if ids else 'empty'}")
    with commit.PartitionWriter(staging) as writer:
        writer.write("articles", [records.article(a, title=f"title {a}") for a in ids])
        writer.write("entities", [records.entity(a) for a in ids])
        writer.write("rejects", [records.reject(f"{a}.html") for a in ids])
    return staging


def publish(
    lake: Lake, ids: list[str], run_id: str, *, source: str = "s", day: dt.date = DAY, **row
) -> int:
    staging = stage(lake, ids, source=source, day=day)
    return commit.publish_partition(lake, staging, source, day, records.run(run_id, **row))


def partition(con: duckdb.DuckDBPyConnection, source: str = "s", day: dt.date = DAY) -> dict:
    """The rows of one partition, table by table."""
    where = "WHERE source = ? AND date = ?"
    return {
        "articles": con.execute(
            f"SELECT article_id FROM articles {where} ORDER BY ALL", [source, day]
        ).fetchall(),
        "entities": con.execute(
            f"SELECT article_id FROM entities {where} ORDER BY ALL", [source, day]
        ).fetchall(),
        "rejects": con.execute(
            f"SELECT raw_ref FROM rejects {where} ORDER BY ALL", [source, day]
        ).fetchall(),
        "runs": con.execute(
            f"SELECT run_id FROM runs {where} ORDER BY ALL", [source, day]
        ).fetchall(),
    }


def last_snapshot(lake: Lake) -> int:
    with lake.connect(read_only=True) as con:
        return con.execute(
            "SELECT max(snapshot_id) FROM ducklake_snapshots('newsflow')"
        ).fetchone()[0]


@pytest.mark.parametrize("source", ["../../etc", "a/b", "A", ""])
def test_partition_paths_cannot_escape_the_warehouse(lake, source):
    paths = [
        lambda: layout.staging_dir(lake.root, source, DAY, "run"),
        lambda: layout.lock_file(lake.root, source, DAY),
        lambda: layout.raw_archive(lake.root, source, DAY),
    ]
    for path in paths:
        with pytest.raises(SourceConfigError):
            path()
    staging = stage(lake, ["a"])
    with pytest.raises(SourceConfigError):
        commit.publish_partition(lake, staging, source, DAY, records.run("r"))
    assert not lake.has_catalog()  # refused before anything was written


def test_publish_replaces_the_partition_and_removes_the_staging(lake):
    publish(lake, ["other"], "r0", day=DAY + dt.timedelta(1))
    publish(lake, ["old-1", "old-2"], "r1")
    staging = stage(lake, ["new"])
    commit.publish_partition(lake, staging, "s", DAY, records.run("r2"))

    assert not staging.exists()
    with lake.connect(read_only=True) as con:
        assert partition(con) == {
            "articles": [("new",)],
            "entities": [("new",)],
            "rejects": [("new.html",)],
            "runs": [("r1",), ("r2",)],  # runs is a log: each publish appends its row
        }
        other = partition(con, day=DAY + dt.timedelta(1))
    assert other["articles"] == [("other",)]  # other partitions untouched


def test_an_empty_publish_empties_the_partition_but_logs_its_run(lake):
    publish(lake, ["a", "b"], "r1")
    publish(lake, [], "r2")
    with lake.connect(read_only=True) as con:
        assert partition(con) == {
            "articles": [],
            "entities": [],
            "rejects": [],
            "runs": [("r1",), ("r2",)],
        }


def corrupt_entities(staging: Path) -> None:
    (staging / "entities.parquet").write_bytes(b"PAR1 not a parquet file PAR1")


def lose_rejects(staging: Path) -> None:
    (staging / "rejects.parquet").unlink()


@pytest.mark.parametrize("damage", [corrupt_entities, lose_rejects])
def test_a_publish_failing_inside_leaves_the_previous_snapshot_intact(lake, damage):
    """A failure after ``articles`` (and ``entities``) were already replaced in
    the transaction: nothing of it is visible, the staging stays for a retry."""
    publish(lake, ["a", "b"], "r1")
    before = last_snapshot(lake)
    with lake.connect(read_only=True) as con:
        rows = partition(con)
    staging = stage(lake, ["c"])
    damage(staging)

    with pytest.raises(duckdb.Error):
        commit.publish_partition(lake, staging, "s", DAY, records.run("r2"))

    assert last_snapshot(lake) == before
    with lake.connect(read_only=True) as con:
        assert partition(con) == rows
        assert con.execute("SELECT count(*) FROM run_snapshots").fetchone() == (1,)
    assert staging.exists()
    # the next publish is not disturbed by what the failed one began
    publish(lake, ["d"], "r3")
    with lake.connect(read_only=True) as con:
        assert partition(con)["articles"] == [("d",)]


def test_publish_returns_its_snapshot_and_run_snapshots_maps_the_run(lake):
    first = publish(lake, ["a"], "run-1")
    second = publish(lake, ["b"], "run-2", source="t")
    third = publish(lake, ["c"], "run-3")
    assert first < second < third
    with queries.analyst(lake) as con:
        mapped = con.execute(
            "SELECT run_id, source, date, snapshot_id FROM run_snapshots ORDER BY snapshot_id"
        ).fetchall()
        (message,) = con.execute(
            "SELECT commit_message FROM ducklake_snapshots('newsflow') WHERE snapshot_id = ?",
            [third],
        ).fetchone()
    assert mapped == [
        ("run-1", "s", DAY, first),
        ("run-2", "t", DAY, second),
        ("run-3", "s", DAY, third),
    ]
    assert message == f"publish s/{DAY}"


def test_latest_runs_names_the_run_that_made_the_partition_as_it_is(lake):
    """Two attempts of one partition (a retry racing a slow attempt): the one
    that finished staging first may commit last. The partition is then that
    one's, and so must ``latest_runs`` say, whatever the clocks."""
    at = dt.datetime(2026, 11, 17, 6, tzinfo=dt.UTC)
    publish(lake, ["fast"], "retry", finished_at=at + dt.timedelta(minutes=5))
    publish(lake, ["slow"], "attempt-1", finished_at=at)
    with queries.analyst(lake) as con:
        assert partition(con)["articles"] == [("slow",)]
        latest = con.execute("SELECT run_id FROM latest_runs").fetchall()
    assert latest == [("attempt-1",)]


def test_time_travel_reads_an_earlier_snapshot(lake, capsys):
    first = publish(lake, ["old"], "r1")
    publish(lake, ["new"], "r2")
    with lake.connect(read_only=True, at=str(first)) as con:
        assert partition(con)["articles"] == [("old",)]
        assert partition(con)["runs"] == [("r1",)]
        (when,) = con.execute(
            "SELECT snapshot_time FROM ducklake_snapshots('newsflow') WHERE snapshot_id = ?",
            [first],
        ).fetchone()
    with queries.analyst(lake, at=when.isoformat()) as con:  # a timestamp works too
        assert partition(con)["articles"] == [("old",)]
    with lake.connect(read_only=True) as con:
        assert partition(con)["articles"] == [("new",)]

    sql = "SELECT article_id FROM articles"
    assert cli.main(["query", "--at", str(first), sql]) == 0
    assert capsys.readouterr().out.split() == ["article_id", "old"]
    assert cli.main(["query", sql]) == 0
    assert capsys.readouterr().out.split() == ["article_id", "new"]


def test_first_seen_remembers_hash_and_ingestion_time(lake):
    staging = layout.staging_dir(lake.root, "s", DAY, "y")
    at = dt.datetime(2026, 11, 16, 8, tzinfo=dt.UTC)
    with commit.PartitionWriter(staging) as writer:
        writer.write("articles", [records.article("a", content_hash="h", ingested_at=at)])
    commit.publish_partition(lake, staging, "s", DAY, records.run("r"))
    with commit.writer(lake) as con:
        assert queries.first_seen(con, "s", DAY) == {"a": ("h", at)}
        assert queries.first_seen(con, "s", DAY + dt.timedelta(1)) == {}


def test_attach_sql_opens_the_lake_read_only_in_plain_duckdb(lake):
    publish(lake, ["a"], "r1")
    attach = lake.root / layout.ATTACH_FILE
    with duckdb.connect() as con:
        con.execute(attach.read_text())
        assert partition(con)["articles"] == [("a",)]
        with pytest.raises(duckdb.Error, match=r"read.only"):
            con.execute("DELETE FROM articles")
    with lake.connect(read_only=True) as con:
        assert partition(con)["articles"] == [("a",)]


def test_extensions_are_installed_from_the_wheels_into_an_empty_directory(lake, tmp_path):
    own = dataclasses.replace(lake, extension_dir=tmp_path / "extensions")
    publish(own, ["a"], "r1")
    with own.connect(read_only=True) as con:
        installed = dict(
            con.execute(
                "SELECT extension_name, installed_from FROM duckdb_extensions() "
                "WHERE install_mode = 'CUSTOM_PATH'"
            ).fetchall()
        )
    assert set(installed) == {"ducklake", "sqlite_scanner", "fts"}
    for name, source in installed.items():  # the wheel's file, not a download
        assert f"duckdb_extension_{name}" in source and Path(source).is_file()
    assert {p.name for p in own.extension_dir.rglob("*.duckdb_extension")} == {
        "ducklake.duckdb_extension",
        "sqlite_scanner.duckdb_extension",
        "fts.duckdb_extension",
    }


def test_a_missing_extension_is_one_line_naming_the_pip_install(tmp_path):
    """A catalog whose scanner has no wheel installed, and nothing installed yet."""
    catalog = dataclasses.replace(
        SqliteCatalog(tmp_path / "catalog.sqlite"), scanner="nonexistent_scanner"
    )
    lake = Lake(tmp_path, catalog, extension_dir=tmp_path / "empty")
    with pytest.raises(ExtensionMissing) as missing:
        lake.connect(read_only=False)
    message = str(missing.value)
    assert "\n" not in message
    assert f"pip install duckdb-extension-nonexistent-scanner=={duckdb.__version__}" in message
    assert not catalog.path.exists()


def test_a_lake_from_an_earlier_version_gains_the_columns_added_since(lake):
    """An old lake lacks the runs columns added later: a writer attaching it adds
    them, its rows read NULL there, and the next publish fills them."""
    publish(lake, ["a"], "old")
    with lake.connect(read_only=False) as con:
        con.execute("ALTER TABLE runs DROP COLUMN pages_deferred")
        con.execute("ALTER TABLE runs DROP COLUMN sitemaps_read")
    with lake.connect(read_only=False) as con:  # as a new version's first writer does
        commit.ensure_schema(con)
    publish(lake, ["b"], "new", pages_deferred=3, sitemaps_read=2)

    with lake.connect(read_only=True) as con:
        rows = con.execute(
            "SELECT run_id, pages_deferred, sitemaps_read FROM runs ORDER BY run_id"
        ).fetchall()
    assert rows == [("new", 3, 2), ("old", None, None)]


def test_an_old_lakes_articles_gain_the_authors_list_and_the_page_dates(lake):
    """``authors`` (a list), ``modified_at`` and ``site_name`` came after the first
    lakes: added to an old one, its rows read NULL, and new rows carry them."""
    publish(lake, ["a"], "old")
    with lake.connect(read_only=False) as con:
        for column in ("authors", "modified_at", "site_name"):
            con.execute(f"ALTER TABLE articles DROP COLUMN {column}")
    with lake.connect(read_only=False) as con:
        commit.ensure_schema(con)
    day = DAY + dt.timedelta(days=1)
    staging = layout.staging_dir(lake.root, "s", day, "run-b")
    with commit.PartitionWriter(staging) as writer:
        article = records.article(
            "b", authors=["Ana Costa", "Li Wei"], modified_at=DAY, site_name="The Gazette"
        )
        writer.write("articles", [article])
    commit.publish_partition(lake, staging, "s", day, records.run("new"))

    with lake.connect(read_only=True) as con:
        rows = con.execute(
            "SELECT article_id, authors, modified_at, site_name FROM articles ORDER BY ALL"
        ).fetchall()
    assert rows == [("a", None, None, None), ("b", ["Ana Costa", "Li Wei"], DAY, "The Gazette")]
