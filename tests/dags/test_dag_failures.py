"""news_daily through Airflow when one source is broken: the others land, the run fails."""

from __future__ import annotations

import pendulum
import pytest

from newsflow.warehouse import queries
from newsflow.warehouse.catalog import Lake
from support.paths import ROOT, SAMPLE_ARCHIVE

pytestmark = pytest.mark.slow


def test_a_broken_source_fails_the_run_but_not_the_other_sources(airflow_db, tmp_path, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    registry = tmp_path / "sources.yaml"
    registry.write_text(
        "sources:\n"
        f"  - id: daily-planet\n    name: Planet\n    kind: archive\n"
        f"    path: {SAMPLE_ARCHIVE / 'source=daily-planet'}\n"
        # loopback is not allowed here: refused for good, so no retries to wait for
        "  - id: broken-feed\n    name: Broken\n    kind: feed\n"
        "    url: http://127.0.0.1:9/rss.xml\n"
    )
    monkeypatch.setenv("NEWSFLOW_SOURCES", str(registry))
    monkeypatch.setenv("NEWSFLOW_WAREHOUSE", str(tmp_path / "warehouse"))
    monkeypatch.delenv("NEWSFLOW_ALLOW_HOSTS", raising=False)

    dag = DagBag(dag_folder=str(ROOT / "dags")).dags["news_daily"]
    run = dag.test(logical_date=pendulum.datetime(2026, 11, 17, tz="UTC"))

    states = {(ti.task_id, ti.map_index): ti.state for ti in run.get_task_instances()}
    assert states[("partition.fetch", 1)] == "failed"
    assert states[("partition.publish", 0)] == "success"
    assert states[("refresh_catalog", -1)] == "success"
    assert run.state == "failed"
    with queries.analyst(Lake.embedded(tmp_path / "warehouse")) as con:
        sources = con.execute("SELECT DISTINCT source FROM articles").fetchall()
    assert sources == [("daily-planet",)]
