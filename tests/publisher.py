"""A worker process that publishes generations of a partition, for crash and
concurrency tests: real processes, real SIGKILL, the DAG's own publish code.

Generation ``g`` of a partition has ``1 + g % 4`` articles (ids ``g<g>-<k>``),
three entities per article and one reject, so any mix of two generations in
one partition shows in its ids. Each generation is published with
``pipeline.publish_partition`` and then its articles are rewritten alone
(cluster ids), as ``cluster_stories`` does.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from newsflow import store

#: The worker: ``go BASE`` forks a child publishing generations BASE, BASE+1, ...
#: forever and prints its pid; ``run BASE COUNT`` forks one that publishes COUNT
#: and exits (0 if all went well); ``reap PID`` waits for a child, prints its status.
ZYGOTE = r"""
import datetime as dt, itertools, os, sys, uuid
import pyarrow as pa
from newsflow import store
from newsflow.pipeline import publish_partition
from newsflow.settings import Settings

settings = Settings.from_env()
SOURCE, DAY = sys.argv[1], dt.date.fromisoformat(sys.argv[2])


def ids_of(gen):
    return [f"g{gen:07d}-{k}" for k in range(1 + gen % 4)]


def publish(gen):
    ids = ids_of(gen)
    staging = settings.warehouse / store.STAGING / SOURCE / DAY.isoformat() / uuid.uuid4().hex
    with store.PartitionWriter(staging) as writer:
        writer.write("articles", [{"article_id": a, "title": f"gen {gen}", "text": "x" * 5000}
                                  for a in ids])
        writer.write("entities", [{"article_id": a, "text": "X", "label": "ORG", "canonical": "X",
                                   "start_char": 0, "end_char": 1, "sentence": s}
                                  for a in ids for s in range(3)])
        writer.write("rejects", [{"raw_ref": f"g{gen:07d}-r", "stage": "extract",
                                  "reason": "not_an_article", "detail": "test"}])
    publish_partition({"source": SOURCE, "date": DAY.isoformat(), "run_id": f"gen-{gen:07d}",
                       "staging_dir": str(staging),
                       "started_at": dt.datetime.now(dt.UTC).isoformat(),
                       "pages_in": len(ids) + 1, "articles": len(ids), "rejects": 1,
                       "entities": 3 * len(ids)}, settings=settings)
    # what cluster_stories does next: rewrite the articles table alone
    table = store.read_partition(settings.warehouse, "articles", SOURCE, DAY)
    index = table.schema.get_field_index("cluster_id")
    table = table.set_column(index, "cluster_id", pa.array([f"c{gen}"] * table.num_rows))
    store.replace_partition(settings.warehouse, "articles", SOURCE, DAY, table)


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
        status = 1
        try:
            for gen in gens:
                publish(gen)
            status = 0
        finally:
            os._exit(status)
    print(pid, flush=True)
"""


def ids_of(gen: int) -> list[str]:
    return [f"g{gen:07d}-{k}" for k in range(1 + gen % 4)]


def gen_of(key: str) -> int:
    return int(key[1:8])


class Zygote:
    """The worker process, driven over its stdin."""

    def __init__(self, env: dict[str, str], source: str, day: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE, source, day],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.ask(None) == "ready"

    def ask(self, command: str | None) -> str:
        if command:
            self.process.stdin.write(command + "\n")
            self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def check_partition(root: Path, source: str, day: str) -> tuple[int | None, bool]:
    """The generation the partition holds (None if unpublished), checked whole.

    Also whether that generation has its ``runs`` row yet (a kill between
    the data's switch and the log's append leaves it without one).
    """
    if source not in store.partitions_of_date(root, "articles", dt.date.fromisoformat(day)):
        return None, False
    assert store.ensure_catalog(root)
    where = "WHERE source = ? AND date = ?::DATE"
    with store.connect(root) as con:  # read-only, as analysts open it
        articles = con.execute(f"SELECT article_id, cluster_id FROM articles {where}",
                               [source, day]).fetchall()  # fmt: skip
        entities = con.execute(f"SELECT article_id FROM entities {where}", [source, day]).fetchall()
        rejects = con.execute(f"SELECT raw_ref FROM rejects {where}", [source, day]).fetchall()
        runs = con.execute(f"SELECT run_id, articles, entities FROM runs {where}",
                           [source, day]).fetchall()  # fmt: skip
    gens = {gen_of(a) for a, _ in articles} | {gen_of(e) for (e,) in entities}
    gens |= {gen_of(r) for (r,) in rejects}
    assert len(gens) == 1, f"a partition mixing generations {sorted(gens)}"
    (gen,) = gens
    assert sorted(a for a, _ in articles) == ids_of(gen)
    assert {c for _, c in articles} <= {None, f"c{gen}"}
    assert sorted(e for (e,) in entities) == sorted(ids_of(gen) * 3)
    assert rejects == [(f"g{gen:07d}-r",)]
    logged = {int(run_id.removeprefix("gen-")): (n, e) for run_id, n, e in runs}
    assert max(logged, default=-1) <= gen, "runs logs a generation that was never current"
    for logged_gen, counts in logged.items():
        assert counts == (len(ids_of(logged_gen)), 3 * len(ids_of(logged_gen)))
    return gen, gen in logged
