"""Crash safety: SIGKILL at random moments during publish loses nothing.

A worker process runs the DAG's own ``publish_partition`` (one lake
transaction: ``articles``, ``entities``, ``rejects`` and the ``runs`` row),
then the clusters update ``cluster_stories`` makes with ``set_clusters``, in
a loop, one distinct *generation* of a partition after another, and is
killed with a real SIGKILL after a random delay. After every kill the lake
must open read-only, and the partition must be exactly one whole generation:
the three tables and the newest ``runs`` row from one publish. Then a re-run
completes, maintenance clears what the kills left behind, and the real
pipeline runs over it all.

The workers are forked from a zygote that imported the pipeline once, so a
kill costs milliseconds rather than an interpreter start and the random
moments land inside the publish loop. ``NEWSFLOW_SOAK=1`` kills 200 times
instead of 20; ``NEWSFLOW_CRASH_SEED`` replays a run.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import time

import pytest

from newsflow.config import Settings
from newsflow.jobs.daily import run_partition
from newsflow.warehouse import commit
from newsflow.warehouse.maintenance import maintain
from support.pages import STORY, article_html
from support.publisher import Zygote, check_partition, referenced_files

DAY = "2026-11-16"
SOAK = os.environ.get("NEWSFLOW_SOAK") == "1"
KILLS = 200 if SOAK else 20


def kill_after(zygote: Zygote, base: int, delay: float, seed: int) -> None:
    """Start publishing generations from ``base``, SIGKILL the worker after ``delay``."""
    pid = int(zygote.ask(f"go {base}"))
    time.sleep(delay)
    os.kill(pid, signal.SIGKILL)
    status = zygote.reap(pid)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (
        f"seed {seed}: worker ended by itself ({status}): it crashed before the kill"
    )


def test_sigkill_during_publish_leaves_each_partition_whole(make_archive, warehouse):
    make_archive({DAY: {"bridge.html": article_html(title="Bridge", paragraphs=STORY)}})
    seed = int(os.environ.get("NEWSFLOW_CRASH_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    lake = Settings.from_env().lake()
    zygote = Zygote("gazette", DAY)
    seen: list[int] = []
    kept = 0
    try:
        started = time.monotonic()
        assert zygote.reap(zygote.run(0, 1)) == 0  # the version each kill may fall back to
        cycle = time.monotonic() - started  # one publish + clusters update, here and now
        for kill in range(1, KILLS + 1):
            base = kill * 10_000
            kill_after(zygote, base, rng.uniform(0.02, 2 * cycle), seed)
            gen = check_partition(lake, "gazette", DAY)
            assert gen is not None, f"seed {seed}: the published partition is gone"
            seen.append(gen)
            kept += gen < base  # killed before its first commit: the previous one intact
        # a re-run after all that completes and is whole
        assert zygote.reap(zygote.run(9_999_999, 1)) == 0
        assert check_partition(lake, "gazette", DAY) == 9_999_999
    finally:
        zygote.close()
    print(
        f"seed {seed}: {KILLS} SIGKILLs over a {cycle:.2f} s publish cycle; {kept} before the "
        f"worker's first commit (the previous version stayed), {len(seen) - kept} after "
        f"({len(set(seen))} distinct generations seen); every check whole"
    )
    assert len(seen) - kept >= KILLS // 4, f"seed {seed}: too few kills landed after a commit"
    # what the kills left (files of transactions never committed) goes; the data stays
    report = maintain(lake, snapshot_days=0, orphan_grace=dt.timedelta(0))
    print(f"maintenance after the kills: {report}")
    assert check_partition(lake, "gazette", DAY, expired=True) == 9_999_999
    # on disk now: exactly the files the lake reads, nothing a killed writer left
    assert set(lake.data_path.rglob("*.parquet")) == referenced_files(lake)
    # the real pipeline runs over what the kills left behind
    result = run_partition("gazette", DAY)
    assert (result["articles"], result["rejects"]) == (1, 0)
    with lake.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (1,)
        bad = con.execute(
            "SELECT count(*) FROM entities "
            "WHERE article_id NOT IN (SELECT article_id FROM articles)"
        ).fetchone()
        assert bad == (0,)


TORN = {
    "entities of another publish": "DELETE FROM entities WHERE source = 'gazette'",
    "a runs row without its data": "INSERT INTO runs (run_id, articles, entities, source, date) "
    "VALUES ('gen-0000002', 3, 9, 'gazette', DATE '2026-11-16')",
    "duplicate articles": "INSERT INTO articles SELECT * FROM articles",
}


@pytest.mark.parametrize("change", TORN.values(), ids=TORN.keys())
def test_the_check_sees_a_partition_that_is_not_one_publish(warehouse, change):
    """The check above is only worth its kills if it fails on a torn partition:
    tear one with a change outside any publish and watch it fail."""
    lake = Settings.from_env().lake()
    zygote = Zygote("gazette", DAY)
    try:
        assert zygote.reap(zygote.run(1, 1)) == 0
    finally:
        zygote.close()
    assert check_partition(lake, "gazette", DAY) == 1
    with commit.writer(lake) as con:
        commit.in_transaction(con, lambda c: c.execute(change), what="tear")
    with pytest.raises(AssertionError):
        check_partition(lake, "gazette", DAY)
