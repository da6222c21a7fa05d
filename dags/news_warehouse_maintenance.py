"""
### news_warehouse_maintenance

Upkeep of the DuckLake warehouse, so nobody has to remember it. Runs whenever
a DAG has written to the warehouse (the `newsflow://warehouse/articles` Asset:
`news_daily`, `news_reprocess`, `news_archive_import`), at most one run at a
time:

* **merge** each source's month of small Parquet files (a publish writes one
  per table and day; re-runs and cluster updates add more) into one file per
  table, so the files every query lists grow with months, not with partitions;
* **expire** snapshots older than `NEWSFLOW_SNAPSHOT_DAYS` (default 7): time
  travel (`newsflow query --at`) reaches that far back;
* **delete** data files no remaining snapshot references, and orphans that a
  killed writer left before its commit (once an hour old);
* **index** the articles for full-text search again (`index_articles`: a BM25
  index with DuckDB's `fts` extension, `<root>/search.duckdb`, replaced whole),
  which `newsflow search`, the News page and `search.search_articles(...)` in
  SQL read.

Each step is DuckLake's own maintenance function
(`ducklake_merge_adjacent_files`, `ducklake_expire_snapshots`,
`ducklake_cleanup_old_files`, `ducklake_delete_orphaned_files`); commits that
meet a running publish are retried, so it never fails a writer or itself.
The same work: `newsflow warehouse maintain`.
"""

from __future__ import annotations

import datetime as dt

import pendulum
from _common import DEFAULT_ARGS, WAREHOUSE
from airflow.sdk import dag, task


@dag(
    schedule=[WAREHOUSE],
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["newsflow", "maintenance"],
    # compacting years of partitions may outlast a partition task's deadline
    default_args={
        **DEFAULT_ARGS,
        "retry_delay": dt.timedelta(minutes=1),
        "execution_timeout": dt.timedelta(hours=6),
    },
)
def news_warehouse_maintenance() -> None:
    @task
    def maintain() -> dict[str, int]:
        """Merge, expire, clean up; returns file and snapshot counts (shown in the task's XCom)."""
        from newsflow.jobs.upkeep import maintain_warehouse

        return maintain_warehouse()

    @task
    def index_articles() -> dict[str, object]:
        """The full-text index rebuilt from the lake's current snapshot."""
        from newsflow.jobs.upkeep import index_articles

        return index_articles()

    maintain() >> index_articles()


news_warehouse_maintenance()
