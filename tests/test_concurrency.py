"""Concurrent readers and writers: nobody fails, nobody sees half a partition.

Analysts hold ``newsflow.duckdb`` open read-only all day while runs publish;
sources of one date run as parallel tasks. Real processes throughout: the
readers are DuckDB connections in their own interpreters, the writers are
forked publishers (``tests/publisher.py``) running the DAG's publish code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from publisher import Zygote, check_partition, ids_of

from conftest import ROOT, STORY, article_html
from newsflow import store
from newsflow.pipeline import run_partition

DAY = "2026-11-16"
SOAK = os.environ.get("NEWSFLOW_SOAK") == "1"
PUBLISHES = 200 if SOAK else 20
#: Publishes per writer when two write at once.
EACH = 100 if SOAK else 6

#: An analyst: one read-only connection, one query after another until stdin
#: closes. Each query reads all three tables of the partition at once; the
#: reader counts errors, tables that are not one whole generation, and
#: queries whose tables disagree on the generation.
READER = r"""
import json, sys, threading, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
source, day = sys.argv[2], sys.argv[3]
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
QUERY = '''
SELECT (SELECT [list(DISTINCT left(article_id, 8)), [count(*)::VARCHAR]]
        FROM articles WHERE source = $s AND date = $d),
       (SELECT [list(DISTINCT left(article_id, 8)), [count(*)::VARCHAR]]
        FROM entities WHERE source = $s AND date = $d),
       (SELECT [list(DISTINCT left(raw_ref, 8)), [count(*)::VARCHAR]]
        FROM rejects WHERE source = $s AND date = $d)
'''
seen = {"queries": 0, "errors": [], "partial": [], "mixed": [], "generations": set()}
print("open", flush=True)


def whole(gens, count, per_article):
    return len(gens) == 1 and count == per_article * (1 + int(gens[0][1:]) % 4)


while not stop.is_set():
    try:
        tables = con.execute(QUERY, {"s": source, "d": day}).fetchone()
    except duckdb.Error as error:
        seen["errors"].append(str(error)[:300])
        continue
    seen["queries"] += 1
    (a, [na]), (e, [ne]), (r, [nr]) = [(t[0] or [], t[1]) for t in tables]
    # each table, read in one scan, must be one whole generation
    if not (whole(a, int(na), 1) and whole(e, int(ne), 3) and len(r) == 1 and nr == "1"):
        seen["partial"].append([a, na, e, ne, r, nr])
    gens = {int(g[1:]) for g in a + e + r}
    if len(gens) > 1:  # tables of one statement from different generations
        seen["mixed"].append(sorted(gens))
    seen["generations"] |= gens
seen["generations"] = len(seen["generations"])
print(json.dumps(seen), flush=True)
"""


def start_reader(catalog: Path, source: str, day: str) -> subprocess.Popen:
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(catalog), source, day],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout.readline().strip() == "open"
    return reader


def stop_reader(reader: subprocess.Popen) -> dict:
    out, _ = reader.communicate(timeout=60)
    return json.loads(out.strip().splitlines()[-1])


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "include")}


def publish(zygote: Zygote, base: int, count: int) -> int:
    """Start ``count`` publishes in a forked child; return its pid."""
    return int(zygote.ask(f"run {base} {count}"))


def test_a_reader_in_a_loop_through_publishes_never_sees_an_error_or_half_a_partition(
    warehouse,
):
    zygote = Zygote(env(), "gazette", DAY)
    try:
        assert int(zygote.ask(f"reap {publish(zygote, 0, 1)}")) == 0
        assert store.ensure_catalog(warehouse)
        reader = start_reader(warehouse / store.CATALOG, "gazette", DAY)
        try:
            assert int(zygote.ask(f"reap {publish(zygote, 1, PUBLISHES)}")) == 0
        finally:
            seen = stop_reader(reader)
    finally:
        zygote.close()
    print(f"reader: {seen['queries']} queries through {PUBLISHES} publishes, "
          f"{seen['generations']} generations seen, errors {len(seen['errors'])}, "
          f"partial {len(seen['partial'])}, mixed {len(seen['mixed'])}")  # fmt: skip
    assert seen["errors"] == []
    assert seen["partial"] == []
    # Each view picks its generation when it runs: one statement reading two
    # tables while a publish switches may pair neighbouring generations. Rare
    # (README, Reliability), whole on each side; not a torn table.
    assert len(seen["mixed"]) <= seen["queries"] // 20
    assert seen["queries"] >= PUBLISHES and seen["generations"] > 1
    assert check_partition(warehouse, "gazette", DAY) == (PUBLISHES, True)


def publish_at_once(writers: list[tuple[str, int]]) -> list[int]:
    """``(source, first generation)`` per writer process, each publishing
    ``EACH`` times, all at once; their exit codes."""
    zygotes = [Zygote(env(), source, DAY) for source, _ in writers]
    try:
        pids = [publish(z, base, EACH) for z, (_, base) in zip(zygotes, writers, strict=True)]
        return [int(z.ask(f"reap {pid}")) for z, pid in zip(zygotes, pids, strict=True)]
    finally:
        for zygote in zygotes:
            zygote.close()


def test_two_processes_publishing_different_partitions_at_once_leave_both_whole(warehouse):
    assert publish_at_once([("alpha", 0), ("beta", 0)]) == [0, 0]
    for source in ("alpha", "beta"):
        assert check_partition(warehouse, source, DAY) == (EACH - 1, True)
    with store.connect(warehouse) as con:
        runs = con.execute("SELECT source, count(*) FROM runs GROUP BY ALL ORDER BY 1").fetchall()
    assert runs == [("alpha", EACH), ("beta", EACH)]


def test_two_processes_publishing_the_same_partition_take_turns(warehouse):
    """Same partition from two writers (a retry racing a still-running attempt):
    the partition lock serialises them, so the result is one of them, whole."""
    assert publish_at_once([("gazette", 0), ("gazette", 1000)]) == [0, 0]
    gen, logged = check_partition(warehouse, "gazette", DAY)
    assert gen in (EACH - 1, 1000 + EACH - 1) and logged
    with store.connect(warehouse) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (2 * EACH,)
    assert len(ids_of(gen)) == 1 + gen % 4


LONG_QUERY = r"""
import json, sys, threading, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
print("open", flush=True)
seen = {"queries": 0, "errors": [], "dates": []}
while not stop.is_set():
    try:
        # long: a cross join that keeps the connection busy for a while
        con.execute("SELECT count(*) FROM articles, range(3000000)").fetchone()
        rows = con.execute("SELECT DISTINCT date::VARCHAR FROM articles").fetchall()
        seen["dates"] = sorted(d for (d,) in rows)
        seen["queries"] += 1
    except duckdb.Error as error:
        seen["errors"].append(str(error)[:300])
print(json.dumps(seen), flush=True)
"""


def test_an_analyst_running_long_queries_during_runs_does_not_make_them_fail(
    make_archive, warehouse
):
    later = "2026-11-17"
    make_archive(
        {
            DAY: {"bridge.html": article_html(title="Bridge", paragraphs=STORY)},
            later: {"ferry.html": article_html(title="Ferry", paragraphs=STORY[::-1])},
        }
    )
    run_partition("gazette", DAY)
    analyst = subprocess.Popen(
        [sys.executable, "-c", LONG_QUERY, str(warehouse / store.CATALOG)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert analyst.stdout.readline().strip() == "open"
    try:
        assert run_partition("gazette", later)["articles"] == 1
        assert run_partition("gazette", DAY)["articles"] == 1  # a re-run, too
    finally:
        seen = stop_reader(analyst)
    assert seen["errors"] == []
    assert seen["queries"] >= 1
    # the new partition shows up in the analyst's open connection, no reconnect needed
    assert later in seen["dates"]
