"""The lake's tables: their columns, and how they are partitioned.

The pipeline's partition, the unit a publish replaces, is one source's day
(``source``, ``date``). The files are partitioned by ``source`` and the month
of ``date`` (DuckLake's ``PARTITIONED BY (source, year(date), month(date))``):
a query that names a source or a range of days opens only those months' files,
and within them DuckLake skips files (and DuckDB row groups) by their ``date``
statistics. Why months, not days: every query of the lake first reads the
catalog's file list and column statistics, and with the SQLite catalog that
read scans them whole (the sqlite scanner pushes no filter down), so its cost
grows with the number of files. Day files stay one per partition for ever;
maintenance merges a month's day files into one, so the files, and with them
every query's catalog read, grow with months of data, not with partitions
(``runs``, one row per publish, by year alone: :data:`FILE_PARTITIONING`).

The schemas below are the columns the pipeline writes; ``source`` and
``date`` are added by the commit, from the partition. Those of the tables the
pipeline makes rows for must list the fields of their record
(``newsflow.records.RECORDS``), in order: checked on import.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pyarrow as pa

from newsflow.records import RECORDS

#: How the data files are laid out (see the module docstring).
BY_SOURCE_AND_MONTH = ("source", "year(date)", "month(date)")

SCHEMAS: dict[str, pa.Schema] = {
    "articles": pa.schema(
        [
            ("article_id", pa.string()),
            ("url", pa.string()),
            ("canonical_url", pa.string()),
            ("title", pa.string()),
            ("author", pa.string()),
            ("authors", pa.list_(pa.string())),
            ("published_at", pa.date32()),
            ("modified_at", pa.date32()),
            ("date_source", pa.string()),
            ("site_name", pa.string()),
            ("language", pa.string()),
            ("text", pa.string()),
            ("word_count", pa.int32()),
            ("content_hash", pa.string()),
            ("input_format", pa.string()),
            ("extractor_version", pa.string()),
            ("pipeline_version", pa.string()),
            ("ner_model", pa.string()),
            ("entity_count", pa.int32()),
            ("ingested_at", pa.timestamp("us", tz="UTC")),
            ("raw_ref", pa.string()),
            # Duplicate stories (newsflow.nlp.dedupe): MinHash signature, the story's
            # first article, and that id again unless this is the first.
            ("fingerprint", pa.binary()),
            ("cluster_id", pa.string()),
            ("duplicate_of", pa.string()),
        ]
    ),
    "entities": pa.schema(
        [
            ("article_id", pa.string()),
            ("text", pa.string()),
            ("label", pa.string()),
            ("canonical", pa.string()),
            ("start_char", pa.int32()),
            ("end_char", pa.int32()),
            ("sentence", pa.int32()),
            ("model", pa.string()),
            ("ner_label", pa.string()),
            ("ner_canonical", pa.string()),
            ("geonames_id", pa.int64()),
            ("country_code", pa.string()),
            ("lat", pa.float64()),
            ("lon", pa.float64()),
        ]
    ),
    "rejects": pa.schema(
        [
            ("raw_ref", pa.string()),
            ("url", pa.string()),
            ("stage", pa.string()),
            ("reason", pa.string()),
            ("detail", pa.string()),
        ]
    ),
    "runs": pa.schema(
        [
            ("run_id", pa.string()),
            ("started_at", pa.timestamp("us", tz="UTC")),
            ("finished_at", pa.timestamp("us", tz="UTC")),
            ("pages_in", pa.int32()),
            ("articles", pa.int32()),
            ("rejects", pa.int32()),
            ("entities", pa.int32()),
            ("seconds_extract", pa.float64()),
            ("seconds_enrich", pa.float64()),
            ("seconds_write", pa.float64()),
            ("seconds_publish", pa.float64()),
            ("pipeline_version", pa.string()),
            ("extractor_version", pa.string()),
            ("models", pa.string()),
            # pipeline.config_hash: versions and settings that made the partition
            ("config_hash", pa.string()),
            # What fetching cost (web sources; zero for archives): see newsflow.acquire.http.
            ("seconds_fetch", pa.float64()),
            ("http_fetches", pa.int32()),
            ("http_requests", pa.int32()),
            ("http_bytes_received", pa.int64()),
            ("http_retries", pa.int32()),
            ("http_robots_fetches", pa.int32()),
            ("http_robots_refused", pa.int32()),
            ("http_blocked", pa.int32()),
            ("http_not_modified", pa.int32()),
            ("http_errors", pa.int32()),
            ("http_status_counts", pa.string()),
            # What discovery read and left (web sources): see newsflow.acquire.crawler.
            ("sitemaps_read", pa.int32()),
            ("sitemaps_skipped", pa.int32()),
            ("pages_deferred", pa.int32()),
        ]
    ),
    # One row per data-quality check of a partition (newsflow.warehouse.quality).
    "quality": pa.schema(
        [
            ("check_name", pa.string()),
            ("status", pa.string()),
            ("value", pa.float64()),
            ("threshold", pa.float64()),
            ("message", pa.string()),
            ("checked_at", pa.timestamp("us", tz="UTC")),
        ]
    ),
}
#: Tables a publish replaces for its partition. ``runs`` is a log: each
#: publish appends its row, so a partition's history is kept.
REPLACED_TABLES = ("articles", "entities", "rejects")
#: What a partition publish commits, in one transaction.
PUBLISHED_TABLES = (*REPLACED_TABLES, "runs")

_DUCKDB_TYPES = {
    pa.string(): "VARCHAR",
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
    pa.date32(): "DATE",
    pa.binary(): "BLOB",
    pa.list_(pa.string()): "VARCHAR[]",
    pa.timestamp("us", tz="UTC"): "TIMESTAMPTZ",
}


#: Each table's file partitioning. ``runs`` is partitioned by year alone: it gets
#: one row per publish, is only ever appended to, and has 28 columns, each a row
#: of statistics per file in the catalog that every query scans; by source and
#: month its files would hold some 30 rows each, by year one file holds them all.
FILE_PARTITIONING: dict[str, tuple[str, ...]] = {
    **{table: BY_SOURCE_AND_MONTH for table in SCHEMAS},
    "runs": ("year(date)",),
}


def create_table_sql(table: str) -> str:
    """``CREATE TABLE`` for ``table``: its columns, then ``source`` and ``date``."""
    columns = [f"{f.name} {_DUCKDB_TYPES[f.type]}" for f in SCHEMAS[table]]
    columns += ["source VARCHAR NOT NULL", "date DATE NOT NULL"]
    return f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(columns)})"


def add_column_sql(table: str, column: str) -> str:
    """``ALTER TABLE ... ADD COLUMN`` for a column of ``table`` a lake lacks."""
    column_type = _DUCKDB_TYPES[SCHEMAS[table].field(column).type]
    return f"ALTER TABLE {table} ADD COLUMN {column} {column_type}"


def partition_sql(table: str) -> str:
    return f"ALTER TABLE {table} SET PARTITIONED BY ({', '.join(FILE_PARTITIONING[table])})"


def _check_records() -> None:
    """Each record's fields are its table's columns, in order; raise if they drifted apart."""
    for table, record in RECORDS.items():
        fields = [f.name for f in dataclasses.fields(record)]
        if fields != SCHEMAS[table].names:
            raise TypeError(f"{table}: schema columns {SCHEMAS[table].names} != {record} {fields}")


_check_records()


def as_table(table: str, rows: pa.Table | Sequence[object]) -> pa.Table:
    """Rows as ``table``'s Arrow schema: an Arrow table, records of the table's
    type, or (for tables without a record) mappings with exactly its columns."""
    schema = SCHEMAS[table]
    if isinstance(rows, pa.Table):
        return rows.select(schema.names).cast(schema)
    record = RECORDS.get(table)
    if record is not None:
        if wrong := {type(row).__name__ for row in rows if type(row) is not record}:
            raise TypeError(f"{table}: rows must be {record.__name__} records, not {wrong}")
        columns = {name: [getattr(row, name) for row in rows] for name in schema.names}
        return pa.Table.from_pydict(columns, schema)
    for row in rows:
        if set(row) != set(schema.names):
            missing, unknown = set(schema.names) - set(row), set(row) - set(schema.names)
            raise ValueError(
                f"{table}: missing columns {sorted(missing)}, unknown {sorted(unknown)}"
            )
    return pa.Table.from_pylist(list(rows), schema)
