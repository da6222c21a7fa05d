"""DAG integrity: every DAG imports cleanly, fast, with tags, retries and docs."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from support.paths import ROOT

DAGS = ROOT / "dags"
HEAVY = ("spacy", "trafilatura", "duckdb", "pyarrow", "newsflow")


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert "news_daily" in dagbag.dags


def test_the_shared_module_is_not_parsed_as_a_dag_file(dagbag):
    """``.airflowignore`` keeps ``_common.py`` (what the DAG files import) out of parsing."""
    parsed = {Path(path).name for path in dagbag.file_last_changed}
    assert parsed == {p.name for p in DAGS.glob("*.py")} - {"_common.py"}
    assert set(dagbag.dags) == {
        "news_daily", "news_archive_import", "news_reprocess", "news_warehouse_maintenance"
    }  # fmt: skip


def test_every_dag_has_tags_docs_and_an_explicit_schedule(dagbag):
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, dag_id
        assert dag.doc_md and len(dag.doc_md) > 200, dag_id
        assert dag.catchup is False, dag_id


#: Tasks whose failure a retry cannot change: verdicts on what already happened.
NO_RETRY = {"check_quality", "fail_run_if_a_task_failed"}


def test_every_task_retries(dagbag):
    for dag in dagbag.dags.values():
        for task in dag.tasks:
            assert (task.retries == 0) == (task.task_id in NO_RETRY), task.task_id


def test_every_task_has_a_deadline(dagbag):
    """A hung fetch or a stuck extraction fails and retries instead of holding a slot."""
    for dag in dagbag.dags.values():
        for task in dag.tasks:
            timeout = task.execution_timeout
            assert timeout is not None and timeout.total_seconds() > 0, task.task_id


def test_daily_partitions_come_from_whole_day_data_intervals(dagbag):
    """Midnight-to-midnight UTC intervals: the interval start is the partition date."""
    timetable = dagbag.dags["news_daily"].timetable
    assert type(timetable).__name__ == "CronDataIntervalTimetable"
    assert timetable.expression == "0 0 * * *"
    assert str(timetable.timezone) in {"UTC", "Timezone('UTC')"}


PARTITION_STEPS = ("fetch", "extract", "enrich", "publish")


def test_one_mapped_group_per_source_shows_the_data_s_way(dagbag):
    dag = dagbag.dags["news_daily"]
    steps = [dag.get_task(f"partition.{name}") for name in PARTITION_STEPS]
    groups = {id(task.get_closest_mapped_task_group()) for task in steps}
    assert len(groups) == 1 and steps[0].get_closest_mapped_task_group() is not None
    for step, after in itertools.pairwise(steps):
        assert [t.task_id for t in step.downstream_list] == [after.task_id]
    assert dag.get_task("refresh_catalog").trigger_rule == "all_done"


def test_fetch_and_enrich_have_pools_of_their_own_and_enrich_a_queue(dagbag):
    """The fetch pool caps concurrent crawling, the nlp pool concurrent NER; other work
    must not queue behind either. Only enrich (spaCy) goes to the nlp workers."""
    dag = dagbag.dags["news_daily"]
    pools = {task.task_id: task.pool for task in dag.tasks}
    assert pools.pop("partition.fetch") == "newsflow_fetch"
    assert pools.pop("partition.enrich") == "newsflow_nlp"
    assert set(pools.values()) == {"default_pool"}
    queues = {task.task_id: task.queue for task in dag.tasks}
    assert queues.pop("partition.enrich") == "nlp"
    assert set(queues.values()) == {"default"}


def test_every_pool_a_dag_uses_is_in_the_pools_file(dagbag):
    """make run, compose's airflow-init and make test-distributed import include/pools.json;
    the scheduler queues nothing for a pool it lacks."""
    declared = json.loads((ROOT / "include" / "pools.json").read_text())
    used = {task.pool for dag in dagbag.dags.values() for task in dag.tasks} - {"default_pool"}
    assert used and used <= set(declared)
    assert all(declared[name]["slots"] >= 1 for name in used)


def test_maintenance_runs_after_every_dag_that_writes_the_warehouse(dagbag):
    """The maintenance DAG is scheduled on the Asset each writing DAG emits."""
    maintenance = dagbag.dags["news_warehouse_maintenance"]
    [asset] = maintenance.timetable.asset_condition.objects
    writers = {
        dag_id
        for dag_id, dag in dagbag.dags.items()
        for task in dag.tasks
        if any(outlet.uri == asset.uri for outlet in task.outlets)
    }
    assert writers == {"news_daily", "news_reprocess", "news_archive_import"}
    assert maintenance.max_active_runs == 1


@pytest.mark.parametrize("dag_file", sorted(p.name for p in DAGS.glob("*.py")))
def test_parsing_is_fast_and_imports_nothing_heavy(dag_file):
    """Measured in a fresh interpreter: the DAG file alone, after Airflow's own import."""
    probe = f"""
import json, runpy, sys, time
sys.path.append({str(DAGS)!r})  # as Airflow does before parsing: the DAGs import _common
import airflow.sdk
started = time.perf_counter()
runpy.run_path({str(DAGS / dag_file)!r})
elapsed = time.perf_counter() - started
heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})
print(json.dumps({{"seconds": elapsed, "heavy": heavy}}))
"""
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    report = json.loads(out.strip().splitlines()[-1])
    assert report["heavy"] == []
    assert report["seconds"] < 1.0, report
