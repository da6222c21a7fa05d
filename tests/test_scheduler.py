"""The real thing: scheduler, dag-processor and api-server on SQLite run news_daily.

A run for a chosen date goes through ``airflow backfill create``: a manual
trigger's data interval is the last whole day before *now*, whatever its
logical date, while a backfill's runs have exactly the range's intervals.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE_ARCHIVE

pytestmark = pytest.mark.slow

PARTITION = dt.date(2026, 11, 17)
SOURCE = "daily-planet"
COMPONENTS = ("api-server", "dag-processor", "scheduler")
FETCH_POOL = "newsflow_fetch"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def airflow_env(tmp_path: Path) -> dict[str, str]:
    port = free_port()
    registry = tmp_path / "sources.yaml"
    registry.write_text(
        f"sources:\n  - id: {SOURCE}\n    name: The Daily Planet\n    kind: archive\n"
        f"    path: {SAMPLE_ARCHIVE / f'source={SOURCE}'}\n"
    )
    env = os.environ.copy()
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}",
        AIRFLOW_HOME=str(tmp_path / "airflow"),
        AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__EXECUTOR="LocalExecutor",
        AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="False",
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{port}/execution/",
        AIRFLOW__API__HOST="127.0.0.1",
        AIRFLOW__API__PORT=str(port),
        AIRFLOW__API_AUTH__JWT_SECRET=secrets.token_hex(16),
        AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="5",
        NEWSFLOW_SOURCES=str(registry),
        NEWSFLOW_WAREHOUSE=str(tmp_path / "warehouse"),
    )
    subprocess.run(["airflow", "db", "migrate"], env=env, check=True, capture_output=True)
    # fetch tasks run in their own pool; the scheduler queues nothing for a missing one
    subprocess.run(
        ["airflow", "pools", "set", FETCH_POOL, "2", "newsflow fetch tasks"],
        env=env,
        check=True,
        capture_output=True,
    )
    return env


def airflow(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(["airflow", *args], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def backfill_state(env: dict[str, str]) -> str | None:
    out = airflow(env, "dags", "list-runs", "news_daily", "-o", "json")
    # Airflow logs warnings to stdout too; the JSON document is the line that is a list.
    runs = json.loads(next(line for line in out.splitlines() if line.startswith("[")))
    states = [r["state"] for r in runs if r["run_id"].startswith("backfill__")]
    return states[0] if states else None


def wait_for(predicate, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(2)
    raise TimeoutError(f"gave up waiting {timeout:.0f}s for {what}")


def test_scheduler_runs_the_partition_of_a_requested_date(airflow_env, tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    processes = [
        subprocess.Popen(
            ["airflow", name],
            env=airflow_env,
            start_new_session=True,
            stdout=(logs / f"{name}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        for name in COMPONENTS
    ]
    try:
        wait_for(
            lambda: "news_daily" in airflow(airflow_env, "dags", "list", "-o", "plain"),
            timeout=120,
            what="the dag-processor to serialize news_daily",
        )
        airflow(
            airflow_env,
            "backfill",
            "create",
            "--dag-id",
            "news_daily",
            "--from-date",
            PARTITION.isoformat(),
            "--to-date",
            PARTITION.isoformat(),
        )

        warehouse = Path(airflow_env["NEWSFLOW_WAREHOUSE"])
        runs = warehouse / "runs" / f"source={SOURCE}" / f"date={PARTITION}"
        wait_for(
            lambda: runs.is_dir() and any(runs.glob("*.parquet")),
            timeout=300,
            what=f"the {SOURCE}/{PARTITION} partition",
        )
        wait_for(
            lambda: backfill_state(airflow_env) == "success",
            timeout=120,
            what="the backfill run to succeed",
        )
    except BaseException:
        for log in sorted(logs.iterdir()):
            print(f"--- {log.name}\n{log.read_text()[-3000:]}")
        raise
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    import duckdb

    articles = duckdb.execute(
        "SELECT count(*) FROM read_parquet($1, hive_partitioning = true) "
        "WHERE source = $2 AND date::VARCHAR = $3",
        [f"{warehouse}/articles/*/*/*.parquet", SOURCE, PARTITION.isoformat()],
    ).fetchone()[0]
    assert articles > 0
