"""
### news_daily

Yesterday's news, every day: for each source in `include/sources.yaml`, get
the partition's raw pages, clean them (trafilatura for HTML, newsflow's
text-mode cleaner for plain text), find the entities with spaCy and publish
the `articles`, `entities`, `rejects` and `runs` partitions for
`source=<id>/date=<data interval start>` into the DuckLake warehouse, one
transaction per partition.

* **Partition date** = the run's data interval start (daily intervals from
  `CronDataIntervalTimetable`), never `now()`: a backfill over a date range
  yields exactly those partitions.
* **One mapped task group per source** (`fetch` -> `extract` -> `enrich` ->
  `publish`): a failing source does not stop the others; its tasks retry with
  exponential backoff. `fetch` is the only task that touches the network (web
  sources: feeds, sitemaps, URL lists); it runs in the `newsflow_fetch` pool,
  which caps how many sources crawl at once, and keeps every response in the
  raw archive (WARC) that `extract` reads. For archive sources it is a no-op.
  `extract` cleans the pages (trafilatura, the text cleaner) into staged
  Parquet; `enrich` runs spaCy over them on the Celery queue `nlp`, in the
  `newsflow_nlp` pool, so NER workers (each holding the model once) scale
  apart from crawling and extraction; `publish` commits the partition.
* `cluster_stories` then groups the day's articles of all sources into
  stories (exact and near duplicates), `settle_names` decides each name's
  canonical form, label and GeoNames place across the whole corpus (so
  "Marseille" is one place and "Putin" Vladimir Putin in every article), and
  `check_quality` checks each
  source's partition (volume against its trailing average, empty text,
  missing dates, reject and duplicate rates), writing the `quality` table and
  failing on a failed check (it does not retry: the data will not change).
* `refresh_catalog` runs whatever happened before it: it makes sure the lake's
  views and `attach.sql` are current and emits the warehouse Asset (which
  schedules `news_warehouse_maintenance`); a failed source or check still
  fails the DAG run, through `fail_run_if_a_task_failed`.
* Tasks hand each other a staging path and counts, never page bodies.
* The business logic lives in the `newsflow` package; this file only wires it.
"""

from __future__ import annotations

import datetime as dt

import pendulum
from _common import DEFAULT_ARGS, NLP_QUEUE, refresh_catalog, settle_names
from airflow.sdk import CronDataIntervalTimetable, chain, dag, get_current_context, task, task_group

#: Caps how many sources crawl the web at once (``airflow pools set newsflow_fetch 4 ...``).
FETCH_POOL = "newsflow_fetch"
#: Caps how many NER tasks run at once, each holding a spaCy model
#: (``airflow pools set newsflow_nlp 2 ...``).
NLP_POOL = "newsflow_nlp"


def _partition_date() -> str:
    """The partition a task works on: the start of its DAG run's data interval."""
    interval_start = get_current_context()["data_interval_start"]
    return interval_start.date().isoformat()


def _run_id(source_id: str) -> str:
    """Names the ``runs`` row after the DAG run, the source and the try (the News page
    reads the DAG run back from it)."""
    from newsflow.jobs.runs import task_run_id

    context = get_current_context()
    return task_run_id(context["run_id"], source_id, context["ti"].try_number)


@dag(
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 11, 16, tz="UTC"),
    catchup=False,
    max_active_runs=3,
    doc_md=__doc__,
    tags=["newsflow", "daily"],
    default_args={**DEFAULT_ARGS, "max_retry_delay": dt.timedelta(minutes=10)},
)
def news_daily() -> None:
    @task
    def list_sources() -> list[str]:
        """Read the source registry at run time, not at parse time."""
        from newsflow.jobs.sources import source_ids

        return source_ids()

    @task_group
    def partition(source_id: str) -> None:
        """Fetch, extract, enrich, then publish one source's partition."""

        @task(pool=FETCH_POOL)
        def fetch(source_id: str) -> dict:
            from airflow.sdk.exceptions import AirflowFailException

            from newsflow.jobs.daily import DiscoveryFailed, fetch_partition

            try:
                return fetch_partition(source_id, _partition_date())
            except DiscoveryFailed as e:
                if e.transient:
                    raise  # retried with backoff
                raise AirflowFailException(str(e)) from e

        @task
        def extract(fetched: dict) -> dict:
            from newsflow.jobs.daily import extract_partition

            return extract_partition(fetched)

        @task(queue=NLP_QUEUE, pool=NLP_POOL)
        def enrich(extracted: dict) -> dict:
            from newsflow.jobs.daily import enrich_partition

            return enrich_partition(extracted)

        @task
        def publish(enriched: dict) -> dict:
            from newsflow.jobs.daily import publish_partition

            return publish_partition(enriched, run_id=_run_id(enriched["source"]))

        publish(enrich(extract(fetch(source_id))))

    @task(trigger_rule="all_done")
    def cluster_stories() -> dict:
        """Group the day's articles of every source into stories (duplicates)."""
        from newsflow.jobs.upkeep import cluster_stories

        return cluster_stories(_partition_date())

    @task(retries=0)
    def check_quality(source_id: str) -> dict:
        """Volume, empty text, missing dates, rejects, duplicates; fails on a failed check."""
        from newsflow.jobs.upkeep import check_quality

        return check_quality(source_id, _partition_date())

    @task(trigger_rule="one_failed", retries=0)
    def fail_run_if_a_task_failed() -> None:
        """The catalog task runs whatever happened, so it cannot say the run failed."""
        raise RuntimeError("a source or a check of this run failed: see the failed tasks")

    sources = list_sources()
    steps = [
        partition.expand(source_id=sources),
        cluster_stories(),
        settle_names(),
        check_quality.expand(source_id=sources),
        refresh_catalog(),
    ]
    chain(*steps)
    steps >> fail_run_if_a_task_failed()


news_daily()
