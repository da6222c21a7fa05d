"""Full-text search over the articles: a BM25 index built with DuckDB's ``fts`` extension.

The ``fts`` extension indexes a table of a DuckDB database, and its macros
only run with that database in use, so the index is a database of its own
beside the lake (``<root>/search.duckdb``, :data:`layout.SEARCH_FILE`): the
articles' ids, partitions, titles, URLs and texts, and the index over title
and text (Porter stemmer, English stop words, accents and case folded).
:func:`build_index` writes a new one beside the old and moves it into place,
so a reader keeps the index it opened and the next one sees the new; the
maintenance DAG rebuilds it (``newsflow warehouse maintain``), and its
``built`` table names the lake snapshot it was built from.

Analysts search in SQL with the table macro :data:`SEARCH_MACRO`, which
``attach.sql`` and ``newsflow query`` attach read-only as ``search`` beside
the lake::

    SELECT * FROM search.search_articles('gas pipeline sanctions',
                                         source := 'daily-planet', max_results := 10)

It scores as ``fts``'s own ``match_bm25`` does (k1 1.2, b 0.75, the same
figures), but over the matching documents only, in one pass instead of one
subquery per document, and with every table named in full, so it runs
whatever database is in use.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from newsflow.files import temp_beside
from newsflow.warehouse.catalog import ALIAS, SEARCH_ALIAS, Lake, sql_literal

log = logging.getLogger(__name__)

SEARCH_MACRO = "search_articles"
#: Characters either side of the first matching word in a hit's snippet.
SNIPPET_CHARS = 90

_DOCUMENTS = f"""
CREATE TABLE {SEARCH_ALIAS}.documents AS
SELECT row_number() OVER (ORDER BY date, source, article_id) AS doc_id,
       article_id, source, date, published_at, title, url, cluster_id, text
FROM {ALIAS}.articles
"""
_INDEX = (
    "PRAGMA create_fts_index('documents', 'doc_id', 'title', 'text', "
    "stemmer = 'porter', stopwords = 'english', strip_accents = 1, lower = 1, overwrite = 1)"
)
_FTS = f"{SEARCH_ALIAS}.fts_main_documents"
_MACRO = f"""
CREATE MACRO {SEARCH_ALIAS}.{SEARCH_MACRO}(
    query_string, source := NULL, from_date := NULL, to_date := NULL, max_results := 20
) AS TABLE
WITH tokens AS (
    SELECT DISTINCT stem(unnest({_FTS}.tokenize(query_string)), 'porter') AS term
), matches AS (
    SELECT t.docid, t.termid, count(*) AS tf
    FROM {_FTS}.terms AS t
    JOIN {_FTS}.dict AS d ON d.termid = t.termid
    JOIN tokens ON tokens.term = d.term
    GROUP BY ALL
), scores AS (
    SELECT m.docid,
           sum(log((s.num_docs - d.df + 0.5) / (d.df + 0.5) + 1)
               * m.tf * 2.2 / (m.tf + 1.2 * (0.25 + 0.75 * docs.len / s.avgdl))) AS score
    FROM matches AS m
    JOIN {_FTS}.dict AS d ON d.termid = m.termid
    JOIN {_FTS}.docs AS docs ON docs.docid = m.docid
    CROSS JOIN {_FTS}.stats AS s
    GROUP BY m.docid
)
SELECT a.article_id, a.source, a.date, a.published_at, a.title, a.url, a.cluster_id,
       sc.score, a.text
FROM scores AS sc
JOIN {_FTS}.docs AS docs ON docs.docid = sc.docid
JOIN {SEARCH_ALIAS}.documents AS a ON a.doc_id = docs.name
WHERE (source IS NULL OR a.source = source)
  AND (from_date IS NULL OR a.date >= CAST(from_date AS DATE))
  AND (to_date IS NULL OR a.date <= CAST(to_date AS DATE))
ORDER BY sc.score DESC, a.date DESC, a.article_id
LIMIT max_results
"""


class IndexMissing(FileNotFoundError):
    """A search of a warehouse whose index was never built."""


@dataclass(frozen=True)
class IndexReport:
    """What :func:`build_index` built."""

    articles: int
    snapshot_id: int
    seconds: float
    path: Path


@dataclass(frozen=True)
class Hit:
    """One article a search found."""

    article_id: str
    source: str
    date: dt.date
    title: str | None
    url: str | None
    score: float
    snippet: str


def build_index(lake: Lake) -> IndexReport:
    """Index every article of the lake's current snapshot; replace the index whole."""
    started = time.perf_counter()
    path = lake.search_path
    temp = temp_beside(path)
    try:
        with lake.connect(read_only=True, search=False) as con:
            con.execute(f"ATTACH {sql_literal(temp)} AS {SEARCH_ALIAS}")
            con.execute(_DOCUMENTS)
            con.execute(f"USE {SEARCH_ALIAS}")
            con.execute(_INDEX)
            con.execute(_MACRO)
            (snapshot,) = con.execute(f"SELECT id FROM {ALIAS}.current_snapshot()").fetchone()
            con.execute(
                f"CREATE TABLE {SEARCH_ALIAS}.built AS SELECT ? AS snapshot_id, now() AS built_at",
                [snapshot],
            )
            (articles,) = con.execute(f"SELECT count(*) FROM {SEARCH_ALIAS}.documents").fetchone()
            con.execute(f"USE {ALIAS}")
            con.execute(f"DETACH {SEARCH_ALIAS}")
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    lake.write_attach_file()  # the first index joins attach.sql
    report = IndexReport(articles, snapshot, round(time.perf_counter() - started, 3), path)
    log.info(
        "search index: %d articles of snapshot %d in %.2f s", articles, snapshot, report.seconds
    )
    return report


def search(
    con: duckdb.DuckDBPyConnection,
    query: str,
    *,
    source: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int = 10,
) -> list[Hit]:
    """The articles that best match ``query`` (BM25), best first, each with a snippet.

    ``con`` is an analyst connection (:func:`newsflow.warehouse.queries.analyst`),
    which has the index attached once one is built.
    """
    attached = con.execute(
        "SELECT count(*) FROM duckdb_databases() WHERE database_name = ?", [SEARCH_ALIAS]
    ).fetchone()[0]
    if not attached:
        raise IndexMissing(
            "the warehouse has no search index yet: `newsflow warehouse maintain` builds it, "
            "as the news_warehouse_maintenance DAG does after every run that writes"
        )
    rows = con.execute(
        f"SELECT article_id, source, date, title, url, score, text FROM "
        f"{SEARCH_ALIAS}.{SEARCH_MACRO}(?, source := ?, from_date := ?, to_date := ?, "
        "max_results := ?)",
        [query, source, since, until, limit],
    ).fetchall()
    return [Hit(*row[:6], snippet(row[6], query)) for row in rows]


_WORD = re.compile(r"\w+")


def snippet(text: str, query: str, *, width: int = SNIPPET_CHARS) -> str:
    """The text around the first word that starts like a word of ``query``, on one line.

    A prefix of at least four letters counts, so "sanctions" finds "sanctioned"
    as the stemmed index does.
    """
    stems = {w.casefold()[:4] if len(w) > 4 else w.casefold() for w in _WORD.findall(query)}
    at = next(
        (m.start() for m in _WORD.finditer(text) if m.group().casefold().startswith(tuple(stems))),
        0,
    )
    start, end = max(0, at - width), min(len(text), at + width)
    line = " ".join(text[start:end].split())
    return f"{'…' if start else ''}{line}{'…' if end < len(text) else ''}"
