"""Drive news_daily through Airflow's REST API against the distributed stack.

``run.sh`` starts PostgreSQL, Redis, the scheduler, the dag-processor, the
api-server and two Celery workers; this script is the operator. It only talks
to the api-server (as a user of the deployment would), reads the warehouse the
workers share, and kills a worker the way a machine dies (SIGKILL of its whole
process group: Celery's main process, its pool, the task supervisors and the
task processes). It checks:

1. An undisturbed run of one archive date succeeds, its tasks ran on both
   workers, and the warehouse holds every table's partition of that date for
   every source, with the article and reject counts the sample archive's
   manifest promises.
2. In a run of another date, killing the worker that runs a ``stage`` task
   leads Airflow to retry that task on the surviving worker (the scheduler
   notices the missing heartbeats), the run succeeds, and the partitions equal
   those of an undisturbed run of the same code (``newsflow run`` into a
   reference warehouse of its own): same counts, same article ids.

Everything it learns it prints: which worker ran which task, every try of the
killed task. Any failed check exits non-zero.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DAG_ID = "news_daily"
TABLES = ("articles", "entities", "rejects", "runs", "quality")
#: Tasks whose death may be survived: they have retries (check_quality has none).
RETRIED_TASK = "partition.stage"


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

    def task_instances(self, run_id: str) -> list[dict]:
        path = f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances?limit=100"
        return self.get(path)["task_instances"]

    def tries(self, run_id: str, task_id: str, map_index: int) -> list[dict]:
        path = f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{task_id}/{map_index}/tries"
        return self.get(path)["task_instances"]

    def run_state(self, run_id: str) -> str:
        return self.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}")["state"]


def wait_until(predicate, *, timeout: float, what: str, every: float = 2.0):
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


def partition_counts(warehouse: Path, day: str, sources: list[str]) -> dict[str, dict[str, Any]]:
    """Rows per table and the article ids of every source's partition of ``day``.

    Read through ``newsflow.store``, the pipeline's own reader: a partition's
    folder may hold several generations of files, and only the store knows
    which one is current.
    """
    from newsflow import store

    date = dt.date.fromisoformat(day)
    counts: dict[str, dict[str, Any]] = {}
    for source in sources:
        counts[source] = {}
        for table in ("articles", "entities", "rejects"):
            data = store.read_partition(warehouse, table, source, date)
            counts[source][table] = 0 if data is None else data.num_rows
            if table == "articles":
                ids = [] if data is None else data.column("article_id").to_pylist()
                counts[source]["article_ids"] = sorted(ids)
    return counts


def check_partitions(warehouse: Path, day: str, sources: list[str], manifest: list[dict]) -> dict:
    """Every table's partition exists for every source, with the manifest's counts."""
    from newsflow import store

    date = dt.date.fromisoformat(day)
    for source in sources:
        for table in TABLES:
            if table == "runs":  # a log: one file per run of the partition
                found = any(store.partition_dir(warehouse, table, source, date).glob("*.parquet"))
            else:
                found = store.read_partition(warehouse, table, source, date) is not None
            if not found:
                raise CheckFailed(f"no {table} partition for {source}/{day} in {warehouse}")
    check(True, f"all {len(TABLES)} tables have a {day} partition for each of {', '.join(sources)}")
    counts = partition_counts(warehouse, day, sources)
    print(f"\n  partition {day} (warehouse {warehouse})")
    print(
        f"  {'source':<16} {'articles':>8} {'rejects':>8} {'entities':>8}"
        "   manifest articles/rejects"
    )
    for source in sources:
        expected = collections.Counter(
            e["expect"] for e in manifest if e["source"] == source and e["date"] == day
        )
        got = counts.get(source, {})
        print(
            f"  {source:<16} {got.get('articles', 0):>8} {got.get('rejects', 0):>8} "
            f"{got.get('entities', 0):>8}   {expected['article']}/{expected['reject']}"
        )
        if (got.get("articles"), got.get("rejects")) != (expected["article"], expected["reject"]):
            raise CheckFailed(
                f"{source}/{day}: counts {got} differ from the manifest {dict(expected)}"
            )
        if not got.get("entities"):
            raise CheckFailed(f"{source}/{day}: no entities")
    print(flush=True)
    check(True, f"{day}: articles and rejects of every source match the sample archive's manifest")
    return counts


def kill_a_worker_mid_task(api: Api, run_id: str, workers: dict[str, int]) -> tuple[dict, str]:
    """SIGKILL the worker that runs a ``stage`` task, as soon as one is running."""

    def running_stage() -> dict | None:
        for ti in api.task_instances(run_id):
            if ti["task_id"] == RETRIED_TASK and ti["state"] == "running" and ti.get("hostname"):
                return ti
        return None

    victim = wait_until(
        running_stage, timeout=300, what=f"a running {RETRIED_TASK} task", every=0.3
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--api", required=True, help="api-server base URL, e.g. http://127.0.0.1:8080"
    )
    parser.add_argument("--username", default="admin")
    parser.add_argument(
        "--password-file", type=Path, required=True, help="SimpleAuthManager passwords JSON"
    )
    parser.add_argument(
        "--worker", action="append", required=True, help="NAME=PGID of a Celery worker"
    )
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--reference-warehouse", type=Path, required=True)
    parser.add_argument("--manifest", type=Path, required=True)
    parser.add_argument("--sources", nargs="+", required=True)
    parser.add_argument("--first-date", default="2026-11-17")
    parser.add_argument("--second-date", default="2026-11-18")
    parser.add_argument("--run-timeout", type=float, default=420)
    args = parser.parse_args()

    workers = {name: int(pgid) for name, pgid in (w.split("=", 1) for w in args.worker)}
    manifest = json.loads(args.manifest.read_text())
    password = json.loads(args.password_file.read_text())[args.username]

    # The undisturbed reference for the second date: exactly the code the DAG's
    # tasks call, one process, its own warehouse. It runs while Airflow works.
    reference_env = dict(os.environ, NEWSFLOW_WAREHOUSE=str(args.reference_warehouse))
    reference_log = (args.reference_warehouse.parent / "reference.log").open("w")
    reference = subprocess.Popen(
        [
            "bash",
            "-c",
            'for s in "$@"; do newsflow run --source "$s" --date "$0" || exit 1; done',
            args.second_date,
            *args.sources,
        ],
        env=reference_env,
        stdout=reference_log,
        stderr=subprocess.STDOUT,
    )

    api = Api(args.api, args.username, password)
    api.login()
    log(f"logged in to {args.api} as {args.username} (JWT from /auth/token)")
    wait_until(
        lambda: dag_is_serialized(api), timeout=240, what=f"the dag-processor to serialize {DAG_ID}"
    )
    api.patch(f"/api/v2/dags/{DAG_ID}", {"is_paused": False})
    log(f"{DAG_ID} unpaused")

    # 1. An undisturbed run: both workers take part; every partition is there.
    first = trigger(api, args.first_date)
    wait_for_run(api, first, args.run_timeout)
    tis = api.task_instances(first)
    print_table(tis, f"run {first}: which worker ran which task")
    used = {short(ti["hostname"]) for ti in tis if ti.get("hostname")}
    check(used == set(workers), f"tasks ran on both workers: {sorted(used)}")
    check_partitions(args.warehouse, args.first_date, args.sources, manifest)

    # 2. A worker dies mid-task: the task is retried on the other one.
    second = trigger(api, args.second_date)
    victim, killed = kill_a_worker_mid_task(api, second, workers)
    wait_for_run(api, second, args.run_timeout)
    print_table(
        api.task_instances(second), f"run {second}: which worker ran which task ({killed} killed)"
    )
    tries = api.tries(second, victim["task_id"], victim["map_index"])
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
    disturbed = check_partitions(args.warehouse, args.second_date, args.sources, manifest)

    if reference.wait(timeout=300) != 0:
        raise CheckFailed(f"the reference run failed: see {reference_log.name}")
    undisturbed = partition_counts(args.reference_warehouse, args.second_date, args.sources)
    for source in args.sources:
        a, b = disturbed[source], undisturbed[source]
        same = all(a[k] == b[k] for k in ("articles", "rejects", "entities", "article_ids"))
        if not same:
            raise CheckFailed(
                f"{source}/{args.second_date}: after the kill {a} differs from undisturbed {b}"
            )
    check(
        True,
        f"{args.second_date} after the kill equals an undisturbed run (newsflow run): "
        "same articles, "
        "rejects, entities and article ids for every source",
    )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except CheckFailed as e:
        log(f"FAILED: {e}")
        sys.exit(1)
