"""Analyst views: the questions analysts ask most, answered once, in SQL.

They live in the lake beside the tables ``articles``, ``entities``,
``rejects``, ``runs`` and ``quality``, so they read the current snapshot (or
the one a time-travel attachment names) like everything else and cost nothing
to keep. Each view answers one question:

- ``entity_daily``: how often is each entity mentioned, per source and day,
  in how many articles and how many distinct stories (copies of one story
  count once in ``unique_stories``)?
- ``entity_cooccurrence``: which entities appear together, in how many
  articles and how many sentences? Pairs are ordered (``a < b``); only names
  count (people, organisations, places, ...), not dates or numbers.
- ``source_daily``: what did each source deliver per day: articles, words,
  rejects by reason, languages, duplicates of earlier stories?
- ``article_entities``: which entities does each article mention, how often?
- ``entity_names``: every name the corpus settled (``newsflow.nlp.corpus``): its
  label, GeoNames place (id, country, coordinates), the forms articles wrote it
  in, mentions, articles, sources, first and last date. A place name two places
  share ("Georgia") has a row per place.
- ``story_clusters``: which sources covered the same story, and when first?
- ``latest_runs``: the run that made each partition as it is now (the newest
  ``runs`` row of each source and date).
- ``run_snapshots``: which lake snapshot each run's publish created (from the
  snapshot's commit message), for time travel: ``ATTACH ... (SNAPSHOT_VERSION n)``
  or ``newsflow query --at n``.

``load_cookbook`` reads ``cookbook.sql``: more questions, one query each.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from newsflow.warehouse.catalog import ALIAS

log = logging.getLogger(__name__)

COOKBOOK = Path(__file__).with_name("cookbook.sql")

#: Co-occurrence is about names; dates and numbers next to everything would drown it.
#: ``newsflow.nlp.labels.NAME_LABELS`` as SQL (spelled out: the warehouse layer does not
#: import the nlp one; a test
#: keeps the two equal).
NAME_LABELS_SQL = (
    "('EVENT', 'FAC', 'GPE', 'LAW', 'LOC', 'NORP', 'ORG', 'PERSON', 'PRODUCT', 'WORK_OF_ART')"
)

ANALYST_VIEWS: dict[str, str] = {
    "entity_daily": """
SELECT e.date, e.source, e.canonical, e.label,
       count(*) AS mentions,
       count(DISTINCT e.article_id) AS articles,
       count(DISTINCT coalesce(a.cluster_id, e.article_id)) AS unique_stories
FROM entities AS e
LEFT JOIN articles AS a ON a.article_id = e.article_id AND a.source = e.source AND a.date = e.date
GROUP BY e.date, e.source, e.canonical, e.label
""",
    "entity_cooccurrence": f"""
WITH named AS (
    SELECT date, source, article_id, canonical, any_value(label) AS label,
           list(DISTINCT sentence) AS sentences
    FROM entities
    WHERE label IN {NAME_LABELS_SQL}
    GROUP BY date, source, article_id, canonical
)
SELECT x.date, x.source, x.canonical AS a, y.canonical AS b,
       x.label AS label_a, y.label AS label_b,
       count(*) AS articles,
       sum(len(list_intersect(x.sentences, y.sentences)))::BIGINT AS sentences
FROM named AS x
JOIN named AS y
  ON x.date = y.date AND x.source = y.source AND x.article_id = y.article_id
 AND x.canonical < y.canonical
GROUP BY ALL
""",
    "source_daily": """
WITH a AS (
    SELECT date, source, count(*) AS articles, sum(word_count)::BIGINT AS words,
           histogram(coalesce(language, 'unknown')) AS languages,
           count(*) FILTER (WHERE duplicate_of IS NOT NULL) AS duplicates,
           count(DISTINCT coalesce(cluster_id, article_id)) AS unique_stories
    FROM articles
    GROUP BY date, source
), r AS (
    SELECT date, source, count(*) AS rejects, histogram(stage || '/' || reason) AS rejects_by_reason
    FROM rejects
    GROUP BY date, source
)
SELECT coalesce(a.date, r.date) AS date, coalesce(a.source, r.source) AS source,
       coalesce(a.articles, 0) AS articles, coalesce(a.words, 0) AS words,
       coalesce(r.rejects, 0) AS rejects, r.rejects_by_reason, a.languages,
       coalesce(a.duplicates, 0) AS duplicates, coalesce(a.unique_stories, 0) AS unique_stories,
       a.duplicates / nullif(a.articles, 0) AS duplicate_rate
FROM a FULL OUTER JOIN r ON a.date = r.date AND a.source = r.source
""",
    "article_entities": """
SELECT a.article_id, a.source, a.date, a.title, a.url, e.canonical, e.label,
       count(*) AS mentions
FROM articles AS a
JOIN entities AS e ON e.article_id = a.article_id AND e.source = a.source AND e.date = a.date
GROUP BY ALL
""",
    "entity_names": f"""
SELECT canonical, label, geonames_id,
       any_value(country_code) AS country_code, any_value(lat) AS lat, any_value(lon) AS lon,
       list(DISTINCT text ORDER BY text) AS aliases,
       count(*) AS mentions,
       count(DISTINCT article_id) AS articles,
       list(DISTINCT source ORDER BY source) AS sources,
       min(date) AS first_date, max(date) AS last_date
FROM entities
WHERE label IN {NAME_LABELS_SQL}
GROUP BY canonical, label, geonames_id
""",
    "latest_runs": """
SELECT * FROM runs
QUALIFY row_number() OVER (PARTITION BY source, date ORDER BY finished_at DESC, run_id DESC) = 1
""",
    "run_snapshots": f"""
SELECT commit_extra_info::JSON ->> 'run_id' AS run_id,
       commit_extra_info::JSON ->> 'source' AS source,
       (commit_extra_info::JSON ->> 'date')::DATE AS date,
       snapshot_id, snapshot_time
FROM ducklake_snapshots('{ALIAS}')
WHERE commit_message LIKE 'publish %'
""",
    "story_clusters": """
SELECT coalesce(cluster_id, article_id) AS cluster_id,
       count(*) AS articles,
       list(DISTINCT source ORDER BY source) AS sources,
       min(date) AS first_date,
       max(date) AS last_date,
       list(DISTINCT title ORDER BY title) FILTER (WHERE title IS NOT NULL) AS titles
FROM articles
GROUP BY 1
""",
}


@dataclass(frozen=True)
class CookbookQuery:
    """One analyst question and the query that answers it."""

    name: str
    question: str
    sql: str


_HEADER = re.compile(r"^-- name: *(?P<name>\S+)\n-- question: *(?P<question>.+)$", re.M)


def analyst_view_statements() -> dict[str, str]:
    """``view -> CREATE statement`` of every analyst view."""
    return {
        name: f'CREATE OR REPLACE VIEW "{name}" AS {body}' for name, body in ANALYST_VIEWS.items()
    }


def _fingerprint(statement: str) -> str:
    return "newsflow:" + hashlib.sha256(statement.encode()).hexdigest()[:16]


def stale_views(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Views the lake lacks or holds in another version: ``view -> CREATE statement``.

    Each view carries the fingerprint of its statement as its comment, so an
    up-to-date lake costs one catalog lookup and no commit.
    """
    current = dict(
        con.execute(
            "SELECT view_name, comment FROM duckdb_views() WHERE database_name = ?", [ALIAS]
        ).fetchall()
    )
    return {
        name: statement
        for name, statement in analyst_view_statements().items()
        if current.get(name) != _fingerprint(statement)
    }


def create_views(con: duckdb.DuckDBPyConnection, statements: dict[str, str]) -> None:
    """(Re)create the given views, each commented with its fingerprint."""
    for name, statement in statements.items():
        con.execute(statement)
        con.execute(f"COMMENT ON VIEW \"{name}\" IS '{_fingerprint(statement)}'")
    log.info("lake views created: %s", sorted(statements))


def load_cookbook(path: Path = COOKBOOK) -> list[CookbookQuery]:
    """The cookbook's queries in file order (``-- name:`` + ``-- question:`` + one query)."""
    text = path.read_text(encoding="utf-8")
    headers = list(_HEADER.finditer(text))
    queries = []
    for header, following in zip(headers, [*headers[1:], None], strict=True):
        end = following.start() if following else len(text)
        sql = text[header.end() : end].strip().rstrip(";").strip()
        if not sql:
            raise ValueError(f"{path}: cookbook entry {header['name']!r} has no query")
        queries.append(CookbookQuery(header["name"], header["question"].strip(), sql))
    return queries
