"""Reading the lake: the analysts' sandboxed connection and the pipeline's own lookups.

``newsflow query`` and the News page only read, and only the warehouse: their
connection is attached ``READ_ONLY``, then sandboxed (no file outside the
lake's data path, settings locked), and ``newsflow query`` accepts read
statements only. A reader never takes a lock a writer waits for.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from collections.abc import Iterator

import duckdb

from newsflow.warehouse.catalog import Lake

#: DuckLake's functions that write (``ducklake_<name>`` or ``newsflow.<name>``).
LAKE_WRITING_FUNCTIONS = frozenset(
    {
        "add_data_files",
        "cleanup_old_files",
        "commit",
        "delete_orphaned_files",
        "expire_snapshots",
        "flush_inlined_data",
        "merge_adjacent_files",
        "rewrite_data_files",
        "set_commit_message",
        "set_option",
    }
)
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
        if writes := _lake_writing_functions(statement.query):
            raise NotReadOnly(
                f"{', '.join(sorted(writes))} changes the lake (maintenance is"
                " newsflow warehouse maintain, not a query)"
            )
    return [statement.query for statement in statements]


def _lake_writing_functions(query: str) -> set[str]:
    """The DuckLake functions a read statement calls that delete or change files.

    A read-only attachment stops their catalog writes, but not all of their
    file deletions (``delete_orphaned_files`` would remove a running publish's
    files before its commit), so a query may not call them at all.
    """
    (tree,) = duckdb.execute("SELECT json_serialize_sql(?)", [query]).fetchone()
    parsed = json.loads(tree)
    if parsed.get("error"):  # SHOW, DESCRIBE, PRAGMA: no function calls to look at
        return {name for name in LAKE_WRITING_FUNCTIONS if name in query.lower()}
    names: set[str] = set()
    stack: list[object] = [parsed]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("class") == "FUNCTION":
                names.add(str(node.get("function_name", "")).lower().removeprefix("ducklake_"))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return names & LAKE_WRITING_FUNCTIONS


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


def published_pages(
    con: duckdb.DuckDBPyConnection, source: str, date: dt.date
) -> list[tuple[str, str | None]]:
    """``(raw_ref, url)`` of every published page of a partition, articles and rejects."""
    return con.execute(
        "SELECT raw_ref, url FROM articles WHERE source = $source AND date = $date "
        "UNION ALL SELECT raw_ref, url FROM rejects WHERE source = $source AND date = $date",
        {"source": source, "date": date},
    ).fetchall()


def published_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    source: str,
    date: dt.date,
    raw_refs: list[str],
) -> list[dict]:
    """The published rows of ``table`` (``articles`` or ``rejects``) for some of a
    partition's pages, by their ``raw_ref`` when published; partition keys left out."""
    if table not in ("articles", "rejects"):
        raise ValueError(f"no published rows in {table!r}")
    cursor = con.execute(
        f"SELECT * EXCLUDE (source, date) FROM {table} "
        "WHERE source = $source AND date = $date AND raw_ref IN (SELECT unnest($refs))",
        {"source": source, "date": date, "refs": raw_refs},
    )
    return cursor.to_arrow_table().to_pylist()
