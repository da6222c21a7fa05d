"""What names and describes a partition run: its id, its date, its log lines.

A ``runs`` row is named by its ``run_id``. news_daily's tasks name theirs after
the Airflow DAG run (:func:`task_run_id`), and the News page reads the DAG run
back from it to link a partition to the run that wrote it (:func:`dag_run_id`):
the format and its parser live side by side so they cannot drift apart. The
other ways a partition is (re)made name their runs here too.

Only the standard library: the News page imports this module in the Airflow
api-server, which should not load the pipeline (spaCy, trafilatura) for it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import uuid

log = logging.getLogger(__name__)


def task_run_id(dag_run_id: str, source_id: str, try_number: int) -> str:
    """news_daily's name for a task's run: the DAG run, the source and the try."""
    return f"{dag_run_id}__{source_id}__try{try_number}"


def dag_run_id(run_id: str, source_id: str) -> str | None:
    """The Airflow DAG run inside a :func:`task_run_id`; None for runs started otherwise
    (``newsflow run``, reprocessing, imports)."""
    match = re.fullmatch(rf"(?P<run>.+)__{re.escape(source_id)}__try\d+", run_id)
    return match["run"] if match else None


def manual_run_id() -> str:
    """A run started outside Airflow (``newsflow run``): the time and a random suffix."""
    return f"manual__{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}_{uuid.uuid4().hex[:8]}"


def reprocess_run_id(source_id: str) -> str:
    return f"reprocess__{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}__{source_id}"


def import_run_id(input_id: str, date: str) -> str:
    return f"import__{input_id}__{date}"


#: A partition date as text: ``YYYY-MM-DD`` and nothing else (``fromisoformat`` alone
#: also takes ``20261116`` and ``2026-W47-1``).
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def as_date(value: str | dt.date) -> dt.date:
    """A partition date from what tasks hand each other (ISO text) or a date.

    Text must be exactly ``YYYY-MM-DD``: anything after it (``2026-11-16garbage``)
    is an error, not cut off, so a typo never runs some other partition.
    """
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError as e:  # 2026-02-30
            raise ValueError(f"invalid date {value!r}: {e}") from e
    raise ValueError(f"invalid date {value!r}: expected YYYY-MM-DD")


def log_stage(stage: str, source: str, date: str | dt.date, **figures: object) -> None:
    """One structured line per stage in the task log: ``stage=… source=… date=… k=v…``.

    Values are JSON, so the lines parse back (``grep 'stage=' | …``) for
    dashboards and alerts.
    """
    fields = " ".join(
        f"{k}={json.dumps(v, default=str, separators=(',', ':'))}" for k, v in figures.items()
    )
    log.info("stage=%s source=%s date=%s %s", stage, source, date, fields)
