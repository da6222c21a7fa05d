"""Drive news_daily through Airflow's REST API against the distributed stack.

``run.sh`` starts PostgreSQL (Airflow's metadata database and the lake's
catalog database ``newsflow``), Redis, the scheduler, the dag-processor, the
api-server and three Celery workers (two on the ``default`` queue, one on
``nlp``); this script is the operator. It talks to
the api-server (as a user of the deployment would), reads the warehouse
through the lake, as an analyst does (``Settings.from_env().lake()``, the
PostgreSQL catalog ``NEWSFLOW_CATALOG`` names, ``queries.analyst``), and
kills a worker the way a machine dies (SIGKILL of its whole process group:
Celery's main process, its pool, the task supervisors and the task
processes). It checks:

1. Two runs (two archive dates) at once, undisturbed: both succeed, both
   ``default`` workers committed partitions to the PostgreSQL catalog, and
   publishes on the two workers overlapped in time; every ``enrich`` task (spaCy)
   ran on the ``nlp`` worker and no other task did. Each ``publish`` task's snapshot (its
   XCom) is a ``publish`` snapshot of the lake (``run_snapshots``) naming the
   same partition and run, and the catalog database holds those snapshots.
   Every partition has the article and reject counts of the sample archive's
   manifest and holds one version (see :func:`partition_state`).
2. In a run of another date, killing the worker that runs an ``extract`` task
   leads Airflow to retry that task on the surviving worker (the scheduler
   notices the missing heartbeats); the run succeeds; the partition holds the
   one run its ``publish`` task made and exactly one version; and the
   partitions equal those of an undisturbed run of the same
   code (``newsflow run`` into a reference warehouse of its own, embedded
   catalog): same counts, article ids, content hashes and entity mentions.

Everything it learns it prints: which worker ran which task, which worker
committed which snapshot, every try of the killed task. Any failed check
exits non-zero.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from newsflow.config import Settings
from newsflow.warehouse import layout, queries
from newsflow.warehouse.catalog import Lake, PostgresCatalog

T = TypeVar("T")

DAG_ID = "news_daily"
#: Tasks whose death may be survived: they have retries (check_quality has none).
RETRIED_TASK = "partition.extract"
ENRICH_TASK = "partition.enrich"
PUBLISH_TASK = "partition.publish"
#: What ``commit.in_transaction`` logs when another writer committed first.
CONFLICT_LOG = "conflict with another writer"


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S', time.gmtime())} [drive] {message}", flush=True)


class CheckFailed(Exception):
    """A property of the distributed run that does not hold."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)
    log(f"ok: {message}")


@dataclass
class Api:
    """A small client of Airflow 3's public REST API (JWT bearer auth)."""

    base: str
    username: str
    password: str
    token: str = ""

    def login(self) -> None:
        """SimpleAuthManager issues a JWT for a user and password at ``/auth/token``."""
        body = self._send(
            "POST", "/auth/token", {"username": self.username, "password": self.password}
        )
        self.token = body["access_token"]

    def _send(self, method: str, path: str, payload: Any = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        request.add_header("Accept", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def get(self, path: str) -> Any:
        return self._send("GET", path)

    def post(self, path: str, payload: Any) -> Any:
        return self._send("POST", path, payload)

    def patch(self, path: str, payload: Any) -> Any:
        return self._send("PATCH", path, payload)

    def _ti_path(self, run_id: str, task_id: str) -> str:
        return f"/api/v2/dags/{DAG_ID}/dagRuns/{urllib.parse.quote(run_id)}/taskInstances/{task_id}"

    def task_instances(self, run_id: str) -> list[dict]:
        path = f"/api/v2/dags/{DAG_ID}/dagRuns/{urllib.parse.quote(run_id)}/taskInstances"
        return self.get(f"{path}?limit=100")["task_instances"]

    def tries(self, run_id: str, task_id: str, map_index: int) -> list[dict]:
        return self.get(f"{self._ti_path(run_id, task_id)}/{map_index}/tries")["task_instances"]

    def return_value(self, run_id: str, task_id: str, map_index: int) -> Any:
        """What the task returned (its ``return_value`` XCom), as JSON."""
        path = f"{self._ti_path(run_id, task_id)}/xcomEntries/return_value"
        value = self.get(f"{path}?map_index={map_index}&deserialize=true")["value"]
        return json.loads(value) if isinstance(value, str) else value

    def log_text(self, run_id: str, task_id: str, map_index: int, try_number: int) -> str:
        """One try's task log, as text (to count what the task logged)."""
        path = f"{self._ti_path(run_id, task_id)}/logs/{try_number}"
        body = self.get(f"{path}?map_index={map_index}&full_content=true")
        return json.dumps(body.get("content", []))

    def run_state(self, run_id: str) -> str:
        return self.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{urllib.parse.quote(run_id)}")["state"]


def wait_until(
    predicate: Callable[[], T | None], *, timeout: float, what: str, every: float = 2.0
) -> T:
    """Poll ``predicate`` until it returns something truthy; that value is returned."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise CheckFailed(f"gave up after {timeout:.0f}s waiting for {what}")


def dag_is_serialized(api: Api) -> bool:
    try:
        api.get(f"/api/v2/dags/{DAG_ID}")
        return True
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return False
        raise


def trigger(api: Api, day: str) -> str:
    """Trigger the run whose partition is ``day``.

    A manual run of a ``CronDataIntervalTimetable`` DAG gets the interval
    inferred from its logical date (the last whole day *before* it), so the run
    would process the day before. We pass the interval explicitly, as a
    scheduled run of that day would have it: start = ``day`` 00:00 UTC,
    end = the next midnight, logical date = the start.
    """
    start = f"{day}T00:00:00Z"
    end = f"{dt.date.fromisoformat(day) + dt.timedelta(days=1)}T00:00:00Z"
    run_id = f"distributed__{day}__{int(time.time())}"
    body = api.post(
        f"/api/v2/dags/{DAG_ID}/dagRuns",
        {
            "dag_run_id": run_id,
            "logical_date": start,
            "data_interval_start": start,
            "data_interval_end": end,
            "note": "make test-distributed",
        },
    )
    log(
        f"triggered {run_id}: logical_date={body['logical_date']} "
        f"data_interval={body['data_interval_start']} .. {body['data_interval_end']}"
    )
    check(
        body["data_interval_start"].startswith(day),
        f"the run's data interval starts on {day}, so its partition date is {day}",
    )
    return run_id


def wait_for_run(api: Api, run_id: str, timeout: float) -> None:
    def finished() -> str | None:
        state = api.run_state(run_id)
        return state if state in ("success", "failed") else None

    state = wait_until(finished, timeout=timeout, what=f"run {run_id} to finish", every=3)
    if state != "success":
        print_table(api.task_instances(run_id), f"task instances of the failed run {run_id}")
    check(state == "success", f"run {run_id} succeeded")


def short(worker: str | None) -> str:
    return (worker or "-").split("@")[0]


def print_table(tis: list[dict], title: str) -> None:
    """Which worker ran which task: one line per task instance (mapped: one per source)."""
    print(f"\n{title}", flush=True)
    header = f"  {'task':<28} {'map':>3}  {'state':<16} {'try':>3}  {'worker':<8} {'seconds':>7}"
    print(header)
    print("  " + "-" * (len(header) - 2))
    for ti in sorted(tis, key=lambda t: (t.get("start_date") or "~", t["task_id"], t["map_index"])):
        seconds = f"{ti['duration']:.1f}" if ti.get("duration") is not None else "-"
        print(
            f"  {ti['task_id']:<28} {ti['map_index']:>3}  {ti['state'] or '-':<16} "
            f"{ti['try_number']:>3}  {short(ti.get('hostname')):<8} {seconds:>7}"
        )
    print(flush=True)


# ---------------------------------------------------------------- commits


@dataclass(frozen=True)
class Publish:
    """One successful ``publish`` task: where it ran, when, and the snapshot it committed."""

    dag_run: str
    map_index: int
    worker: str
    started: dt.datetime
    ended: dt.datetime
    source: str
    date: str
    run_id: str  # the ``runs`` row's run_id
    snapshot_id: int


def _when(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def publishes(api: Api, dag_run: str) -> list[Publish]:
    """The run's publish tasks, joined to what each returned (source, date, snapshot)."""
    found = []
    for ti in api.task_instances(dag_run):
        if ti["task_id"] != PUBLISH_TASK:
            continue
        if ti["state"] != "success":
            raise CheckFailed(f"{PUBLISH_TASK}[{ti['map_index']}] of {dag_run}: {ti['state']}")
        value = api.return_value(dag_run, PUBLISH_TASK, ti["map_index"])
        found.append(
            Publish(
                dag_run=dag_run,
                map_index=ti["map_index"],
                worker=short(ti.get("hostname")),
                started=_when(ti["start_date"]),
                ended=_when(ti["end_date"]),
                source=value["source"],
                date=value["date"],
                run_id=value["run_id"],
                snapshot_id=int(value["snapshot_id"]),
            )
        )
    return found


@dataclass(frozen=True)
class Commit:
    """A publish task and the snapshot the lake says it committed."""

    publish: Publish
    committed: dt.datetime  # the snapshot's time
    seconds: float  # the runs row's seconds_publish: partition lock, attach, deletes, inserts

    @property
    def opened(self) -> dt.datetime:
        """About when the publish began to write: its lake transaction's window opens."""
        return self.committed - dt.timedelta(seconds=self.seconds)


def check_commits(lake: Lake, done: list[Publish]) -> list[Commit]:
    """Each publish's snapshot is in the lake, as that publish's (partition, run)."""
    with queries.analyst(lake) as con:
        rows = con.execute(
            "SELECT s.snapshot_id, s.run_id, s.source, s.date, s.snapshot_time, r.seconds_publish"
            " FROM run_snapshots AS s JOIN runs AS r USING (run_id, source, date)"
        ).fetchall()
    snapshots = {row[0]: row[1:] for row in rows}
    print("\n  publish snapshots in the PostgreSQL catalog, by the worker that committed them")
    columns = f"{'snapshot':>8}  {'committed':<12} {'writing':>7}  {'partition':<26} {'worker':<6}"
    print(f"  {columns} run")
    commits = []
    for p in sorted(done, key=lambda p: p.snapshot_id):
        if p.snapshot_id not in snapshots:
            raise CheckFailed(f"snapshot {p.snapshot_id} of {p} is no publish snapshot of the lake")
        run_id, source, date, committed, seconds = snapshots[p.snapshot_id]
        if (run_id, source, str(date)) != (p.run_id, p.source, p.date):
            raise CheckFailed(
                f"snapshot {p.snapshot_id} says {(run_id, source, date)}, its task {p}"
            )
        commits.append(Commit(p, committed, seconds))
        print(
            f"  {p.snapshot_id:>8}  {committed:%H:%M:%S.%f}"[:-3]
            + f" {seconds:>6.2f}s  {p.source + '/' + p.date:<26} {p.worker:<6} {p.run_id}"
        )
    print(flush=True)
    check(
        True,
        f"each of the {len(done)} publish tasks' snapshots is a publish snapshot of the lake "
        "naming the task's partition and run",
    )
    return commits


def _overlaps(
    commits: list[Commit], window: Callable[[Commit], tuple[dt.datetime, dt.datetime]]
) -> tuple[list[tuple[Commit, Commit, float]], int]:
    """Pairs of commits by different workers whose windows overlap (seconds), of how many."""
    pairs = [(a, b) for i, a in enumerate(commits) for b in commits[i + 1 :]]
    pairs = [(a, b) for a, b in pairs if a.publish.worker != b.publish.worker]
    overlapping = []
    for a, b in pairs:
        (a0, a1), (b0, b1) = window(a), window(b)
        seconds = (min(a1, b1) - max(a0, b0)).total_seconds()
        if seconds > 0:
            overlapping.append((a, b, seconds))
    return sorted(overlapping, key=lambda pair: -pair[2]), len(pairs)


def check_concurrent(commits: list[Commit]) -> None:
    """Publish tasks on different workers ran at the same time (overlapping windows).

    Judged on the tasks' windows (Airflow's start and end). The lake
    transactions inside them (lock, attach, deletes, inserts) last about a
    second here, so whether two of them overlap as well is printed, not judged.
    """
    tasks, pairs = _overlaps(commits, lambda c: (c.publish.started, c.publish.ended))
    for a, b, seconds in tasks:
        log(
            f"  {a.publish.worker} published {a.publish.source}/{a.publish.date} while "
            f"{b.publish.worker} published {b.publish.source}/{b.publish.date}: "
            f"{seconds:.1f}s together (snapshots {a.publish.snapshot_id}, "
            f"{b.publish.snapshot_id})"
        )
    check(
        bool(tasks),
        f"publishes on the two workers ran concurrently: {len(tasks)} of {pairs} "
        "cross-worker pairs of publish tasks overlapped in time",
    )
    writes, _ = _overlaps(commits, lambda c: (c.opened, c.committed))
    detail = ", ".join(
        f"snapshots {a.publish.snapshot_id}/{b.publish.snapshot_id} {seconds:.2f}s"
        for a, b, seconds in writes
    )
    log(
        f"lake transactions of the two workers open at the same time: {len(writes)} of "
        f"{pairs} pairs{': ' + detail if detail else ''}"
    )


def count_conflict_retries(api: Api, dag_runs: list[str]) -> None:
    """How often a task's commit met another writer's and retried (printed, not judged).

    Read from the task logs through the API; how many publish logs show their
    ``stage=publish`` line says whether those logs were readable at all.
    """
    retries: collections.Counter[str] = collections.Counter()
    publish_logs = readable = 0
    for dag_run in dag_runs:
        for ti in api.task_instances(dag_run):
            if ti["state"] != "success":
                continue
            text = api.log_text(dag_run, ti["task_id"], ti["map_index"], ti["try_number"])
            if ti["task_id"] == PUBLISH_TASK:
                publish_logs += 1
                readable += "stage=publish" in text
            if n := text.count(CONFLICT_LOG):
                retries[f"{ti['task_id']}[{ti['map_index']}]@{short(ti.get('hostname'))}"] += n
    detail = ", ".join(f"{k} x{n}" for k, n in sorted(retries.items())) or "none"
    log(
        f"commits retried after another writer's conflicting commit: {detail} "
        f"({readable} of {publish_logs} publish logs read show their stage=publish line)"
    )


def check_catalog_database(lake: Lake, done: list[Publish]) -> None:
    """The snapshots live in PostgreSQL: ask the catalog database itself, not DuckDB."""
    import psycopg2

    assert isinstance(lake.catalog, PostgresCatalog)
    with contextlib.closing(psycopg2.connect(lake.catalog.dsn)) as con, con.cursor() as cursor:
        cursor.execute(
            "SELECT snapshot_id FROM ducklake_snapshot_changes"
            " WHERE commit_message LIKE 'publish %'"
        )
        in_postgres = {snapshot for (snapshot,) in cursor.fetchall()}
    missing = {p.snapshot_id for p in done} - in_postgres
    check(
        not missing,
        f"PostgreSQL database {dsn_field(lake, 'dbname')} holds every publish snapshot "
        f"({len(in_postgres)} publish snapshots in ducklake_snapshot_changes)",
    )


def dsn_field(lake: Lake, key: str) -> str:
    assert isinstance(lake.catalog, PostgresCatalog)
    fields = dict(item.split("=", 1) for item in lake.catalog.dsn.split())
    return fields.get(key, "?")


def check_lake_setup(lake: Lake) -> None:
    """The lake under test has the PostgreSQL catalog, named without its password."""
    check(
        isinstance(lake.catalog, PostgresCatalog),
        f"NEWSFLOW_CATALOG names a PostgreSQL catalog: {lake.catalog.attach_target()}",
    )
    attach = (lake.root / layout.ATTACH_FILE).read_text()
    password = os.environ.get("PGPASSWORD", "")
    check(
        "ducklake:postgres:" in attach and (not password or password not in attach),
        f"{lake.root / layout.ATTACH_FILE} attaches the PostgreSQL catalog, without its password",
    )
    check(
        not (lake.root / layout.CATALOG_FILE).exists(),
        f"no embedded catalog file beside the data path {lake.data_path}",
    )


# ---------------------------------------------------------------- partitions


#: What :func:`partition_state` asks of each partition: name -> query (params ``$s``, ``$d``).
PARTITION_QUERIES = {
    "articles": "SELECT count(*), count(DISTINCT article_id) FROM articles"
    " WHERE source = $s AND date = $d",
    "rejects": "SELECT count(*) FROM rejects WHERE source = $s AND date = $d",
    # mentions counted once per (article, offsets, label); entities of no article of the partition
    "entities": "SELECT count(*),"
    " count(DISTINCT (e.article_id, e.start_char, e.end_char, e.label)),"
    " count(*) FILTER (WHERE a.article_id IS NULL)"
    " FROM entities AS e LEFT JOIN (SELECT DISTINCT article_id FROM articles"
    "   WHERE source = $s AND date = $d) AS a USING (article_id)"
    " WHERE e.source = $s AND e.date = $d",
    "quality": "SELECT count(*) FROM quality WHERE source = $s AND date = $d",
    "runs": "SELECT list(run_id ORDER BY finished_at) FROM runs WHERE source = $s AND date = $d",
    "latest": "SELECT run_id, pages_in, articles, rejects, entities FROM latest_runs"
    " WHERE source = $s AND date = $d",
    "ids": "SELECT list(article_id ORDER BY article_id), list(content_hash ORDER BY article_id)"
    " FROM articles WHERE source = $s AND date = $d",
    # what the partition's own run found (ner_*): label and canonical are the corpus's,
    # and the reference warehouse holds only the kill date, the lake three dates
    "mentions": "SELECT md5(coalesce(string_agg(concat_ws(':', article_id, start_char, end_char,"
    " ner_label, ner_canonical), ',' ORDER BY article_id, start_char, end_char, ner_label), ''))"
    " FROM entities WHERE source = $s AND date = $d",
}


def _partition(con: Any, source: str, date: dt.date) -> dict[str, Any]:
    row = {
        name: con.execute(sql, {"s": source, "d": date}).fetchone()
        for name, sql in PARTITION_QUERIES.items()
    }
    return {
        "articles": row["articles"][0],
        "distinct_ids": row["articles"][1],
        "rejects": row["rejects"][0],
        "entities": row["entities"][0],
        "distinct_mentions": row["entities"][1],
        "orphan_entities": row["entities"][2],
        "quality_rows": row["quality"][0],
        "runs": row["runs"][0] or [],
        "latest": row["latest"],
        "article_ids": row["ids"][0] or [],
        "content_hashes": row["ids"][1] or [],
        "mentions_md5": row["mentions"][0],
    }


def partition_state(lake: Lake, day: str, sources: list[str]) -> dict[str, dict[str, Any]]:
    """What the lake holds for every source's partition of ``day`` (one snapshot)."""
    date = dt.date.fromisoformat(day)
    with queries.analyst(lake) as con:
        con.execute("BEGIN TRANSACTION")  # every query reads the same snapshot
        state = {source: _partition(con, source, date) for source in sources}
        con.execute("COMMIT")
    return state


def check_one_version(source: str, day: str, got: dict[str, Any]) -> None:
    """The partition is one run's whole output: nothing doubled, nothing left over."""
    where = f"{source}/{day}"
    if got["latest"] is None:
        raise CheckFailed(f"{where}: no runs row")
    run_id, pages_in, articles, rejects, entities = got["latest"]
    if got["articles"] != got["distinct_ids"]:
        raise CheckFailed(f"{where}: duplicate article ids ({got['articles']} rows)")
    if got["entities"] != got["distinct_mentions"] or got["orphan_entities"]:
        raise CheckFailed(f"{where}: entities doubled or of other articles: {got}")
    if (got["articles"], got["rejects"], got["entities"]) != (articles, rejects, entities):
        raise CheckFailed(f"{where}: tables hold other counts than its run {run_id}: {got}")
    if pages_in != got["articles"] + got["rejects"]:
        raise CheckFailed(f"{where}: pages in {pages_in} != articles + rejects ({got})")
    if not got["quality_rows"]:
        raise CheckFailed(f"{where}: no quality rows")


def check_partitions(
    lake: Lake, day: str, sources: list[str], manifest: list[dict]
) -> dict[str, dict[str, Any]]:
    """Every source's partition matches the manifest and holds one version."""
    state = partition_state(lake, day, sources)
    print(f"\n  partition {day} (lake {lake.root}, catalog {lake.catalog.attach_target()})")
    print(
        f"  {'source':<16} {'pages in':>8} {'articles':>8} {'rejects':>8} {'entities':>8} "
        f"{'runs':>4}   manifest pages/articles/rejects"
    )
    for source in sources:
        expected = collections.Counter(
            e["expect"] for e in manifest if e["source"] == source and e["date"] == day
        )
        pages = sum(1 for e in manifest if e["source"] == source and e["date"] == day)
        got = state[source]
        pages_in = got["latest"][1] if got["latest"] else 0
        print(
            f"  {source:<16} {pages_in:>8} {got['articles']:>8} {got['rejects']:>8} "
            f"{got['entities']:>8} {len(got['runs']):>4}   "
            f"{pages}/{expected['article']}/{expected['reject']}"
        )
        if (pages_in, got["articles"], got["rejects"]) != (
            pages,
            expected["article"],
            expected["reject"],
        ):
            raise CheckFailed(f"{source}/{day}: {got} differs from the manifest {dict(expected)}")
        if not got["entities"]:
            raise CheckFailed(f"{source}/{day}: no entities")
        check_one_version(source, day, got)
    print(flush=True)
    check(
        True,
        f"{day}: pages in = articles + rejects = the manifest's pages for every source; "
        "each partition holds one version (no duplicate article ids or mentions)",
    )
    return state


# ---------------------------------------------------------------- the kill


def kill_a_worker_mid_task(api: Api, run_id: str, workers: dict[str, int]) -> tuple[dict, str]:
    """SIGKILL the worker that runs an ``extract`` task, as soon as one is running."""

    def running_extract() -> dict | None:
        for ti in api.task_instances(run_id):
            if ti["task_id"] == RETRIED_TASK and ti["state"] == "running" and ti.get("hostname"):
                return ti
        return None

    victim = wait_until(
        running_extract, timeout=300, what=f"a running {RETRIED_TASK} task", every=0.3
    )
    worker = short(victim["hostname"])
    if worker not in workers:
        raise CheckFailed(
            f"{RETRIED_TASK} runs on {victim['hostname']!r}, "
            f"not one of our workers {sorted(workers)}"
        )
    log(
        f"killing worker {worker} (SIGKILL to process group {workers[worker]}) while it runs "
        f"{victim['task_id']}[{victim['map_index']}] try {victim['try_number']}"
    )
    os.killpg(workers[worker], signal.SIGKILL)
    return victim, worker


def check_retry(api: Api, dag_run: str, victim: dict, killed: str) -> dict:
    """The killed try failed on the killed worker; a later try succeeded on the other."""
    tries = api.tries(dag_run, victim["task_id"], victim["map_index"])
    print(f"  every try of {victim['task_id']}[{victim['map_index']}]:")
    for t in tries:
        print(f"    try {t['try_number']}: {t['state'] or '-':<16} on {short(t.get('hostname'))}")
    print(flush=True)
    by_try = {t["try_number"]: t for t in tries}
    check(
        short(by_try[victim["try_number"]].get("hostname")) == killed
        and by_try[victim["try_number"]]["state"] != "success",
        f"try {victim['try_number']} ran on {killed} and did not succeed (its worker was killed)",
    )
    final = by_try[max(by_try)]
    survivor = short(final.get("hostname"))
    check(
        final["state"] == "success"
        and survivor != killed
        and final["try_number"] > victim["try_number"],
        f"the task was retried (try {final['try_number']}) on the surviving worker {survivor} "
        "and succeeded",
    )
    return final


def check_killed_partition(
    done: list[Publish], state: dict[str, dict[str, Any]], victim: dict, day: str
) -> None:
    """The partition whose extract was killed holds the one run its publish task made."""
    (publish,) = [p for p in done if p.map_index == victim["map_index"]]
    got = state[publish.source]
    check(
        got["latest"][0] == publish.run_id and got["runs"] == [publish.run_id],
        f"{publish.source}/{day} holds one run, {publish.run_id} (snapshot "
        f"{publish.snapshot_id}), made by the run's publish task after the killed extract "
        f"was retried; runs of the partition: {got['runs']}",
    )


def check_queues(api: Api, runs: list[str], nlp_worker: str) -> None:
    """spaCy runs where operators put it: every enrich task on the nlp worker, nothing else."""
    ran = [
        (ti["task_id"], short(ti["hostname"]))
        for run in runs
        for ti in api.task_instances(run)
        if ti.get("hostname")
    ]
    enrich_on = collections.Counter(worker for task, worker in ran if task == ENRICH_TASK)
    others_on_nlp = sorted({t for t, worker in ran if t != ENRICH_TASK and worker == nlp_worker})
    check(
        set(enrich_on) == {nlp_worker} and not others_on_nlp,
        f"queue nlp: all {sum(enrich_on.values())} enrich tasks ran on {nlp_worker} "
        f"(by worker: {dict(enrich_on)}); other tasks on {nlp_worker}: {others_on_nlp or 'none'}",
    )


def check_equals_reference(
    disturbed: dict[str, dict[str, Any]], undisturbed: dict[str, dict[str, Any]], day: str
) -> None:
    keys = ("articles", "rejects", "entities", "article_ids", "content_hashes", "mentions_md5")
    for source, a in disturbed.items():
        b = undisturbed[source]
        differ = [k for k in keys if a[k] != b[k]]
        if differ:
            raise CheckFailed(
                f"{source}/{day}: after the kill {differ} differ from the undisturbed run: "
                f"{ {k: a[k] for k in differ} } vs { {k: b[k] for k in differ} }"
            )
    check(
        True,
        f"{day} after the kill equals an undisturbed run (newsflow run, embedded catalog): same "
        "articles, rejects, entities, article ids, content hashes and mentions for every source",
    )


# ---------------------------------------------------------------- main


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--api", required=True, help="api-server base URL, e.g. http://127.0.0.1:8080"
    )
    parser.add_argument("--username", default="admin")
    parser.add_argument(
        "--password-file", type=Path, required=True, help="SimpleAuthManager passwords JSON"
    )
    parser.add_argument(
        "--worker", action="append", required=True, help="NAME=PGID of a default-queue worker"
    )
    parser.add_argument("--nlp-worker", required=True, help="NAME of the nlp-queue worker")
    parser.add_argument("--reference-warehouse", type=Path, required=True)
    parser.add_argument("--manifest", type=Path, required=True)
    parser.add_argument("--sources", nargs="+", required=True)
    parser.add_argument(
        "--concurrent-dates",
        nargs="+",
        default=["2026-11-16", "2026-11-17"],
        help="dates run at once, undisturbed",
    )
    parser.add_argument("--kill-date", default="2026-11-18", help="the date of the killed run")
    parser.add_argument("--run-timeout", type=float, default=600)
    return parser.parse_args()


def start_reference(args: argparse.Namespace) -> tuple[subprocess.Popen, Lake, Path]:
    """The undisturbed reference for the kill date, run while Airflow works.

    Exactly the code the DAG's tasks call, one process, a warehouse of its own
    with the embedded catalog (the catalog kind must not change the result).
    """
    env = dict(os.environ, NEWSFLOW_WAREHOUSE=str(args.reference_warehouse), NEWSFLOW_CATALOG="")
    log_path = args.reference_warehouse.parent / "reference.log"
    process = subprocess.Popen(
        [
            "bash",
            "-c",
            'for s in "$@"; do newsflow run --source "$s" --date "$0" || exit 1; done',
            args.kill_date,
            *args.sources,
        ],
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )
    return process, Settings.from_env(env).lake(), log_path


def main() -> int:
    args = parse_args()
    workers = {name: int(pgid) for name, pgid in (w.split("=", 1) for w in args.worker)}
    manifest = json.loads(args.manifest.read_text())
    password = json.loads(args.password_file.read_text())[args.username]
    lake = Settings.from_env().lake()
    check_lake_setup(lake)
    reference, reference_lake, reference_log = start_reference(args)

    api = Api(args.api, args.username, password)
    api.login()
    log(f"logged in to {args.api} as {args.username} (JWT from /auth/token)")
    wait_until(
        lambda: dag_is_serialized(api), timeout=240, what=f"the dag-processor to serialize {DAG_ID}"
    )
    api.patch(f"/api/v2/dags/{DAG_ID}", {"is_paused": False})
    log(f"{DAG_ID} unpaused")

    # 1. Runs of two dates at once: both workers commit partitions, concurrently.
    runs = [trigger(api, day) for day in args.concurrent_dates]
    for run in runs:
        wait_for_run(api, run, args.run_timeout)
    for run in runs:
        print_table(api.task_instances(run), f"run {run}: which worker ran which task")
    done = [p for run in runs for p in publishes(api, run)]
    commits = check_commits(lake, done)
    by_worker = collections.Counter(c.publish.worker for c in commits)
    check(
        set(by_worker) == set(workers),
        "both default-queue workers committed partitions to the PostgreSQL catalog: "
        + ", ".join(f"{w} {n} snapshots" for w, n in sorted(by_worker.items())),
    )
    check_concurrent(commits)
    count_conflict_retries(api, runs)
    for day in args.concurrent_dates:
        check_partitions(lake, day, args.sources, manifest)

    # 2. A worker dies mid-task: the task is retried on the other one.
    second = trigger(api, args.kill_date)
    victim, killed = kill_a_worker_mid_task(api, second, workers)
    wait_for_run(api, second, args.run_timeout)
    print_table(
        api.task_instances(second), f"run {second}: which worker ran which task ({killed} killed)"
    )
    check_retry(api, second, victim, killed)
    after_kill = publishes(api, second)
    check_commits(lake, after_kill)
    disturbed = check_partitions(lake, args.kill_date, args.sources, manifest)
    check_killed_partition(after_kill, disturbed, victim, args.kill_date)
    check_queues(api, [*runs, second], args.nlp_worker)
    check_catalog_database(lake, done + after_kill)

    if reference.wait(timeout=300) != 0:
        raise CheckFailed(f"the reference run failed: see {reference_log}")
    undisturbed = partition_state(reference_lake, args.kill_date, args.sources)
    check_equals_reference(disturbed, undisturbed, args.kill_date)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except CheckFailed as e:
        log(f"FAILED: {e}")
        sys.exit(1)
