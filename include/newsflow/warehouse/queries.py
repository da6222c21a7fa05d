"""Reading the lake: the analysts' sandboxed connection and the pipeline's own lookups.

``newsflow query`` and the News page only read, and only the warehouse: their
connection is attached ``READ_ONLY``, then sandboxed (no file outside the
lake's data path, settings locked), and ``newsflow query`` accepts read
statements only. A reader never takes a lock a writer waits for.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator

import duckdb

from newsflow.warehouse.catalog import Lake

#: ``EXPLAIN``, ``EXPLAIN ANALYZE`` or ``EXPLAIN (options)`` before the explained statement.
_EXPLAIN = re.compile(r"^\s*EXPLAIN\s+(ANALYZE\b|\([^)]*\))?", re.IGNORECASE)


class NotReadOnly(ValueError):
    """A query that would change something, or is not a query."""


def check_read_only(sql: str) -> list[str]:
    """The statements of ``sql``, if each only reads; else :class:`NotReadOnly`."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as e:
        raise NotReadOnly(f"not valid SQL: {e}".splitlines()[0]) from e
    if not statements:
        raise NotReadOnly("no SQL statement given")
    for statement in statements:
        if (kind := _explained_type(statement)) != duckdb.StatementType.SELECT:
            raise NotReadOnly(
                f"only read statements (SELECT, FROM, WITH, SHOW, DESCRIBE, EXPLAIN of those)"
                f" are allowed, not {kind.name}: {statement.query.strip()[:60]}"
            )
    return [statement.query for statement in statements]


def _explained_type(statement: duckdb.Statement) -> duckdb.StatementType:
    """The type of what a statement runs: ``EXPLAIN ANALYZE`` runs the statement it wraps."""
    if statement.type != duckdb.StatementType.EXPLAIN:
        return statement.type
    explained = duckdb.extract_statements(_EXPLAIN.sub("", statement.query, count=1))
    return _explained_type(explained[0]) if len(explained) == 1 else statement.type


@contextlib.contextmanager
def analyst(lake: Lake, *, at: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only, sandboxed connection to the lake (as of snapshot/time ``at``)."""
    con = lake.connect(read_only=True, at=at)
    try:
        lake.sandbox(con)
        yield con
    finally:
        con.close()


def first_seen(
    con: duckdb.DuckDBPyConnection, source: str, date: dt.date
) -> dict[str, tuple[str, dt.datetime]]:
    """``article_id -> (content_hash, ingested_at)`` of the published partition.

    A re-run keeps ``ingested_at`` for unchanged articles, so re-running a
    partition changes no row.
    """
    rows = con.execute(
        "SELECT article_id, content_hash, ingested_at FROM articles WHERE source = ? AND date = ?",
        [source, date],
    ).fetchall()
    return {article_id: (content_hash, seen) for article_id, content_hash, seen in rows}


def ingested_urls(con: duckdb.DuckDBPyConnection, source: str) -> set[str]:
    """URLs (and canonical URLs) of every page of ``source`` already processed.

    Articles and pages rejected after they were fetched count; pages whose
    fetch failed do not, so they are tried again on the next run.
    """
    rows = con.execute(
        "SELECT unnest([url, canonical_url]) FROM articles WHERE source = $s "
        "UNION SELECT url FROM rejects WHERE source = $s AND stage <> 'fetch'",
        {"s": source},
    ).fetchall()
    return {url for (url,) in rows if url}


def table_counts(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...]) -> dict[str, int]:
    """Rows per table in the current snapshot."""
    return {table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables}
