"""The real thing: scheduler, dag-processor and api-server on SQLite run news_daily.

A run for chosen dates goes through ``airflow backfill create``: a manual
trigger's data interval is the last whole day before *now*, whatever its
logical date, while a backfill's runs have exactly the range's intervals.
The backfill covers an archive source laid out by date and a sitemap source
served from 127.0.0.1 whose pages are dated on both sides of the range: it
must yield exactly the range's partitions.
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

from support.pages import STORY, article_html
from support.paths import ROOT, SAMPLE_ARCHIVE
from support.webserver import NewsServer, Reply

pytestmark = pytest.mark.slow

RANGE = (dt.date(2026, 11, 16), dt.date(2026, 11, 17))
SOURCE = "daily-planet"
SITEMAP_SOURCE = "maps"
COMPONENTS = ("api-server", "dag-processor", "scheduler")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def sitemap(news_server: NewsServer) -> str:
    """A news sitemap with one page per day, 15 to 18 November."""
    days = [f"2026-11-{d}" for d in (15, 16, 17, 18)]
    urls = "".join(
        f"<url><loc>{news_server.url(f'/{day}')}</loc><lastmod>{day}</lastmod></url>"
        for day in days
    )
    news_server.routes["/robots.txt"] = Reply(404)
    news_server.routes["/sitemap.xml"] = Reply(200, f"<urlset>{urls}</urlset>".encode())
    for day in days:
        page = article_html(title=f"News of {day}", paragraphs=STORY, published=day)
        news_server.routes[f"/{day}"] = Reply(200, page.encode())
    return news_server.url("/sitemap.xml")


@pytest.fixture
def airflow_env(tmp_path: Path, sitemap: str) -> dict[str, str]:
    port = free_port()
    registry = tmp_path / "sources.yaml"
    registry.write_text(
        f"sources:\n  - id: {SOURCE}\n    name: The Daily Planet\n    kind: archive\n"
        f"    path: {SAMPLE_ARCHIVE / f'source={SOURCE}'}\n"
        f"  - id: {SITEMAP_SOURCE}\n    name: Maps\n    kind: sitemap\n    url: {sitemap}\n"
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
        NEWSFLOW_ALLOW_HOSTS="127.0.0.1",
        NEWSFLOW_HTTP_DELAY="0",
        # the sitemap serves one story under four dates: the quality check would
        # rightly fail those partitions as duplicates, and with them the runs
        NEWSFLOW_QUALITY_THRESHOLDS="duplicate_rate_warn=1.0,duplicate_rate_fail=1.0",
    )
    subprocess.run(["airflow", "db", "migrate"], env=env, check=True, capture_output=True)
    # fetch and enrich tasks run in pools of their own; the scheduler queues nothing for a
    # missing one
    subprocess.run(
        ["airflow", "pools", "import", str(ROOT / "include" / "pools.json")],
        env=env,
        check=True,
        capture_output=True,
    )
    return env


def airflow(env: dict[str, str], *args: str, attempts: int = 5) -> str:
    """Run an ``airflow`` command; retried while SQLite is locked by the running scheduler.

    SQLite allows one writer: a CLI command that writes (``backfill create``)
    can meet the scheduler mid-transaction and fail with "database is locked".
    """
    for _ in range(attempts):
        done = subprocess.run(["airflow", *args], env=env, capture_output=True, text=True)
        if done.returncode == 0 or "database is locked" not in done.stderr:
            break
        time.sleep(3)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def backfill_states(env: dict[str, str]) -> list[str]:
    out = airflow(env, "dags", "list-runs", "news_daily", "-o", "json")
    # Airflow logs warnings to stdout too; the JSON document is the line that is a list.
    runs = json.loads(next(line for line in out.splitlines() if line.startswith("[")))
    return [r["state"] for r in runs if r["run_id"].startswith("backfill__")]


def wait_for(predicate, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(2)
    raise TimeoutError(f"gave up waiting {timeout:.0f}s for {what}")


def test_a_backfill_yields_exactly_the_partitions_of_its_range(airflow_env, tmp_path):
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
            RANGE[0].isoformat(),
            "--to-date",
            RANGE[1].isoformat(),
        )
        wait_for(
            lambda: backfill_states(airflow_env) == ["success", "success"],
            timeout=900,
            what="both backfill runs to succeed",
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

    from newsflow.config import Settings
    from newsflow.warehouse import queries

    # read as an analyst reads the lake the tasks published into (their settings)
    with queries.analyst(Settings.from_env(airflow_env).lake()) as con:
        partitions = con.execute(
            "SELECT source, date::VARCHAR, count(*), min(title) FROM articles "
            "GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    days = [day.isoformat() for day in RANGE]
    assert [(source, day) for source, day, *_ in partitions] == [
        (SOURCE, days[0]),
        (SOURCE, days[1]),
        (SITEMAP_SOURCE, days[0]),
        (SITEMAP_SOURCE, days[1]),
    ]
    # the sitemap's pages of the 15th and 18th stayed out of the range's partitions
    assert [(n, title) for source, _, n, title in partitions if source == SITEMAP_SOURCE] == [
        (1, f"News of {days[0]}"),
        (1, f"News of {days[1]}"),
    ]
