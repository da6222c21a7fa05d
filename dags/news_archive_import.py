"""
### news_archive_import

Load an archive of old pages into the warehouse: a WARC file (`wget
--warc-file`, Common Crawl), a folder of saved `.html`/`.txt` pages (optional
sidecar `.json` with `url` and `date`) or a JSON-lines dump (`url`, `html` or
`text`, `date`).

* Trigger it by hand with the params `path` (on a disk every worker sees) and
  `source` (a registered source id).
* `plan` indexes the archive once and finds the partition dates (the date a
  page states, else the archive's date for it); `import_partition` is
  **mapped over those dates**, each one storing its pages in the partition's
  raw archive and publishing it with the daily pipeline's own code.
* Pages the source already holds (from daily runs or an earlier import) are
  not imported again: no duplicates, no lost rows.
* `settle_names` then decides every name's canonical form, label and place
  across the corpus the import added to.
* Resumable: a re-run of the same archive skips the partitions it already
  published.
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
    tags=["newsflow", "backfill"],
    params={
        "path": Param(type="string", minLength=1, description="archive file or folder"),
        "source": Param(type="string", pattern="^[a-z0-9_-]+$", description="source id"),
    },
    default_args=DEFAULT_ARGS,
)
def news_archive_import() -> None:
    @task
    def plan() -> dict:
        """Index the archive; the partitions still to import."""
        from newsflow.jobs.imports import plan_import

        params = get_current_context()["params"]
        return plan_import(params["path"], params["source"])

    @task
    def dates(planned: dict) -> list[str]:
        return planned["dates"]

    @task(max_active_tis_per_dagrun=2)
    def import_partition(date: str, planned: dict) -> dict:
        """Import one date's pages, publish the partition, cluster the date's stories."""
        from newsflow.jobs.imports import import_date

        return import_date(planned, date)

    planned = plan()
    imported = import_partition.partial(planned=planned).expand(date=dates(planned))
    imported >> settle_names() >> refresh_catalog()


news_archive_import()
