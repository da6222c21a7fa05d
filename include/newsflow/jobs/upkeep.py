"""The jobs that run across partitions once they are published: stories, checks, catalog, lake.

Every DAG that writes the warehouse ends with these, and so do the commands
that do the same work (``newsflow run``, ``import-archive``, ``reprocess``,
``warehouse init`` and ``warehouse maintain``).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator

import pyarrow as pa

from newsflow.config import Settings
from newsflow.jobs.runs import as_date, log_stage
from newsflow.nlp import corpus, dedupe
from newsflow.nlp.gazetteer import Gazetteer, load_gazetteer
from newsflow.nlp.given_names import load_given_names
from newsflow.nlp.labels import PLACE_LABELS
from newsflow.warehouse import commit, maintenance, quality, queries, search

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


#: Every name's votes: its mentions per label, as the articles alone gave them (a lake
#: written before the corpus vote has only ``canonical`` and ``label``).
_NAME_VOTES = """
SELECT coalesce(ner_canonical, canonical), coalesce(ner_label, label), count(*)
FROM entities GROUP BY ALL
"""
#: Every entity row of the articles holding a row the settled names would change: a
#: name or label that differs, a place not yet linked, a row from before the vote.
_UNSETTLED_ROWS = """
WITH unsettled AS (
    SELECT DISTINCT e.source, e.date, e.article_id
    FROM entities AS e
    JOIN settled AS s ON s.ner_canonical = coalesce(e.ner_canonical, e.canonical)
    WHERE e.canonical IS DISTINCT FROM s.canonical OR e.label IS DISTINCT FROM s.label
       OR e.ner_label IS NULL OR (s.linkable AND e.geonames_id IS NULL)
)
SELECT e.source, e.date, e.article_id, e.start_char,
       coalesce(e.ner_canonical, e.canonical) AS ner_canonical,
       coalesce(e.ner_label, e.label) AS ner_label
FROM entities AS e
JOIN unsettled AS u ON u.source = e.source AND u.date = e.date AND u.article_id = e.article_id
ORDER BY e.source, e.date, e.article_id
"""
#: Rows of the unsettled articles read into Python at once: what bounds the memory of
#: settling, whatever the number of rows it rewrites.
_SETTLE_BATCH_ROWS = 20_000


def settle_names(*, settings: Settings | None = None) -> dict:
    """Decide every name's canonical form, label and place across the corpus, and write them.

    Runs after each publish (the DAGs, ``newsflow run``, imports, reprocessing):
    the votes of every entity row are read again, so the decision is the
    corpus's as it now stands, and only the articles whose rows it changes are
    rewritten (:func:`newsflow.warehouse.commit.set_entity_names`).
    """
    settings = settings or Settings.current()
    lake = settings.lake()
    gazetteer = load_gazetteer()
    with commit.writer(lake) as con:
        votes = con.execute(_NAME_VOTES).fetchall()
        settled = corpus.settle_names(votes, gazetteer, load_given_names())
        con.register("settled", _settled_table(settled, gazetteer))
        reader = con.execute(_UNSETTLED_ROWS).to_arrow_reader(_SETTLE_BATCH_ROWS)
        articles = list(_settled_articles(_articles(reader), settled, gazetteer))
    updates = pa.Table.from_batches(articles, schema=_SETTLED_SCHEMA)
    changed = commit.set_entity_names(lake, updates) if updates.num_rows else 0
    result = {"names": len(settled), "articles": _count_articles(updates), "changed": changed}
    log_stage("names", "*", "*", **result)
    return result


def _settled_table(settled: dict[str, corpus.SettledName], gazetteer: Gazetteer) -> pa.Table:
    """The settled names as a table to join: ``ner_canonical, canonical, label, linkable``."""
    names = list(settled)
    return pa.table(
        {
            "ner_canonical": names,
            "canonical": [settled[n].canonical for n in names],
            "label": [settled[n].label for n in names],
            "linkable": [
                settled[n].label in PLACE_LABELS
                and bool(gazetteer.candidates(settled[n].canonical))
                for n in names
            ],
        }
    )


def _count_articles(rows: pa.Table) -> int:
    keys = (rows.column(c).to_pylist() for c in ("source", "date", "article_id"))
    return len(set(zip(*keys, strict=True)))


def _articles(reader: pa.RecordBatchReader) -> Iterator[list[dict]]:
    """Each article's rows, whole, from batches of rows ordered by article."""
    rows = itertools.chain.from_iterable(batch.to_pylist() for batch in reader)
    for _, article in itertools.groupby(rows, key=_article_key):
        yield list(article)


def _article_key(row: dict) -> tuple:
    return row["source"], row["date"], row["article_id"]


def _settled_articles(
    articles: Iterable[list[dict]], settled: dict[str, corpus.SettledName], gazetteer: Gazetteer
) -> Iterator[pa.RecordBatch]:
    """The articles' rows with their corpus name, label and place, in batches of about
    :data:`_SETTLE_BATCH_ROWS` rows; places are linked article by article."""
    done: list[dict] = []
    for rows in articles:
        for row in rows:
            name = settled[row["ner_canonical"]]
            row |= {"canonical": name.canonical, "label": name.label}
        places = corpus.link_places(((r["canonical"], r["label"]) for r in rows), gazetteer)
        for row in rows:
            place = places.get(row["canonical"]) if row["label"] in PLACE_LABELS else None
            row |= {
                "geonames_id": place and place.geonames_id,
                "country_code": place and place.country_code,
                "lat": place and place.lat,
                "lon": place and place.lon,
            }
        done += rows
        if len(done) >= _SETTLE_BATCH_ROWS:
            yield pa.RecordBatch.from_pylist(done, schema=_SETTLED_SCHEMA)
            done = []
    if done:
        yield pa.RecordBatch.from_pylist(done, schema=_SETTLED_SCHEMA)


_SETTLED_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("date", pa.date32()),
        ("article_id", pa.string()),
        ("start_char", pa.int32()),
        ("ner_canonical", pa.string()),
        ("ner_label", pa.string()),
        ("canonical", pa.string()),
        ("label", pa.string()),
        ("geonames_id", pa.int64()),
        ("country_code", pa.string()),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
    ]
)


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


def index_articles(*, settings: Settings | None = None) -> dict[str, object]:
    """Build the articles' full-text index again from the lake as it is now (``search``)."""
    settings = settings or Settings.current()
    report = search.build_index(settings.lake())
    log_stage("index", "*", "*", articles=report.articles, snapshot=report.snapshot_id,
              seconds=report.seconds)  # fmt: skip
    return {"articles": report.articles, "snapshot": report.snapshot_id, "seconds": report.seconds}
