"""What the News page shows, read from the warehouse's analyst views.

Each function takes the page's connection to the lake (read-only and
sandboxed: ``newsflow.warehouse.queries.analyst``), or ``None`` for a
warehouse that has no catalog yet (nothing published: empty answers), and
returns plain, JSON-ready Python values, so the page and its JSON endpoints
share one read model and tests need no browser.

Charts are series over the warehouse's partition dates. A day on which a
source has no partition is ``None`` (no data, the line breaks), a day on which
it has one but nothing to count is ``0``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    import duckdb

#: The DAG whose task runs write the partitions (``dags/news_daily.py``).
DAG_ID = "news_daily"

#: The latest run of each partition is the lake's ``latest_runs`` view, as in ``newsflow status``.
_PARTITIONS_SQL = """
WITH last_run AS (
    SELECT l.source, l.date, l.run_id, l.finished_at, n.runs
    FROM latest_runs AS l
    JOIN (SELECT source, date, count(*) AS runs FROM runs GROUP BY source, date) AS n
      USING (source, date)
)
SELECT coalesce(d.date, r.date) AS date, coalesce(d.source, r.source) AS source,
       coalesce(d.articles, 0) AS articles, coalesce(d.words, 0) AS words,
       coalesce(d.rejects, 0) AS rejects, d.rejects_by_reason, d.languages,
       coalesce(d.duplicates, 0) AS duplicates,
       r.run_id, r.finished_at, coalesce(r.runs, 0) AS runs
FROM source_daily AS d
FULL OUTER JOIN last_run AS r ON d.source = r.source AND d.date = r.date
ORDER BY date DESC, source
"""

_ENTITY_DAILY_SQL = """
SELECT date, source, sum(mentions)::BIGINT AS mentions
FROM entity_daily
WHERE canonical = ?
GROUP BY date, source
"""


@dataclass(frozen=True)
class Partition:
    """One source's day: what it delivered and the run that wrote it last."""

    date: dt.date
    source: str
    articles: int
    words: int
    rejects: int
    rejects_by_reason: dict[str, int]
    languages: dict[str, int]
    duplicates: int
    run_id: str | None
    finished_at: dt.datetime | None
    runs: int

    @property
    def dag_run_id(self) -> str | None:
        """The Airflow run id inside ``run_id``, if a news_daily task wrote it."""
        from newsflow.jobs.runs import dag_run_id

        return dag_run_id(self.run_id, self.source) if self.run_id else None

    @property
    def dag_run_path(self) -> str | None:
        """The DAG run's page, relative to the Airflow UI's root."""
        run = self.dag_run_id
        return f"dags/{DAG_ID}/runs/{quote(run, safe='')}" if run else None

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "source": self.source,
            "articles": self.articles,
            "words": self.words,
            "rejects": self.rejects,
            "rejects_by_reason": self.rejects_by_reason,
            "languages": self.languages,
            "duplicates": self.duplicates,
            "run_id": self.run_id,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "runs": self.runs,
            "dag_run_id": self.dag_run_id,
            "dag_run_path": self.dag_run_path,
        }


def partitions(con: duckdb.DuckDBPyConnection | None) -> list[Partition]:
    """Every partition, newest first, with its counts and its latest run."""
    rows = con.execute(_PARTITIONS_SQL).fetchall() if con else []
    return [
        Partition(
            date=date,
            source=source,
            articles=articles,
            words=words,
            rejects=rejects,
            rejects_by_reason=dict(sorted((by_reason or {}).items())),
            languages=dict(sorted((languages or {}).items(), key=lambda kv: -kv[1])),
            duplicates=duplicates,
            run_id=run_id,
            finished_at=finished_at,
            runs=runs,
        )
        for (
            date,
            source,
            articles,
            words,
            rejects,
            by_reason,
            languages,
            duplicates,
            run_id,
            finished_at,
            runs,
        ) in rows
    ]


def _series(
    parts: list[Partition], counts: dict[tuple[dt.date, str], int], metric: str
) -> dict[str, Any]:
    """Counts per (date, source) as one series per source over every partition date."""
    present = {(p.date, p.source) for p in parts}
    dates = sorted({p.date for p in parts})
    sources = sorted({p.source for p in parts})
    return {
        "metric": metric,
        "dates": [d.isoformat() for d in dates],
        "series": [
            {
                "source": source,
                "values": [
                    counts.get((d, source), 0) if (d, source) in present else None for d in dates
                ],
            }
            for source in sources
        ],
    }


def volume(parts: list[Partition]) -> dict[str, Any]:
    """Articles per day, one series per source."""
    return _series(parts, {(p.date, p.source): p.articles for p in parts}, "articles")


def entity_trend(
    con: duckdb.DuckDBPyConnection | None, parts: list[Partition], name: str
) -> dict[str, Any]:
    """Mentions of the entity ``name`` (its canonical name) per day, one series per source."""
    rows = con.execute(_ENTITY_DAILY_SQL, [name]).fetchall() if con else []
    trend = _series(parts, {(date, source): n for date, source, n in rows}, "mentions")
    return {"name": name, "total": sum(n for *_, n in rows), **trend}


def top_entities(con: duckdb.DuckDBPyConnection | None, limit: int) -> list[dict[str, Any]]:
    """The most mentioned names (people, organisations, places, ...) over the whole warehouse."""
    from newsflow.warehouse.views import NAME_LABELS_SQL

    if con is None:
        return []
    rows = con.execute(
        f"""
        SELECT canonical, mode(label), sum(mentions)::BIGINT AS mentions,
               sum(articles)::BIGINT, list(DISTINCT source ORDER BY source)
        FROM entity_daily
        WHERE label IN {NAME_LABELS_SQL}
        GROUP BY canonical
        ORDER BY mentions DESC, canonical
        LIMIT ?
        """,
        [limit],
    ).fetchall()
    return [
        {"name": name, "label": label, "mentions": mentions, "articles": articles, "sources": srcs}
        for name, label, mentions, articles, srcs in rows
    ]


#: Places the corpus linked to GeoNames (``entity_names``), by the country they are (in).
_PLACES_BY_COUNTRY_SQL = """
SELECT country_code, sum(mentions)::BIGINT AS mentions, count(*) AS places,
       list(canonical ORDER BY mentions DESC, canonical)[1:5] AS top_places,
       avg(lat) AS lat, avg(lon) AS lon
FROM entity_names
WHERE country_code IS NOT NULL
GROUP BY country_code
ORDER BY mentions DESC, country_code
LIMIT ?
"""


def places_by_country(con: duckdb.DuckDBPyConnection | None, limit: int) -> list[dict[str, Any]]:
    """Mentions of places per country (most first), with the country's most mentioned places."""
    import pycountry

    if con is None:
        return []
    rows = con.execute(_PLACES_BY_COUNTRY_SQL, [limit]).fetchall()
    found = []
    for code, mentions, places, top, lat, lon in rows:
        country = pycountry.countries.get(alpha_2=code)
        found.append(
            {"country_code": code, "country": country.name if country else code,
             "mentions": mentions, "places": places, "top_places": top,
             "lat": round(lat, 2), "lon": round(lon, 2)}
        )  # fmt: skip
    return found


def search(con: duckdb.DuckDBPyConnection | None, query: str, limit: int) -> dict[str, Any]:
    """The articles best matching ``query`` (``newsflow.warehouse.search``), or why none."""
    from newsflow.warehouse import search as lake_search

    if con is None or not query.strip():
        return {"query": query, "hits": [], "error": None}
    try:
        hits = lake_search.search(con, query, limit=limit)
    except lake_search.IndexMissing as e:
        return {"query": query, "hits": [], "error": str(e)}
    return {
        "query": query,
        "hits": [
            {"article_id": h.article_id, "source": h.source, "date": h.date.isoformat(),
             "title": h.title, "url": h.url, "score": round(h.score, 3), "snippet": h.snippet}
            for h in hits
        ],
        "error": None,
    }  # fmt: skip
