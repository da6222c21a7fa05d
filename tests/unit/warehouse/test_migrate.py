"""``newsflow warehouse migrate``: a generation-layout warehouse into the lake.

The old layout is written here by hand, file by file, as the earlier store
left it: per table ``<root>/<table>/source=<id>/date=<day>/<generation>.parquet``
with a superseded generation beside the current one, the pointer
``<root>/_partitions/source=<id>/date=<day>/current.json``, a partition from
before generations (only ``data.parquet``, no pointer), one ``runs`` file per
run and ``quality/.../data.parquet``. Only current generations may land, row
for row; a second run finds nothing; the old trees end up under ``_legacy/``.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from newsflow.config import Settings
from newsflow.warehouse.catalog import Lake
from newsflow.warehouse.migrate import migrate
from newsflow.warehouse.schema import SCHEMAS

DAY = dt.date(2026, 11, 16)
EARLIER = dt.date(2026, 10, 1)
AT = dt.datetime(2026, 11, 17, 6, tzinfo=dt.UTC)
LEGACY = ("articles", "entities", "rejects", "runs", "quality", "_partitions", "newsflow.duckdb")


def folder(root: Path, table: str, source: str, day: dt.date) -> Path:
    path = root / table / f"source={source}" / f"date={day.isoformat()}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def write(path: Path, table: str, rows: list[dict], schema: pa.Schema | None = None) -> None:
    """A Parquet file as the old store wrote it: the table's columns, no source or date."""
    pq.write_table(pa.Table.from_pylist(rows, schema or SCHEMAS[table]), path)


def partition_rows(tag: str, n: int) -> dict[str, list[dict]]:
    """Rows of one generation of a partition; ``tag`` tells generations apart."""
    ids = [f"{tag}-{k}" for k in range(n)]
    return {
        "articles": [
            {
                "article_id": a,
                "title": f"Title {a}",
                "text": f"Text of {a}.",
                "word_count": 3,
                "ingested_at": AT,
                "published_at": DAY,
                "fingerprint": a.encode(),
            }
            for a in ids
        ],
        "entities": [
            {
                "article_id": a,
                "text": "Lisbon",
                "label": "GPE",
                "canonical": "Lisbon",
                "start_char": 0,
                "end_char": 6,
                "sentence": s,
            }
            for a in ids
            for s in range(2)
        ],
        "rejects": [{"raw_ref": f"{tag}.html", "stage": "extract", "reason": "not_an_article"}],
    }


def run_row(run_id: str, articles: int) -> dict:
    return {"run_id": run_id, "started_at": AT, "finished_at": AT, "pages_in": articles + 1,
            "articles": articles, "rejects": 1, "entities": 2 * articles}  # fmt: skip


def write_generation_warehouse(root: Path) -> dict[tuple[str, dt.date], dict[str, list[dict]]]:
    """The old layout, by hand; what each partition held (its current rows)."""
    current = partition_rows("g1", 3)
    for table, rows in partition_rows("g0", 2).items():  # superseded: must not land
        write(folder(root, table, "gazette", DAY) / "g-0-zz.parquet", table, rows)
    for table, rows in current.items():
        write(folder(root, table, "gazette", DAY) / "g-1-aa.parquet", table, rows)
    pointer = root / "_partitions" / "source=gazette" / f"date={DAY.isoformat()}"
    pointer.mkdir(parents=True)
    (pointer / "current.json").write_text(json.dumps({"gen": "g-1-aa"}))
    runs = [run_row("scheduled__first", 2), run_row("scheduled__second", 3)]
    for i, row in enumerate(runs):
        write(folder(root, "runs", "gazette", DAY) / f"run-{i}.parquet", "runs", [row])
    quality = [
        {"check_name": "min_articles", "status": "pass", "value": 3.0, "threshold": 1.0,
         "message": "ok", "checked_at": AT}
    ]  # fmt: skip
    write(folder(root, "quality", "gazette", DAY) / "data.parquet", "quality", quality)

    legacy = partition_rows("old", 2)  # before generations: data.parquet, no pointer
    for table, rows in legacy.items():
        write(folder(root, table, "planet", EARLIER) / "data.parquet", table, rows)
    legacy_runs = [run_row("manual__legacy", 2)]
    write(folder(root, "runs", "planet", EARLIER) / "manual__legacy.parquet", "runs", legacy_runs)

    duckdb.connect(str(root / "newsflow.duckdb")).close()  # the old view catalog
    raw = root / "raw" / "source=gazette" / f"date={DAY.isoformat()}" / "pages.warc.gz"
    raw.parent.mkdir(parents=True)
    raw.write_bytes(b"raw pages stay where they are")
    return {
        ("gazette", DAY): {**current, "runs": runs, "quality": quality},
        ("planet", EARLIER): {**legacy, "runs": legacy_runs, "quality": []},
    }


def normalised(table: str, rows: list[dict]) -> list[tuple]:
    """Rows as full tuples of the table's columns, in a fixed order."""
    full = pa.Table.from_pylist(rows, SCHEMAS[table]).to_pylist()
    return sorted(tuple(row[name] for name in SCHEMAS[table].names) for row in full)


def lake_rows(lake: Lake, table: str, source: str, day: dt.date) -> list[tuple]:
    columns = ", ".join(SCHEMAS[table].names)
    with lake.connect(read_only=True) as con:
        rows = con.execute(
            f"SELECT {columns} FROM {table} WHERE source = ? AND date = ?", [source, day]
        ).fetchall()
    return sorted(rows)


def snapshot_and_counts(lake: Lake) -> tuple:
    with lake.connect(read_only=True) as con:
        snapshot = con.execute(
            "SELECT max(snapshot_id) FROM ducklake_snapshots('newsflow')"
        ).fetchone()[0]
        counts = [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in sorted(SCHEMAS)]
    return snapshot, counts


@pytest.fixture
def lake(warehouse: Path) -> Lake:
    return Settings.from_env().lake()


def test_migrate_moves_current_generations_row_for_row_once(lake):
    expected = write_generation_warehouse(lake.root)

    report = migrate(lake)

    assert report.partitions == 2
    for (source, day), tables in expected.items():
        for table, rows in tables.items():
            assert lake_rows(lake, table, source, day) == normalised(table, rows), (
                f"{table} {source}/{day}"
            )
    assert report.rows == {t: sum(len(p[t]) for p in expected.values()) for t in report.rows}
    # the old trees moved aside, superseded files included; raw pages stay
    moved = Path(report.moved_to)
    assert moved.parent == lake.root / "_legacy"
    assert sorted(p.name for p in moved.iterdir()) == sorted(LEGACY)
    assert (moved / "articles" / "source=gazette" / f"date={DAY}" / "g-0-zz.parquet").exists()
    assert not any((lake.root / name).exists() for name in LEGACY)
    assert (lake.root / "raw" / "source=gazette" / f"date={DAY}" / "pages.warc.gz").exists()

    before = snapshot_and_counts(lake)
    again = migrate(lake)
    assert (again.partitions, again.moved_to) == (0, None)
    assert snapshot_and_counts(lake) == before  # nothing committed, nothing changed
    assert [p.name for p in (lake.root / "_legacy").iterdir()] == [moved.name]


def test_a_migration_stopped_halfway_runs_again_without_duplicates(lake):
    """A first run that moved partitions but never finished (the old trees are
    still in place): the next run replaces what it had moved."""
    expected = write_generation_warehouse(lake.root)
    migrate(lake)
    moved = next((lake.root / "_legacy").iterdir())
    for name in LEGACY:  # as if the run had died before moving the trees aside
        (moved / name).rename(lake.root / name)
    moved.rmdir()

    assert migrate(lake).partitions == 2
    for (source, day), tables in expected.items():
        for table, rows in tables.items():
            assert lake_rows(lake, table, source, day) == normalised(table, rows)


def test_partitions_written_by_earlier_versions_migrate_with_their_columns(lake):
    """Runs logged before ``config_hash`` and the fetch statistics existed, and
    a legacy ``data.parquet`` from before story clusters: the columns they
    have land, the newer ones are NULL."""
    old_runs = pa.schema([f for f in SCHEMAS["runs"] if f.name.startswith(("run_id", "pages"))])
    old_articles = pa.schema(
        [f for f in SCHEMAS["articles"] if f.name in ("article_id", "title", "text")]
    )
    write(folder(lake.root, "runs", "planet", EARLIER) / "r.parquet", "runs",
          [{"run_id": "r", "pages_in": 4}], old_runs)  # fmt: skip
    write(folder(lake.root, "articles", "planet", EARLIER) / "data.parquet", "articles",
          [{"article_id": "a", "title": "T", "text": "x"}], old_articles)  # fmt: skip

    assert migrate(lake).partitions == 1
    assert lake_rows(lake, "runs", "planet", EARLIER) == normalised(
        "runs", [{"run_id": "r", "pages_in": 4}]
    )
    assert lake_rows(lake, "articles", "planet", EARLIER) == normalised(
        "articles", [{"article_id": "a", "title": "T", "text": "x"}]
    )


def newsflow(root: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newsflow.cli", "--warehouse", str(root), *arguments],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_newsflow_warehouse_migrate_on_the_command_line(lake):
    write_generation_warehouse(lake.root)

    done = newsflow(lake.root, "warehouse", "migrate")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "migrated 2 partitions, verified row for row: articles=5, entities=10" in done.stdout
    assert "_legacy" in done.stdout
    query = newsflow(lake.root, "query", "SELECT count(*) AS n FROM articles")
    assert query.stdout.split() == ["n", "5"], query.stderr[-2000:]

    again = newsflow(lake.root, "warehouse", "migrate")
    assert again.returncode == 0, again.stderr[-2000:]
    assert "migrated 0 partitions" in again.stdout
