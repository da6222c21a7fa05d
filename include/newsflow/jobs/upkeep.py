"""The jobs that run across partitions once they are published: stories, checks, catalog, lake.

Every DAG that writes the warehouse ends with these, and so do the commands
that do the same work (``newsflow run``, ``import-archive``, ``reprocess``,
``warehouse init`` and ``warehouse maintain``).
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from newsflow.config import Settings
from newsflow.jobs.runs import as_date, log_stage
from newsflow.nlp import dedupe
from newsflow.warehouse import commit, maintenance, quality, queries

#: What clustering reads of the trailing days' articles (``dedupe.ArticleKey``'s fields).
_ARTICLE_KEYS = """
SELECT article_id, content_hash, fingerprint, ingested_at, date FROM articles
WHERE date BETWEEN ? AND ?
"""


def cluster_stories(date: str | dt.date, *, settings: Settings | None = None) -> dict:
    """Group the date's articles, every source together, into stories.

    Runs once all sources of the date are published, so the same wire story
    on five sites lands in one cluster; earlier stories of the trailing
    ``dedupe_days`` count as known, so a story repeated a day later is a
    duplicate too. Each partition whose clusters changed is rewritten
    atomically; an identical re-run rewrites nothing.
    """
    settings = settings or Settings.current()
    day = as_date(date)
    since = day - dt.timedelta(days=settings.dedupe_days)
    lake = settings.lake()
    with commit.writer(lake) as con:
        rows = con.execute(_ARTICLE_KEYS, [since, day]).fetchall()
    keys = [dedupe.ArticleKey(*row) for row in rows]
    assignments = dedupe.assign_clusters(
        [k for k in keys if k.date == day], [k for k in keys if k.date != day]
    )
    clusters = pa.table(
        {
            "article_id": pa.array(list(assignments), pa.string()),
            "cluster_id": pa.array([a.cluster_id for a in assignments.values()], pa.string()),
            "duplicate_of": pa.array([a.duplicate_of for a in assignments.values()], pa.string()),
        }
    )
    changed = commit.set_clusters(lake, day, clusters) if assignments else 0
    duplicates = sum(1 for a in assignments.values() if a.duplicate_of)
    log_stage(
        "cluster",
        "*",
        day,
        articles=len(assignments),
        duplicates=duplicates,
        changed=changed,
    )
    return {"date": day.isoformat(), "articles": len(assignments), "duplicates": duplicates}


def check_quality(
    source_id: str,
    date: str | dt.date,
    *,
    strict: bool = True,
    settings: Settings | None = None,
) -> dict:
    """Run the data-quality checks on a published partition and keep their results.

    Results land in the ``quality`` table whatever they say; then, if
    ``strict``, a failed check raises ``quality.QualityCheckFailed`` naming
    source, date and figure (the DAG's task fails; warnings only log).
    """
    settings = settings or Settings.current()
    day = as_date(date)
    lake = settings.lake()
    with commit.writer(lake) as con:
        results = quality.run_checks(con, source_id, day, settings.quality)
    rows = quality.quality_rows(results, checked_at=dt.datetime.now(dt.UTC))
    log_stage("quality", source_id, day, **{r.check: r.status for r in results})
    commit.replace_partition(lake, "quality", source_id, day, rows)
    if strict:
        quality.raise_for_failures(results)
    return {r.check: r.status for r in results}


def warehouse_counts(*, settings: Settings | None = None) -> dict[str, int]:
    """Rows per table across the warehouse: the metadata the DAGs attach to their Asset."""
    settings = settings or Settings.current()
    with commit.writer(settings.lake()) as con:
        return queries.table_counts(con, ("articles", "entities", "rejects"))


def refresh_catalog(*, settings: Settings | None = None) -> bool:
    """Make sure the lake has every table and view and ``attach.sql`` is current.

    Costs one catalog lookup and no commit when nothing changed.
    """
    settings = settings or Settings.current()
    with commit.writer(settings.lake()):
        return True


def maintain_warehouse(*, settings: Settings | None = None) -> dict[str, int]:
    """Compact the lake, expire snapshots older than ``snapshot_days``, delete dead files,
    and remove the staging folders killed or failed runs of any partition left
    (untouched for ``staging_hours``: ``maintenance.sweep_staging``)."""
    settings = settings or Settings.current()
    report = maintenance.maintain(settings.lake(), snapshot_days=settings.snapshot_days)
    swept = maintenance.sweep_staging(
        settings.warehouse, older_than=dt.timedelta(hours=settings.staging_hours)
    )
    return {**report.to_dict(), "staging_removed": len(swept)}
