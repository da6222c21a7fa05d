"""What the newsflow DAGs share: the warehouse Asset, their default_args, the names and
catalog tasks.

Not a DAG file: ``.airflowignore`` keeps the DAG processor from parsing it; the
DAG files import it from the DAGs folder, which Airflow puts on ``sys.path``.
Like them, it imports ``newsflow`` only inside tasks, so parsing stays light.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import Asset, get_current_context, task

#: What every DAG that writes the warehouse emits; news_warehouse_maintenance runs on it.
WAREHOUSE = Asset("newsflow://warehouse/articles")

#: The Celery queue of the tasks that run spaCy: the workers that serve it hold a
#: model each (``airflow celery worker --queues nlp``); the others serve ``default``.
NLP_QUEUE = "nlp"

#: Retries with exponential backoff from 30 seconds, and a deadline for every try:
#: a hung task fails (and is retried) instead of holding a worker slot for days.
#: Two hours is four times the default fetch budget (NEWSFLOW_FETCH_BUDGET, 30
#: minutes) and far over a day's extraction; a DAG adds or overrides keys.
DEFAULT_ARGS = {
    "owner": "newsflow",
    "retries": 2,
    "retry_delay": dt.timedelta(seconds=30),
    "retry_exponential_backoff": True,
    "execution_timeout": dt.timedelta(hours=2),
}


@task(trigger_rule="all_done")
def settle_names() -> dict:
    """One canonical name, label and place per name across the corpus, after the publishes.

    Runs whatever happened before it: the partitions that did land get their names.
    """
    from newsflow.jobs import upkeep

    return upkeep.settle_names()


@task(trigger_rule="all_done", outlets=[WAREHOUSE])
def refresh_catalog() -> bool:
    """Lake views and attach.sql current; runs even if a task before it failed.

    Emits the warehouse Asset, its event carrying the warehouse's row counts
    (shown in the UI).
    """
    from newsflow.jobs import upkeep

    get_current_context()["outlet_events"][WAREHOUSE].extra = upkeep.warehouse_counts()
    return upkeep.refresh_catalog()
