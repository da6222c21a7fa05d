"""
### news_daily

Yesterday's news, every day: for each source in `include/sources.yaml`, get
the partition's raw pages, clean them (trafilatura for HTML, newsflow's
text-mode cleaner for plain text), find the entities with spaCy and publish
the `articles`, `entities`, `rejects` and `runs` partitions for
`source=<id>/date=<data interval start>` into the DuckDB warehouse.

* **Partition date** = the run's data interval start (daily intervals from
  `CronDataIntervalTimetable`), never `now()`: a backfill over a date range
  yields exactly those partitions.
* **One mapped task group per source** (`fetch` -> `stage` -> `publish`): a
  failing source does not stop the others; its tasks retry with exponential
  backoff. `fetch` is the only task that touches the network (web sources:
  feeds, sitemaps, URL lists); it runs in the `newsflow_fetch` pool, which
  caps how many sources crawl at once, and keeps every response in the raw
  archive (WARC) that `stage` reads. For archive sources it is a no-op.
* Tasks hand each other a staging path and counts, never page bodies.
* The business logic lives in the `newsflow` package; this file only wires it.
"""

from __future__ import annotations

import datetime as dt

import pendulum
from airflow.sdk import Asset, CronDataIntervalTimetable, dag, get_current_context, task, task_group

WAREHOUSE = Asset("newsflow://warehouse/articles")
#: Caps how many sources crawl the web at once (``airflow pools set newsflow_fetch 4 ...``).
FETCH_POOL = "newsflow_fetch"


def _partition_date() -> str:
    """The partition a task works on: the start of its DAG run's data interval."""
    interval_start = get_current_context()["data_interval_start"]
    return interval_start.date().isoformat()


def _run_id(source_id: str) -> str:
    """Names the ``runs`` row: the DAG run, the source and the try."""
    context = get_current_context()
    return f"{context['run_id']}__{source_id}__try{context['ti'].try_number}"


@dag(
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 11, 16, tz="UTC"),
    catchup=False,
    max_active_runs=3,
    doc_md=__doc__,
    tags=["newsflow", "daily"],
    default_args={
        "owner": "newsflow",
        "retries": 2,
        "retry_delay": dt.timedelta(seconds=30),
        "retry_exponential_backoff": True,
        "max_retry_delay": dt.timedelta(minutes=10),
    },
)
def news_daily() -> None:
    @task
    def list_sources() -> list[str]:
        """Read the source registry at run time, not at parse time."""
        from newsflow.pipeline import source_ids

        return source_ids()

    @task_group
    def partition(source_id: str) -> None:
        """Fetch, stage, then publish one source's partition."""

        @task(pool=FETCH_POOL)
        def fetch(source_id: str) -> dict:
            from newsflow.pipeline import fetch_partition

            return fetch_partition(source_id, _partition_date(), run_id=_run_id(source_id))

        @task
        def stage(fetched: dict) -> dict:
            from newsflow.pipeline import stage_partition

            return stage_partition(
                fetched["source"],
                fetched["date"],
                run_id=_run_id(fetched["source"]),
                fetched=fetched,
            )

        @task
        def publish(staged: dict) -> dict:
            from newsflow.pipeline import publish_partition

            return publish_partition(staged)

        publish(stage(fetch(source_id)))

    @task(trigger_rule="all_done", outlets=[WAREHOUSE])
    def refresh_catalog() -> bool:
        """Create catalog views when new; runs even if a source failed."""
        from newsflow.pipeline import refresh_catalog

        return refresh_catalog()

    partition.expand(source_id=list_sources()) >> refresh_catalog()


news_daily()
