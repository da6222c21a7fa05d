"""A worker process that publishes generations of a partition, for crash and
concurrency tests: real processes, real SIGKILL, the DAG's own publish code.

Generation ``g`` of a partition has ``1 + g % 4`` articles (ids ``g<g>-<k>``),
three entities per article and one reject, so any mix of two generations in
one partition shows in its ids. Each generation is published with
``newsflow.jobs.daily.publish_partition`` (one lake transaction: the three tables and the
``runs`` row ``gen-<g>``) and then its articles get cluster ids with
``commit.set_clusters``, the second transaction ``cluster_stories`` makes.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from newsflow.warehouse import queries
from newsflow.warehouse.catalog import Lake
from support.paths import TESTS

#: The worker: ``go BASE`` forks a child publishing generations BASE, BASE+1, ...
#: forever and prints its pid; ``run BASE COUNT`` forks one that publishes COUNT
#: and exits (0 if all went well); ``reap PID`` waits for a child, prints its status.
#: Each child appends ``<gen> <snapshot id>`` to ``$NEWSFLOW_TEST_SNAPSHOTS`` (if
#: set) once a publish has returned, and logs to ``$NEWSFLOW_TEST_LOG`` (if set).
ZYGOTE = r"""
import datetime as dt, itertools, logging, os, sys, traceback, uuid
import pyarrow as pa
from newsflow.jobs.daily import publish_partition
from newsflow.config import Settings
from newsflow.warehouse import commit, layout
from support import tiny_warehouse as tiny

settings = Settings.from_env()
lake = settings.lake()
SOURCE, DAY = sys.argv[1], dt.date.fromisoformat(sys.argv[2])
LOG = os.environ.get("NEWSFLOW_TEST_SNAPSHOTS")
if os.environ.get("NEWSFLOW_TEST_LOG"):
    logging.basicConfig(filename=os.environ["NEWSFLOW_TEST_LOG"], level=logging.INFO)


def ids_of(gen):
    return [f"g{gen:07d}-{k}" for k in range(1 + gen % 4)]


def publish(gen):
    ids = ids_of(gen)
    staging = layout.staging_dir(settings.warehouse, SOURCE, DAY, uuid.uuid4().hex)
    tiny.stage(staging,
               articles=[tiny.article(a, title=f"gen {gen}", text="x" * 5000, content_hash=a,
                                      ingested_at=dt.datetime.now(dt.UTC)) for a in ids],
               entities=[tiny.entity(a, sentence=s) for a in ids for s in range(3)],
               rejects=[tiny.reject(f"g{gen:07d}-r")])
    result = publish_partition({"source": SOURCE, "date": DAY.isoformat(),
                                "staging_dir": str(staging),
                                "started_at": dt.datetime.now(dt.UTC).isoformat(),
                                "pages_in": len(ids) + 1, "articles": len(ids), "rejects": 1,
                                "entities": 3 * len(ids)},
                               run_id=f"gen-{gen:07d}", settings=settings)
    if LOG:
        with open(LOG, "a") as log:
            log.write(f"{gen} {result['snapshot_id']}\n")
    # what cluster_stories does next: a second transaction updating the articles
    clusters = pa.table({"article_id": pa.array(ids, pa.string()),
                         "cluster_id": pa.array([f"c{gen}"] * len(ids), pa.string()),
                         "duplicate_of": pa.array([None] * len(ids), pa.string())})
    commit.set_clusters(lake, DAY, clusters)


print("ready", flush=True)
for line in sys.stdin:
    command, *arguments = line.split()
    if command == "go":
        gens = itertools.count(int(arguments[0]))
    elif command == "run":
        gens = range(int(arguments[0]), int(arguments[0]) + int(arguments[1]))
    elif command == "reap":
        print(os.waitpid(int(arguments[0]), 0)[1], flush=True)
        continue
    pid = os.fork()
    if pid == 0:
        os.dup2(2, 1)  # stdout is this protocol's, not for DuckDB's progress bars
        status = 1
        try:
            for gen in gens:
                publish(gen)
            status = 0
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stderr.flush()
            os._exit(status)
    print(pid, flush=True)
"""


def ids_of(gen: int) -> list[str]:
    return [f"g{gen:07d}-{k}" for k in range(1 + gen % 4)]


def gen_of(key: str) -> int:
    return int(key[1:8])


def run_gen(run_id: str) -> int:
    return int(run_id.removeprefix("gen-"))


class Zygote:
    """The worker process, driven over its stdin; it imported the pipeline once,
    so forking a publisher costs milliseconds and a kill lands inside publishing."""

    def __init__(self, source: str, day: str, env: dict[str, str] | None = None) -> None:
        # its tracebacks and its children's, kept until close(); appending, so
        # that reading it (a seek) never moves where they write
        self.stderr = tempfile.TemporaryFile("a+")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE, source, day],
            env={**os.environ, "PYTHONPATH": str(TESTS), **(env or {})},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
        )
        assert self.ask(None) == "ready"

    def ask(self, command: str | None) -> str:
        if command:
            self.process.stdin.write(command + "\n")
            self.process.stdin.flush()
        answer = self.process.stdout.readline().strip()
        assert answer, f"the publisher process ended: {self.errors()}"
        return answer

    def errors(self) -> str:
        """The end of what the worker and its children wrote to stderr."""
        self.stderr.seek(0)
        return self.stderr.read()[-4000:]

    def run(self, base: int, count: int) -> int:
        """Fork a child publishing generations ``base`` .. ``base + count - 1``; its pid."""
        return int(self.ask(f"run {base} {count}"))

    def reap(self, pid: int) -> int:
        """Wait for a child; its ``os.waitpid`` status (a failure prints its traceback)."""
        status = int(self.ask(f"reap {pid}"))
        if os.WIFEXITED(status) and os.WEXITSTATUS(status):  # failed, not killed
            print(f"publisher {pid} failed: {self.errors()}")
        return status

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)
        self.stderr.close()


_WHERE = "WHERE source = $s AND date = $d"
_TABLES = {
    "articles": f"SELECT article_id, cluster_id FROM articles {_WHERE}",
    "entities": f"SELECT article_id FROM entities {_WHERE}",
    "rejects": f"SELECT raw_ref FROM rejects {_WHERE}",
    "runs": f"SELECT run_id, articles, entities FROM runs {_WHERE}",
}
_VIEWS = {
    "latest": f"SELECT run_id FROM latest_runs {_WHERE}",
    "snapshots": f"SELECT run_id, snapshot_id FROM run_snapshots {_WHERE} ORDER BY snapshot_id",
}


def _read_partition(lake: Lake, source: str, day: dt.date) -> dict[str, list[tuple]]:
    """Everything of one partition, read in one read-only transaction (one snapshot).

    Empty if the lake has no tables yet (a first publish killed early).
    """
    with queries.analyst(lake) as con:  # read-only and sandboxed, as analysts open it
        con.execute("BEGIN TRANSACTION")
        tables = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchone()[0]
        read = {}
        if tables:
            params = {"s": source, "d": day}
            read = {name: con.execute(sql, params).fetchall() for name, sql in _TABLES.items()}
            if any(read.values()):  # published: the views were made before the tables' rows
                read |= {name: con.execute(sql, params).fetchall() for name, sql in _VIEWS.items()}
        con.execute("COMMIT")
    return read


def check_partition(lake: Lake, source: str, day: str, *, expired: bool = False) -> int | None:
    """The generation the partition holds (None if never published), checked whole.

    Whole means: ``articles``, ``entities`` and ``rejects`` hold exactly one
    generation, every ``runs`` row has the counts of its own generation and
    came with a publish snapshot of its own (``run_snapshots``), and the
    newest of those snapshots, like ``latest_runs``, names the generation the
    data holds: tables and log changed together. Once maintenance has
    ``expired`` snapshots, only the runs rows of the kept ones have theirs.
    """
    if not lake.has_catalog():
        return None
    read = _read_partition(lake, source, dt.date.fromisoformat(day))
    if not any(read.values()):
        return None
    gens = {gen_of(a) for a, _ in read["articles"]} | {gen_of(e) for (e,) in read["entities"]}
    gens |= {gen_of(r) for (r,) in read["rejects"]}
    assert gens, f"runs rows without their data: {read['runs']}"
    assert len(gens) == 1, f"a partition mixing generations {sorted(gens)}"
    (gen,) = gens
    assert sorted(a for a, _ in read["articles"]) == ids_of(gen)
    assert {c for _, c in read["articles"]} <= {None, f"c{gen}"}
    assert sorted(e for (e,) in read["entities"]) == sorted(ids_of(gen) * 3)
    assert read["rejects"] == [(f"g{gen:07d}-r",)]
    for run_id, articles, entities in read["runs"]:
        n = len(ids_of(run_gen(run_id)))
        assert (articles, entities) == (n, 3 * n), f"{run_id}: counts of another generation"
    logged = {run_id for run_id, _, _ in read["runs"]}
    published = {run_id for run_id, _ in read["snapshots"]}
    assert published <= logged, f"publishes without their runs row: {published - logged}"
    if not expired:
        assert logged == published, f"runs rows without a publish: {logged - published}"
        assert run_gen(read["snapshots"][-1][0]) == gen, "the last publish is not the data's"
    assert read["latest"] == [(f"gen-{gen:07d}",)], "latest_runs names another run"
    return gen


def referenced_files(lake: Lake) -> set[Path]:
    """The Parquet files (data and deletes) the lake's current snapshot reads."""
    with lake.connect(read_only=True) as con:
        tables = [name for (name,) in con.execute("SHOW TABLES").fetchall()]
        rows = [
            row
            for table in tables
            for row in con.execute(
                "SELECT data_file, delete_file FROM ducklake_list_files('newsflow', ?)", [table]
            ).fetchall()
        ]
    return {Path(path) for row in rows for path in row if path}
