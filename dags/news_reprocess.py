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
  clustered again per date, names settled across the corpus, then the catalog
  is refreshed.
"""

from __future__ import annotations

import pendulum
from _common import DEFAULT_ARGS, refresh_catalog, settle_names
from airflow.sdk import Param, dag, get_current_context, task


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
    default_args=DEFAULT_ARGS,
)
def news_reprocess() -> None:
    @task
    def plan() -> list[dict]:
        """Partitions whose recorded versions differ from the current ones."""
        from newsflow.jobs.reprocess import plan_reprocess

        params = get_current_context()["params"]
        return plan_reprocess(
            source_id=params["source"] or None,
            since=params["from"] or None,
            until=params["to"] or None,
            force=params["force"],
        )

    @task(max_active_tis_per_dagrun=2)
    def reprocess(partition: dict) -> dict:
        from newsflow.jobs.reprocess import reprocess

        return reprocess(partition)

    @task(trigger_rule="all_done")
    def cluster_stories(done: list[dict]) -> list[str]:
        from newsflow.jobs.reprocess import cluster_reprocessed

        return cluster_reprocessed(done)

    done = reprocess.expand(partition=plan())
    cluster_stories(done) >> settle_names() >> refresh_catalog()


news_reprocess()
