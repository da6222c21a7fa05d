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

from newsflow.warehouse import commit, layout
from newsflow.warehouse.catalog import Lake
from newsflow.warehouse.schema import SCHEMAS

ARTICLE_SCHEMA = SCHEMAS["articles"]
INGESTED = dt.datetime(2026, 11, 19, 6, tzinfo=dt.UTC)

Rows = Sequence[Mapping[str, object]]


def article(article_id: str, **values: object) -> dict:
    """An article row with defaults for everything a test does not care about."""
    row = dict.fromkeys(ARTICLE_SCHEMA.names)
    row.update(
        article_id=article_id,
        url=f"https://news.example/{article_id}",
        title=f"Title {article_id}",
        published_at=dt.date(2026, 11, 16),
        language="en",
        text="Some text.",
        word_count=100,
        content_hash=f"hash-{article_id}",
        ingested_at=INGESTED,
        entity_count=0,
        ner_model="en_core_web_sm-3.8.0",
    )
    row.update(values)
    return row


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
    run: Mapping[str, object] | None = None,
) -> int:
    """Stage one partition and publish it with its ``runs`` row, as a run does; its snapshot."""
    day = _day(date)
    staging = layout.staging_dir(lake.root, source, day, uuid.uuid4().hex)
    with commit.PartitionWriter(staging) as writer:
        writer.write("articles", list(articles))
        writer.write("entities", list(entities))
        writer.write("rejects", list(rejects))
    finished = INGESTED + dt.timedelta(minutes=1)
    run_row = {
        "run_id": f"tiny__{source}__{day}",
        "started_at": INGESTED,
        "finished_at": finished,
        "pages_in": len(articles) + len(rejects),
        "articles": len(articles),
        "rejects": len(rejects),
        "entities": len(entities),
        **(run or {}),
    }
    return commit.publish_partition(lake, staging, source, day, run_row)


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
        commit.replace_partition(lake, table, source, _day(date), [dict(r) for r in part])


def lake_at(root: Path) -> Lake:
    """The embedded lake under ``root`` (SQLite catalog, the project's extension directory)."""
    return Lake.embedded(root)
