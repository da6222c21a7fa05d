"""Concurrent readers and writers: nobody fails, nobody waits, nobody sees half a partition.

Analysts hold the lake open read-only all day (``attach.sql`` in the DuckDB
CLI or Python) while runs publish; sources of one date run as parallel tasks,
and a retry may race a still-running attempt of the same partition. Real
processes throughout: readers are DuckDB connections (the CLI, or Python) in
their own processes, writers are forked publishers (``tests/support/publisher.py``)
running the DAG's publish code against one SQLite catalog.
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.synchronize
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsflow.config import Settings
from newsflow.warehouse import layout, queries
from newsflow.warehouse.catalog import Lake, SqliteCatalog
from support.analysts import ANALYST_HABITS, hold_catalog_open
from support.pages import STORY, article_html
from support.paths import DUCKDB_CLI
from support.publisher import Zygote, check_partition, ids_of

DAY = "2026-11-16"
LATER = "2026-11-17"
SOAK = os.environ.get("NEWSFLOW_SOAK") == "1"
PUBLISHES = 200 if SOAK else 20
#: Publishes per writer when several write at once.
EACH = 100 if SOAK else 4
#: A publish an analyst made wait this long has waited for the analyst, not for its work.
SLOW_PUBLISH_SECONDS = 30.0

#: An analyst: attach.sql, then one query after another until stdin closes.
#: Each statement reads the partition's three tables and its last runs row at
#: once; the reader counts errors, tables that are not one whole generation,
#: and statements whose tables (or runs row) disagree on the generation.
READER = r"""
import json, sys, threading, duckdb
con = duckdb.connect()
con.execute('SET enable_progress_bar = false')  # stdout is ours
con.execute(open(sys.argv[1]).read())
source, day = sys.argv[2], sys.argv[3]
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
QUERY = '''
SELECT (SELECT [list(DISTINCT left(article_id, 8)), [count(*)::VARCHAR]]
        FROM articles WHERE source = $s AND date = $d),
       (SELECT [list(DISTINCT left(article_id, 8)), [count(*)::VARCHAR]]
        FROM entities WHERE source = $s AND date = $d),
       (SELECT [list(DISTINCT left(raw_ref, 8)), [count(*)::VARCHAR]]
        FROM rejects WHERE source = $s AND date = $d),
       (SELECT max(run_id) FROM runs WHERE source = $s AND date = $d)
'''
seen = {"queries": 0, "errors": [], "partial": [], "mixed": [], "generations": set()}
print("open", flush=True)


def whole(gens, count, per_article):
    return len(gens) == 1 and count == per_article * (1 + int(gens[0][1:]) % 4)


while not stop.is_set():
    try:
        *tables, run = con.execute(QUERY, {"s": source, "d": day}).fetchone()
    except duckdb.Error as error:
        seen["errors"].append(str(error)[:300])
        continue
    seen["queries"] += 1
    (a, [na]), (e, [ne]), (r, [nr]) = [(t[0] or [], t[1]) for t in tables]
    # each table, read in one scan, must be one whole generation
    if not (whole(a, int(na), 1) and whole(e, int(ne), 3) and len(r) == 1 and nr == "1"):
        seen["partial"].append([a, na, e, ne, r, nr])
    gens = {int(g[1:]) for g in a + e + r} | {int(run.removeprefix("gen-"))}
    if len(gens) > 1:  # one statement, two snapshots: not one transaction
        seen["mixed"].append(sorted(gens))
    seen["generations"] |= gens
seen["generations"] = len(seen["generations"])
print(json.dumps(seen), flush=True)
"""

#: An analyst running long queries (a cross join keeps the connection busy),
#: who finally lists what the same connection sees.
LONG_QUERY = r"""
import json, sys, threading, duckdb
con = duckdb.connect()
con.execute('SET enable_progress_bar = false')  # stdout is ours
con.execute(open(sys.argv[1]).read())
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
print("open", flush=True)
seen = {"queries": 0, "errors": []}
while not stop.is_set():
    try:
        con.execute("SELECT count(*) FROM articles, range(3000000)").fetchone()
        seen["queries"] += 1
    except duckdb.Error as error:
        seen["errors"].append(str(error)[:300])
# what the same connection, never reopened, sees at the end
rows = con.execute("SELECT DISTINCT date::VARCHAR, left(article_id, 8) FROM articles").fetchall()
seen["partitions"] = sorted(rows)
print(json.dumps(seen), flush=True)
"""


def start_python_reader(code: str, *arguments: str) -> subprocess.Popen:
    reader = subprocess.Popen(
        [sys.executable, "-c", code, *arguments],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout.readline().strip() == "open"
    return reader


def stop_python_reader(reader: subprocess.Popen) -> dict:
    out, _ = reader.communicate(timeout=120)
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture
def lake(warehouse: Path) -> Lake:
    return Settings.from_env().lake()


@pytest.fixture
def snapshots_log(tmp_path: Path) -> Path:
    """Where the publishers note ``<generation> <snapshot id>`` after each publish."""
    return tmp_path / "snapshots.log"


@pytest.fixture
def zygote(warehouse: Path, snapshots_log: Path) -> Iterator[Zygote]:
    worker = Zygote("gazette", DAY, {"NEWSFLOW_TEST_SNAPSHOTS": str(snapshots_log)})
    try:
        yield worker
    finally:
        worker.close()


def test_a_reader_through_publishes_sees_no_error_and_no_half_partition(
    lake, zygote, snapshots_log
):
    """An analyst's loop of statements through ``attach.sql`` during publishes:
    every statement sees one whole publish (three tables and its runs row)."""
    assert zygote.reap(zygote.run(0, 1)) == 0
    reader = start_python_reader(READER, str(lake.root / layout.ATTACH_FILE), "gazette", DAY)
    try:
        assert zygote.reap(zygote.run(1, PUBLISHES)) == 0
    finally:
        seen = stop_python_reader(reader)
    print(f"reader: {seen['queries']} statements through {PUBLISHES} publishes, "
          f"{seen['generations']} generations seen, errors {len(seen['errors'])}, "
          f"partial {len(seen['partial'])}, mixed {len(seen['mixed'])}")  # fmt: skip
    assert seen["errors"] == []
    assert seen["partial"] == []
    assert seen["mixed"] == []  # one statement reads one snapshot: no pairing across tables
    # the reader saw new publishes without reconnecting (how many statements it gets
    # through depends on the machine's load: one clean-clone run counted 19 in 20 publishes)
    assert seen["generations"] > 1
    assert check_partition(lake, "gazette", DAY) == PUBLISHES
    # each publish's snapshot id, as its process got it, reads that version (time travel)
    published = dict(map(int, line.split()) for line in snapshots_log.read_text().splitlines())
    assert sorted(published) == list(range(PUBLISHES + 1))
    with lake.connect(read_only=True) as con:
        mapped = dict(con.execute("SELECT run_id, snapshot_id FROM run_snapshots").fetchall())
    assert mapped == {f"gen-{gen:07d}": snapshot for gen, snapshot in published.items()}
    for gen in (0, PUBLISHES // 2, PUBLISHES):
        with queries.analyst(lake, at=str(published[gen])) as con:
            ids = con.execute("SELECT article_id FROM articles ORDER BY 1").fetchall()
        assert [a for (a,) in ids] == ids_of(gen)


def publish_at_once(writers: list[tuple[str, int]], log: Path) -> list[int]:
    """``(source, first generation)`` per writer process, each publishing ``EACH``
    times, all at once; their exit codes. Their logs go to ``log``."""
    env = {"NEWSFLOW_TEST_LOG": str(log)}
    zygotes = [Zygote(source, DAY, env) for source, _ in writers]
    try:
        pids = [z.run(base, EACH) for z, (_, base) in zip(zygotes, writers, strict=True)]
        return [z.reap(pid) for z, pid in zip(zygotes, pids, strict=True)]
    finally:
        for zygote in zygotes:
            zygote.close()


def test_writers_of_several_partitions_and_of_one_at_once_all_succeed(lake, tmp_path):
    """Two sources of one date as parallel tasks, and a retry of a third racing
    its still-running attempt: four processes, one catalog. Conflicts are
    retried (no task fails); the partition lock serialises the two writers of
    one partition, so it is one of them, whole, with no duplicate rows."""
    log = tmp_path / "writers.log"
    writers = [("alpha", 0), ("beta", 0), ("gazette", 0), ("gazette", 1000)]
    assert publish_at_once(writers, log) == [0] * len(writers)
    for source in ("alpha", "beta"):
        assert check_partition(lake, source, DAY) == EACH - 1
    gen = check_partition(lake, "gazette", DAY)
    assert gen in (EACH - 1, 1000 + EACH - 1)
    with lake.connect(read_only=True) as con:
        runs = con.execute("SELECT source, count(*) FROM runs GROUP BY ALL ORDER BY 1").fetchall()
        articles = con.execute(
            "SELECT count(*), count(DISTINCT article_id) FROM articles WHERE source = 'gazette'"
        ).fetchone()
    assert runs == [("alpha", EACH), ("beta", EACH), ("gazette", 2 * EACH)]
    assert articles == (len(ids_of(gen)), len(ids_of(gen)))
    retries = log.read_text().count("conflict with another writer") if log.exists() else 0
    print(f"{len(writers)} writers x {EACH} publishes: {retries} conflicts retried")


def watchdog(pid: int, seconds: float) -> threading.Timer:
    """SIGKILL ``pid`` if it still runs after ``seconds`` (a publish that waits for ever)."""
    timer = threading.Timer(seconds, lambda: os.kill(pid, signal.SIGKILL))
    timer.start()
    return timer


class CliAnalyst:
    """``duckdb -init attach.sql`` with a transaction held open: an analyst's
    session left open all day, pinned to the snapshot it started with."""

    def __init__(self, attach: Path) -> None:
        self.process = subprocess.Popen(
            [str(DUCKDB_CLI), "-csv", "-noheader", "-init", str(attach)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.ask("SET enable_progress_bar = false")  # stdout carries the answers only
        self.ask("BEGIN TRANSACTION")

    def ask(self, sql: str) -> str:
        """Run ``sql``; then a marker query, so the answer is every line before it."""
        self.process.stdin.write(f"{sql};\nSELECT 'end-of-answer';\n")
        self.process.stdin.flush()
        lines = []
        while (line := self.process.stdout.readline()) and line.strip() != "end-of-answer":
            lines.append(line.strip())
        assert line, f"the DuckDB CLI ended: {self.process.stderr.read()[-2000:]}"
        return "\n".join(lines)

    def close(self) -> str:
        _, err = self.process.communicate(".quit\n", timeout=60)
        return err


def run_pipeline(day: str) -> None:
    """``newsflow run`` in its own process, as a DAG task runs it; fails if it hangs."""
    done = subprocess.run(
        [sys.executable, "-m", "newsflow.cli", "run", "--source", "gazette", "--date", day],
        capture_output=True,
        text=True,
        timeout=10 * SLOW_PUBLISH_SECONDS,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def test_analysts_holding_the_lake_open_never_make_a_run_fail_or_wait(lake, zygote, make_archive):
    """One analyst sits in the DuckDB CLI inside an open transaction, another
    runs long queries in Python, both through ``attach.sql``. Publishes, then
    a whole ``newsflow run`` (publish, clusters, quality), go on at their own
    pace, and both analysts see them when they look again."""
    make_archive({LATER: {"bridge.html": article_html(title="Bridge", paragraphs=STORY)}})
    assert zygote.reap(zygote.run(0, 1)) == 0
    attach = lake.root / layout.ATTACH_FILE
    cli = CliAnalyst(attach)
    busy = start_python_reader(LONG_QUERY, str(attach))
    try:
        assert cli.ask("SELECT count(*) FROM articles") == "1"
        started = time.monotonic()
        pid = zygote.run(1, 5)
        timer = watchdog(pid, 5 * SLOW_PUBLISH_SECONDS)
        status = zygote.reap(pid)
        timer.cancel()
        elapsed = time.monotonic() - started
        assert status == 0, f"publishing beside the analysts failed or hung ({elapsed:.0f} s)"
        run_pipeline(LATER)
        # the open transaction still reads its snapshot; after it, the new one
        assert cli.ask("SELECT count(*) FROM articles") == "1"
        assert cli.ask("COMMIT") == ""
        assert cli.ask(f"SELECT count(*) FROM articles WHERE date = '{LATER}'") == "1"
    finally:
        seen = stop_python_reader(busy)
        cli_errors = cli.close()
    assert "Error" not in cli_errors, cli_errors
    assert seen["errors"] == []
    assert seen["queries"] >= 1
    # the long-open connection sees both without reconnecting
    assert [date for date, _ in seen["partitions"]] == [DAY, LATER]
    assert seen["partitions"][0] == [DAY, "g0000005"]
    with lake.connect(read_only=True) as con:
        slowest = con.execute("SELECT max(seconds_publish) FROM runs").fetchone()[0]
    print(f"5 publishes beside two analysts: {elapsed:.1f} s; slowest publish {slowest:.2f} s")
    assert slowest < SLOW_PUBLISH_SECONDS
    assert check_partition(lake, "gazette", DAY) == 5


@pytest.mark.parametrize("habit", [h for h in ANALYST_HABITS if h != "cli-transaction"])
def test_a_publish_beside_an_analyst_left_idle_neither_fails_nor_waits(lake, zygote, habit):
    """The other ways an analyst leaves the lake open: the CLI between two
    queries, Python holding a result it never read to the end."""
    assert zygote.reap(zygote.run(0, 1)) == 0
    holder = hold_catalog_open(lake.root, habit)
    try:
        started = time.monotonic()
        pid = zygote.run(1, 2)
        timer = watchdog(pid, 2 * SLOW_PUBLISH_SECONDS)
        status = zygote.reap(pid)
        timer.cancel()
    finally:
        holder.kill()
        holder.wait(timeout=60)
    elapsed = time.monotonic() - started
    assert status == 0, f"publishing beside an analyst ({habit}) failed or hung ({elapsed:.0f} s)"
    with lake.connect(read_only=True) as con:
        slowest = con.execute("SELECT max(seconds_publish) FROM runs").fetchone()[0]
    assert slowest < SLOW_PUBLISH_SECONDS
    assert check_partition(lake, "gazette", DAY) == 2


def _prepare_when_released(path: str, barrier: multiprocessing.synchronize.Barrier) -> None:
    barrier.wait()
    SqliteCatalog(Path(path)).prepare()


def test_processes_preparing_a_new_catalog_at_once_all_succeed(tmp_path):
    """The first writers of a new warehouse open its catalog together: each puts the
    file in WAL mode first, and SQLite refused a switch that raced another with
    "database is locked" (3 of 40 rounds of six processes before the lock)."""
    context = multiprocessing.get_context("fork")
    for round_ in range(60):
        path = tmp_path / f"round-{round_}" / layout.CATALOG_FILE
        barrier = context.Barrier(6)
        processes = [
            context.Process(target=_prepare_when_released, args=(str(path), barrier))
            for _ in range(6)
        ]
        for process in processes:
            process.start()
        for process in processes:
            process.join(60)
        assert [p.exitcode for p in processes] == [0] * 6, f"round {round_}"
