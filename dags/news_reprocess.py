"""
### news_reprocess

Extract and enrich published partitions again from their raw pages, without
the network: after a new extractor, a new spaCy model or a changed setting.

* Every partition's `runs` rows record the versions and settings that made it
  (`config_hash`: pipeline, extractor with trafilatura, spaCy model per
  language, thresholds). By default only partitions made by other versions
  than the current ones are redone; `force` redoes the whole range.
* Params: `source` (empty: all), `from` / `to` dates (empty: no bound),
  `force`.
* `plan` lists the partitions; `reprocess` is mapped over them; stories are
  clustered again per date, then the catalog is refreshed.
"""

from __future__ import annotations

import datetime as dt

import pendulum
from airflow.sdk import Asset, Param, dag, get_current_context, task

WAREHOUSE = Asset("newsflow://warehouse/articles")


@dag(
    schedule=None,
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=False,
    doc_md=__doc__,
    tags=["newsflow", "reprocess"],
    params={
        "source": Param("", type="string", description="source id; empty for all"),
        "from": Param("", type="string", description="first date YYYY-MM-DD; empty for all"),
        "to": Param("", type="string", description="last date YYYY-MM-DD; empty for all"),
        "force": Param(False, type="boolean", description="redo even if up to date"),
    },
    default_args={
        "owner": "newsflow",
        "retries": 2,
        "retry_delay": dt.timedelta(seconds=30),
        "retry_exponential_backoff": True,
    },
)
def news_reprocess() -> None:
    @task
    def plan() -> list[dict]:
        """Partitions whose recorded versions differ from the current ones."""
        from newsflow.jobs.pipeline import plan_reprocess

        params = get_current_context()["params"]
        return plan_reprocess(
            source_id=params["source"] or None,
            since=params["from"] or None,
            until=params["to"] or None,
            force=params["force"],
        )

    @task(max_active_tis_per_dagrun=2)
    def reprocess(partition: dict) -> dict:
        from newsflow.jobs.pipeline import reprocess_partition

        result = reprocess_partition(partition["source"], partition["date"])
        return {k: result[k] for k in ("source", "date", "articles", "rejects", "entities")}

    @task(trigger_rule="all_done")
    def cluster_stories(done: list[dict]) -> list[str]:
        from newsflow.jobs.pipeline import cluster_stories

        dates = sorted({item["date"] for item in done if item})
        for date in dates:
            cluster_stories(date)
        return dates

    @task(trigger_rule="all_done", outlets=[WAREHOUSE])
    def refresh_catalog() -> bool:
        from newsflow.jobs.pipeline import refresh_catalog, warehouse_counts

        # the Asset event carries the warehouse's row counts (shown in the UI)
        get_current_context()["outlet_events"][WAREHOUSE].extra = warehouse_counts()
        return refresh_catalog()

    done = reprocess.expand(partition=plan())
    cluster_stories(done) >> refresh_catalog()


news_reprocess()
