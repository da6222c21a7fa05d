"""A tiny warehouse of known rows, in the published hive layout, for view and quality tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from newsflow import store
from newsflow.store import SCHEMAS

ARTICLE_SCHEMA = SCHEMAS["articles"]
INGESTED = dt.datetime(2026, 11, 19, 6, tzinfo=dt.UTC)


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


def write_partitions(
    root: Path, table: str, rows: Mapping[tuple[str, str], Sequence[Mapping[str, object]]]
) -> None:
    """``{(source, date): rows}`` -> ``<root>/<table>/source=/date=/data.parquet``."""
    for (source, date), part in rows.items():
        folder = root / table / f"source={source}" / f"date={date}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(list(part), SCHEMAS[table]), folder / "data.parquet")


def connect(root: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the base views over the warehouse, as the catalog has them."""
    return store.open_views(root)
