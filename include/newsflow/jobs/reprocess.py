"""Reprocessing: partitions made by other versions redone from their raw pages, no network.

:func:`plan_reprocess` lists the partitions whose latest run recorded another
``config_hash`` than the current one; :func:`reprocess` redoes one of them and
:func:`cluster_reprocessed` clusters the stories of the dates they cover
again. news_reprocess maps the first over the plan and ends with the second;
``newsflow reprocess`` loops over the same two. :func:`preview_reprocess`
shows what a reprocess would change without publishing anything.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterable
from pathlib import Path

from newsflow.config import Settings
from newsflow.jobs.daily import config_hash, publish_partition, stage_partition
from newsflow.jobs.runs import as_date, reprocess_run_id
from newsflow.jobs.upkeep import cluster_stories
from newsflow.warehouse import commit
from newsflow.warehouse.catalog import glob_literal

#: What a reprocessed partition reports (the DAG task's XCom, the command's line).
SUMMARY = ("source", "date", "articles", "rejects", "entities")

_STALE_PARTITIONS = """
SELECT source, date::VARCHAR, config_hash FROM latest_runs
WHERE (? IS NULL OR source = ?)
  AND (? IS NULL OR date >= ?::DATE)
  AND (? IS NULL OR date <= ?::DATE)
ORDER BY date, source
"""

_PREVIEW_SQL = """
WITH before AS (
    SELECT article_id, content_hash FROM articles WHERE source = $source AND date = $date
), after AS (
    SELECT article_id, content_hash FROM read_parquet($staged, hive_partitioning = false)
)
SELECT (SELECT count(*) FROM before), (SELECT count(*) FROM after),
       count(*) FILTER (WHERE b.article_id IS NOT NULL AND a.article_id IS NOT NULL
                        AND b.content_hash IS DISTINCT FROM a.content_hash),
       count(*) FILTER (WHERE b.article_id IS NULL),
       count(*) FILTER (WHERE a.article_id IS NULL),
       (SELECT count(*) FROM entities WHERE source = $source AND date = $date),
       (SELECT count(*) FROM read_parquet($staged_entities, hive_partitioning = false))
FROM before AS b FULL OUTER JOIN after AS a USING (article_id)
"""

_PREVIEW_FIGURES = (
    "articles_before",
    "articles_after",
    "articles_changed",
    "articles_added",
    "articles_removed",
    "entities_before",
    "entities_after",
)


def plan_reprocess(
    *,
    source_id: str | None = None,
    since: str | None = None,
    until: str | None = None,
    force: bool = False,
    settings: Settings | None = None,
) -> list[dict]:
    """Published partitions made by other versions than the current ones.

    ``force`` lists every partition in the range. Each item is
    ``{"source": ..., "date": ...}``, ready for :func:`reprocess`.
    """
    settings = settings or Settings.current()
    current = config_hash(settings)
    params = [source_id, source_id, since, since, until, until]
    with commit.writer(settings.lake()) as con:
        rows = con.execute(_STALE_PARTITIONS, params).fetchall()
    return [
        {"source": source, "date": date}
        for source, date, made_by in rows
        if force or made_by != current
    ]


def reprocess_partition(
    source_id: str, date: str | dt.date, *, settings: Settings | None = None
) -> dict:
    """Extract and enrich a partition again from its raw pages (no network), publish it."""
    settings = settings or Settings.current()
    staged = stage_partition(source_id, date, settings=settings)
    return publish_partition(staged, run_id=reprocess_run_id(source_id), settings=settings)


def reprocess(partition: dict, *, settings: Settings | None = None) -> dict:
    """Redo one partition of the plan; its :data:`SUMMARY` figures."""
    result = reprocess_partition(partition["source"], partition["date"], settings=settings)
    return {k: result[k] for k in SUMMARY}


def cluster_reprocessed(
    done: Iterable[dict | None], *, settings: Settings | None = None
) -> list[str]:
    """Cluster again the stories of every date :func:`reprocess` redid, in date order.

    ``done`` may hold None for a partition whose task failed; its date is
    clustered only if another partition of it was redone.
    """
    settings = settings or Settings.current()
    dates = sorted({item["date"] for item in done if item})
    for date in dates:
        cluster_stories(date, settings=settings)
    return dates


def preview_reprocess(
    source_id: str, date: str | dt.date, *, settings: Settings | None = None
) -> dict:
    """What reprocessing the partition would change, without publishing anything.

    Stages the partition from its raw pages as :func:`reprocess_partition`
    would, compares it with the published one (articles by id and content
    hash; entity counts), then removes the staged files.
    """
    settings = settings or Settings.current()
    day = as_date(date)
    staged = stage_partition(source_id, day, settings=settings)
    folder = Path(staged["staging_dir"])
    params = {
        "source": source_id,
        "date": day,
        "staged": glob_literal(folder / "articles.parquet"),
        "staged_entities": glob_literal(folder / "entities.parquet"),
    }
    try:
        with commit.writer(settings.lake()) as con:
            figures = con.execute(_PREVIEW_SQL, params).fetchone()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "source": source_id,
        "date": day.isoformat(),
        **dict(zip(_PREVIEW_FIGURES, figures, strict=True)),
    }
