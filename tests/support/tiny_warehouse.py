"""A tiny lake of known rows, committed as the pipeline commits, for view, quality and UI tests.

The rows go through the real commit code into a real DuckLake (SQLite catalog
under the root): :func:`publish` stages a partition and publishes it with its
``runs`` row in one transaction, as a pipeline run does; :func:`replace`
replaces one table's partitions without a run (as ``quality`` rows, or a
partition migrated without its history). Tests then read through
:func:`newsflow.warehouse.queries.analyst`, the connection analysts have.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

from newsflow.nlp import dedupe
from newsflow.records import Article, Entity, Reject, Run, Stage
from newsflow.warehouse import commit, layout
from newsflow.warehouse.catalog import Lake

INGESTED = dt.datetime(2026, 11, 19, 6, tzinfo=dt.UTC)

Rows = Sequence[object]


def article(article_id: str, **values: object) -> Article:
    """An article record with defaults for everything a test does not care about."""
    fields = {
        "url": f"https://news.example/{article_id}",
        "canonical_url": None,
        "title": f"Title {article_id}",
        "author": None,
        "authors": [],
        "published_at": dt.date(2026, 11, 16),
        "modified_at": None,
        "date_source": None,
        "site_name": None,
        "language": "en",
        "text": "Some text.",
        "word_count": 100,
        "content_hash": f"hash-{article_id}",
        "input_format": "html",
        "extractor_version": "test",
        "pipeline_version": "test",
        "ner_model": "en_core_web_sm-3.8.0",
        "entity_count": 0,
        "ingested_at": INGESTED,
        "raw_ref": f"{article_id}.html",
        "cluster_id": None,
        "duplicate_of": None,
    }
    fields.update(values)
    fields.setdefault("fingerprint", dedupe.fingerprint(fields["text"]))
    return Article(article_id=article_id, **fields)


def entity(article_id: str, **values: object) -> Entity:
    """An entity record of ``article_id``: "X", an ORG at 0-1, unless a test says otherwise."""
    fields = {
        "text": "X",
        "label": "ORG",
        "canonical": "X",
        "start_char": 0,
        "end_char": 1,
        "sentence": 0,
        "model": "en_core_web_sm-3.8.0",
    }
    fields |= values
    ner = {"ner_label": fields["label"], "ner_canonical": fields["canonical"]}
    return Entity(article_id=article_id, **(ner | fields))


def reject(raw_ref: str, **values: object) -> Reject:
    """A reject record: an extract-stage ``not_an_article`` unless a test says otherwise."""
    fields = {"url": None, "stage": Stage.EXTRACT, "reason": "not_an_article", "detail": "test"}
    return Reject(raw_ref=raw_ref, **{**fields, **values})


def run(run_id: str, **values: object) -> Run:
    """A ``runs`` record with zero counts and seconds unless a test says otherwise."""
    fields = {
        "started_at": INGESTED,
        "pages_in": 0,
        "articles": 0,
        "rejects": 0,
        "entities": 0,
        "seconds_extract": 0.0,
        "seconds_enrich": 0.0,
        "seconds_write": 0.0,
        "pipeline_version": "test",
        "extractor_version": "test",
        "models": "",
        "config_hash": "test",
    }
    return Run(run_id=run_id, **{**fields, **values})


def stage(staging: Path, *, articles: Rows = (), entities: Rows = (), rejects: Rows = ()) -> Path:
    """A staging folder holding these records, as the pipeline's enrich step leaves one."""
    with commit.PartitionWriter(staging) as writer:
        writer.write("articles", list(articles))
        writer.write("entities", list(entities))
        writer.write("rejects", list(rejects))
    return staging


def _day(date: str | dt.date) -> dt.date:
    return date if isinstance(date, dt.date) else dt.date.fromisoformat(date)


def publish(
    lake: Lake,
    source: str,
    date: str | dt.date,
    *,
    articles: Rows = (),
    entities: Rows = (),
    rejects: Rows = (),
    run_fields: Mapping[str, object] | None = None,
) -> int:
    """Stage one partition and publish it with its ``runs`` row, as a run does; its snapshot."""
    day = _day(date)
    staging = layout.staging_dir(lake.root, source, day, uuid.uuid4().hex)
    stage(staging, articles=articles, entities=entities, rejects=rejects)
    counts = {
        "pages_in": len(articles) + len(rejects),
        "articles": len(articles),
        "rejects": len(rejects),
        "entities": len(entities),
    }
    record = run(**{"run_id": f"tiny__{source}__{day}", **counts, **(run_fields or {})})
    return commit.publish_partition(lake, staging, source, day, record)


def publish_all(
    lake: Lake,
    articles: Mapping[tuple[str, str], Rows],
    entities: Mapping[tuple[str, str], Rows] | None = None,
    rejects: Mapping[tuple[str, str], Rows] | None = None,
) -> None:
    """:func:`publish` every ``(source, date)`` that has rows in any table."""
    entities, rejects = entities or {}, rejects or {}
    for source, date in sorted({*articles, *entities, *rejects}):
        key = (source, date)
        publish(
            lake,
            source,
            date,
            articles=articles.get(key, ()),
            entities=entities.get(key, ()),
            rejects=rejects.get(key, ()),
        )


def replace(lake: Lake, table: str, rows: Mapping[tuple[str, str], Rows]) -> None:
    """``{(source, date): rows}``: replace those partitions of ``table``, with no ``runs`` row."""
    for (source, date), part in rows.items():
        commit.replace_partition(lake, table, source, _day(date), list(part))


def lake_at(root: Path) -> Lake:
    """The embedded lake under ``root`` (SQLite catalog, the project's extension directory)."""
    return Lake.embedded(root)
