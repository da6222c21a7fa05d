"""Airflow retries: a task killed mid-way and retried makes the same partition.

Airflow retries a task whose worker died (OOM killer, node lost, SIGKILL)
by running the same task body again. The body here is ``newsflow run``, the
same functions the DAG's tasks call, started as a real process and killed
with SIGKILL while it is staging half the pages; the retry runs the same
partition again. Its tables must equal those of an undisturbed run in
another warehouse, row for row (bar ``ingested_at``, which records when).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import signal
import subprocess
import sys
import time

from newsflow.config import Settings
from newsflow.jobs.daily import run_partition
from newsflow.warehouse import layout
from support.pages import STORY, article_html

DAY = "2026-11-16"
TOPICS = ["bridge", "ferry", "tram", "harbour", "council", "market", "school", "storm"]
COMPARED = {
    "articles": "article_id, url, canonical_url, title, author, published_at, text, word_count,"
    " content_hash, language, cluster_id, duplicate_of, entity_count, raw_ref",
    "entities": "*",
    "rejects": "*",
}


def archive_pages() -> dict[str, str | bytes]:
    pages: dict[str, str | bytes] = {
        f"{topic}.html": article_html(
            title=f"The {topic} story",
            paragraphs=[p.replace("bridge", topic) for p in STORY[i % 3 :]],
            canonical=f"https://g.example/{topic}",
        )
        for i, topic in enumerate(TOPICS)
    }
    pages["empty.html"] = b""
    pages["index.html"] = "<html><body>" + "<a href='/x'>x</a>" * 30 + "</body></html>"
    return pages


def tables(settings: Settings) -> dict[str, list[tuple]]:
    with settings.lake().connect(read_only=True) as con:
        return {
            table: con.execute(f"SELECT {columns} FROM {table} ORDER BY ALL").fetchall()
            for table, columns in COMPARED.items()
        }


def published_runs(settings: Settings) -> int:
    """Partitions' ``runs`` rows in the lake (0 before the first publish commits)."""
    if not settings.lake().has_catalog():
        return 0
    with settings.lake().connect(read_only=True) as con:
        return con.execute("SELECT count(*) FROM runs").fetchone()[0]


def test_a_task_killed_mid_way_and_retried_makes_the_same_partition(
    make_archive, warehouse, tmp_path
):
    make_archive({DAY: archive_pages()})
    settings = Settings.from_env()
    undisturbed = dataclasses.replace(settings, warehouse=tmp_path / "undisturbed")
    run_partition("gazette", DAY, settings=undisturbed)

    env = {
        **os.environ,
        "NEWSFLOW_PAGE_BATCH_SIZE": "2",  # several batches: the kill lands between writes
        "NEWSFLOW_WORKERS": "1",
    }
    task = subprocess.Popen(
        [sys.executable, "-m", "newsflow.cli", "run", "--source", "gazette", "--date", DAY],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    staging = layout.staging_dir(warehouse, "gazette", dt.date.fromisoformat(DAY), "x").parent
    deadline = time.monotonic() + 120
    while not any(staging.glob("*/extracted/articles.parquet")):  # extract has begun
        assert task.poll() is None, task.stderr.read().decode()[-2000:]
        assert time.monotonic() < deadline, "the task never started staging"
        time.sleep(0.02)
    time.sleep(0.5)  # into the extraction of the first batches
    task.send_signal(signal.SIGKILL)
    assert task.wait(timeout=30) == -signal.SIGKILL
    assert published_runs(settings) == 0, "the kill came too late: the partition was published"

    retried = run_partition("gazette", DAY)  # what Airflow's retry runs

    assert retried["pages_in"] == len(archive_pages())
    assert tables(settings) == tables(undisturbed)
    assert published_runs(settings) == 1
    leftovers = [p for p in staging.iterdir() if p.is_dir()]
    assert len(leftovers) == 1, "the killed attempt's staging stays until cleaned up"
