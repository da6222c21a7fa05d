"""The analyst views and the cookbook, on a tiny lake of known rows published as runs publish."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from newsflow.config import Settings
from newsflow.jobs.upkeep import index_articles, settle_names
from newsflow.nlp.labels import NAME_LABELS
from newsflow.records import Stage
from newsflow.warehouse import maintenance, queries
from newsflow.warehouse.catalog import ALIAS, Lake, glob_literal
from newsflow.warehouse.views import ANALYST_VIEWS, NAME_LABELS_SQL, load_cookbook
from support.tiny_warehouse import article, entity, lake_at, publish_all, reject

D16, D17, D18 = "2026-11-16", "2026-11-17", "2026-11-18"

#: article id -> [(canonical, label, sentence)]
ENTITIES = {
    "a1": [
        ("Xi Jinping", "PERSON", 0),
        ("Vladimir Putin", "PERSON", 0),
        ("Moscow", "GPE", 0),
        ("2026", "DATE", 1),
        ("Xi Jinping", "PERSON", 2),
        ("Gazprom", "ORG", 2),
    ],
    "a2": [("Elena Marchetti", "PERSON", 0), ("Lisbon", "GPE", 0), ("Northwind", "ORG", 1)],
    "b1": [("Xi Jinping", "PERSON", 0), ("Moscow", "GPE", 0), ("Vladimir Putin", "PERSON", 1)],
    "b2": [
        ("Mikhail Mishustin", "PERSON", 0),
        ("Xi Jinping", "PERSON", 0),
        ("Gazprom", "ORG", 1),
        ("Rosneft", "ORG", 1),
    ],
    "a3": [
        ("Xi Jinping", "PERSON", 0),
        ("Vladimir Putin", "PERSON", 0),
        ("Kremlin", "ORG", 1),
        ("Putin", "PERSON", 1),
    ],
    "a4": [("Mikhail Mishustin", "PERSON", 0), ("Xi Jinping", "PERSON", 0), ("Gazprom", "ORG", 1)],
}
ARTICLES = {
    ("alpha", D16): [
        article(
            "a1",
            title="Xi visits Moscow",
            text="Xi arrived at the port of Vladivostok before flying on to Moscow.",
            word_count=300,
            cluster_id="a1",
        ),
        article("a2", title="Bridge rebuilt", word_count=200, cluster_id="a2", published_at=None),
    ],
    ("beta", D16): [
        article("b1", title="Xi in Moscow", word_count=310, cluster_id="a1", duplicate_of="a1"),
    ],
    ("beta", D17): [
        article("b2", title="Mishustin meets Xi", word_count=250, cluster_id="b2"),
        article("b3", title="Brücke", language="de", ner_model=None, word_count=120),
    ],
    ("alpha", D18): [
        article("a3", title="Xi and Putin", word_count=280, cluster_id="a3"),
        article(
            "a4", title="Mishustin, Xi meet", word_count=240, cluster_id="b2", duplicate_of="b2"
        ),
    ],
}
REJECTS = {
    ("alpha", D16): [
        reject("x.html", reason="no_main_text"),
        reject("y.html", stage=Stage.DECODE, reason="binary"),
    ],
    ("beta", D17): [reject("z.html", reason="no_main_text")],
}


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """Each partition published (articles, entities, rejects and a runs row), then read
    through the analysts' read-only, sandboxed connection."""
    root: Path = tmp_path_factory.mktemp("views") / "warehouse"
    for rows in ARTICLES.values():
        for row in rows:
            row.entity_count = len(ENTITIES.get(row.article_id, []))
            row.cluster_id = row.cluster_id or row.article_id
    entities = {
        partition: [
            entity(
                row.article_id,
                text=c,
                label=label,
                canonical=c,
                start_char=20 * i,
                end_char=20 * i + len(c),
                sentence=s,
                model="m",
            )
            for row in rows
            for i, (c, label, s) in enumerate(ENTITIES.get(row.article_id, []))
        ]
        for partition, rows in ARTICLES.items()
    }
    lake = lake_at(root)
    publish_all(lake, ARTICLES, entities, REJECTS)
    # what the DAGs do next: names settled across the corpus, the search index built
    settings = Settings.from_env({**os.environ, "NEWSFLOW_WAREHOUSE": str(root)})
    settle_names(settings=settings)
    index_articles(settings=settings)
    with queries.analyst(lake) as con:
        yield con


def _rows(con, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def _day(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def test_cooccurrence_counts_the_labels_enrichment_calls_names():
    assert "(" + ", ".join(f"'{label}'" for label in sorted(NAME_LABELS)) + ")" == NAME_LABELS_SQL


def test_every_view_lives_in_the_lake_and_is_queryable(con):
    sql = "SELECT view_name FROM duckdb_views() WHERE database_name = ?"
    assert {r[0] for r in _rows(con, sql, [ALIAS])} == set(ANALYST_VIEWS)
    for name in ANALYST_VIEWS:
        assert _rows(con, f'SELECT count(*) FROM "{name}"')[0][0] > 0


def test_latest_runs_and_run_snapshots_name_the_publish_of_each_partition(con):
    """One run per partition here; each publish's snapshot is a distinct, later one."""
    latest = _rows(con, "SELECT source, date, run_id FROM latest_runs ORDER BY date, source")
    assert latest == [(s, _day(d), f"tiny__{s}__{d}") for s, d in sorted(ARTICLES, key=_by_date)]
    snapshots = _rows(
        con,
        "SELECT r.source, r.date, s.snapshot_id FROM latest_runs r JOIN run_snapshots s "
        "USING (run_id, source, date) ORDER BY s.snapshot_id",
    )
    assert len(snapshots) == len(ARTICLES)
    assert len({snapshot for *_, snapshot in snapshots}) == len(ARTICLES)
    (last,) = _rows(
        con,
        f"SELECT max(snapshot_id) FROM ducklake_snapshots('{ALIAS}') "
        "WHERE commit_message LIKE 'publish %'",
    )[0]
    assert snapshots[-1][2] == last  # the last publish is the last run's


def _by_date(partition: tuple[str, str]) -> tuple[str, str]:
    source, date = partition
    return date, source


def test_entity_daily_counts_mentions_articles_and_unique_stories(con):
    sql = (
        "SELECT source, date, mentions, articles, unique_stories FROM entity_daily "
        "WHERE canonical = 'Xi Jinping' ORDER BY date, source"
    )
    assert _rows(con, sql) == [
        ("alpha", _day(D16), 2, 1, 1),
        ("beta", _day(D16), 1, 1, 1),
        ("beta", _day(D17), 1, 1, 1),
        ("alpha", _day(D18), 2, 2, 2),
    ]
    # the story a1 and its copy b1 count once across sources
    sql = (
        "SELECT count(DISTINCT cluster_id) FROM article_entities JOIN articles USING (article_id) "
    )
    assert _rows(con, sql + "WHERE canonical = 'Xi Jinping' AND articles.date = ?", [D16]) == [(1,)]


def test_entity_cooccurrence_counts_articles_and_shared_sentences(con):
    sql = (
        "SELECT a, b, label_a, label_b, articles, sentences FROM entity_cooccurrence "
        "WHERE source = 'alpha' AND date = ? ORDER BY a, b"
    )
    assert _rows(con, sql, [D16]) == [
        ("Elena Marchetti", "Lisbon", "PERSON", "GPE", 1, 1),
        ("Elena Marchetti", "Northwind", "PERSON", "ORG", 1, 0),
        ("Gazprom", "Moscow", "ORG", "GPE", 1, 0),
        ("Gazprom", "Vladimir Putin", "ORG", "PERSON", 1, 0),
        ("Gazprom", "Xi Jinping", "ORG", "PERSON", 1, 1),
        ("Lisbon", "Northwind", "GPE", "ORG", 1, 0),
        ("Moscow", "Vladimir Putin", "GPE", "PERSON", 1, 1),
        ("Moscow", "Xi Jinping", "GPE", "PERSON", 1, 1),
        ("Vladimir Putin", "Xi Jinping", "PERSON", "PERSON", 1, 1),
    ]  # no DATE entity, each pair once with a < b
    sql = "SELECT articles, sentences FROM entity_cooccurrence WHERE source = 'beta' AND date = ?"
    assert _rows(con, sql + " AND a = 'Vladimir Putin' AND b = 'Xi Jinping'", [D16]) == [(1, 0)]


def test_source_daily_reports_volume_rejects_languages_and_duplicates(con):
    sql = (
        "SELECT source, date, articles, words, rejects, rejects_by_reason, languages, "
        "duplicates, unique_stories, duplicate_rate FROM source_daily ORDER BY date, source"
    )
    assert _rows(con, sql) == [
        ("alpha", _day(D16), 2, 500, 2, {"decode/binary": 1, "extract/no_main_text": 1},
         {"en": 2}, 0, 2, 0.0),
        ("beta", _day(D16), 1, 310, 0, None, {"en": 1}, 1, 1, 1.0),
        ("beta", _day(D17), 2, 370, 1, {"extract/no_main_text": 1}, {"de": 1, "en": 1}, 0, 2, 0.0),
        ("alpha", _day(D18), 2, 520, 0, None, {"en": 2}, 1, 2, 0.5),
    ]  # fmt: skip


def test_article_entities_lists_each_article_s_entities_with_counts(con):
    sql = (
        "SELECT source, date, title, url, canonical, label, mentions FROM article_entities "
        "WHERE article_id = 'a1' ORDER BY canonical"
    )
    assert _rows(con, sql) == [
        ("alpha", _day(D16), "Xi visits Moscow", "https://news.example/a1", c, label, n)
        for c, label, n in [
            ("2026", "DATE", 1),
            ("Gazprom", "ORG", 1),
            ("Moscow", "GPE", 1),
            ("Vladimir Putin", "PERSON", 1),
            ("Xi Jinping", "PERSON", 2),
        ]
    ]


def test_story_clusters_show_which_sources_covered_the_same_story(con):
    sql = (
        "SELECT cluster_id, articles, sources, first_date, last_date, titles "
        "FROM story_clusters WHERE articles > 1 ORDER BY cluster_id"
    )
    assert _rows(con, sql) == [
        ("a1", 2, ["alpha", "beta"], _day(D16), _day(D16), ["Xi in Moscow", "Xi visits Moscow"]),
        ("b2", 2, ["alpha", "beta"], _day(D17), _day(D18), [
            "Mishustin meets Xi", "Mishustin, Xi meet"]),
    ]  # fmt: skip
    assert _rows(con, "SELECT sum(articles), count(*) FROM story_clusters") == [(7, 5)]


def test_the_cookbook_has_at_least_eight_distinct_documented_questions():
    queries = load_cookbook()
    assert len(queries) >= 8
    assert len({q.name for q in queries}) == len(queries)
    assert all(q.question.endswith("?") and q.sql.upper().startswith(("SELECT", "WITH"))
               for q in queries)  # fmt: skip


@pytest.mark.parametrize("query", load_cookbook(), ids=lambda q: q.name)
def test_every_cookbook_query_runs_and_returns_rows(con, query):
    assert _rows(con, query.sql)


EXPECTED = {
    "mentioned-with-xi-jinping-this-month": [
        ("Vladimir Putin", "PERSON", 3, 2),
        ("Gazprom", "ORG", 3, 1),
        ("Mikhail Mishustin", "PERSON", 2, 2),
        ("Moscow", "GPE", 2, 2),
        ("Kremlin", "ORG", 1, 0),
        ("Rosneft", "ORG", 1, 0),
    ],
    "same-story-sources": [
        ("a1", _day(D16), 2, ["alpha", "beta"], ["Xi in Moscow", "Xi visits Moscow"]),
        ("b2", _day(D17), 2, ["alpha", "beta"], ["Mishustin meets Xi", "Mishustin, Xi meet"]),
    ],
    "top-organisations-per-source-last-7-days": [
        ("alpha", "Gazprom", 2, 2),
        ("alpha", "Kremlin", 1, 1),
        ("alpha", "Northwind", 1, 1),
        ("beta", "Gazprom", 1, 1),
        ("beta", "Rosneft", 1, 1),
    ],
    "reject-reasons-by-source": [
        ("alpha", "decode", "binary", 1, "y.html"),
        ("alpha", "extract", "no_main_text", 1, "x.html"),
        ("beta", "extract", "no_main_text", 1, "z.html"),
    ],
    "duplicate-rate-per-source": [("beta", 3, 1, 0.333), ("alpha", 4, 1, 0.25)],
    "articles-per-language": [("en", 6, 6, 23), ("de", 1, 0, 0)],
    "new-entities-latest-day": [("Kremlin", "ORG", 1, ["alpha"])],
    "articles-without-published-date": [("alpha", 4, 1, 0.25), ("beta", 3, 0, 0.0)],
}


@pytest.mark.parametrize("name", EXPECTED)
def test_cookbook_answers_on_known_data(con, name):
    [query] = [q for q in load_cookbook() if q.name == name]
    assert _rows(con, query.sql) == EXPECTED[name]


def test_entity_trend_follows_the_top_people_per_day(con):
    [query] = [q for q in load_cookbook() if q.name == "entity-trend-per-day"]
    rows = _rows(con, query.sql)
    assert Counter(r[1] for r in rows) == {
        "Xi Jinping": 3,
        "Vladimir Putin": 2,
        "Mikhail Mishustin": 2,
        "Elena Marchetti": 1,
    }
    assert (_day(D18), "Xi Jinping", 2, 2) in rows


#: A warehouse folder whose name DuckDB reads as a glob, and a sibling the glob matches.
GLOB_NAMED = [("wh[1]", "wh1"), ("w*", "wB"), ("w?", "wB")]


def _publish_one(root: Path, article_id: str) -> Lake:
    lake = lake_at(root)
    publish_all(lake, {("alpha", D16): [article(article_id, cluster_id=article_id)]})
    return lake


@pytest.mark.parametrize(("name", "sibling"), GLOB_NAMED)
def test_a_warehouse_named_like_a_glob_publishes_and_reads_only_its_own_rows(
    tmp_path, name, sibling
):
    """Through the real commit (staged Parquet read back by path) and the analysts'
    connection (the attach, its data path, the sandbox), beside a sibling it matches."""
    _publish_one(tmp_path / sibling, "other")
    lake = _publish_one(tmp_path / name, "own")
    with queries.analyst(lake) as con:
        assert _rows(con, "SELECT article_id FROM articles") == [("own",)]
        assert _rows(con, "SELECT source, articles FROM source_daily") == [("alpha", 1)]
        assert _rows(con, "SELECT cluster_id, sources FROM story_clusters") == [("own", ["alpha"])]
        assert [r[0] for r in _rows(con, "SELECT run_id FROM latest_runs")] == [
            f"tiny__alpha__{D16}"
        ]


@pytest.mark.parametrize(("name", "sibling"), GLOB_NAMED)
def test_glob_literal_reads_the_file_it_names_and_no_sibling(tmp_path, name, sibling):
    for folder in (name, sibling):
        (tmp_path / folder).mkdir()
        duckdb.execute(f"COPY (SELECT '{folder}' AS folder) TO '{tmp_path / folder / 'x.parquet'}'")
    path = tmp_path / name / "x.parquet"
    rows = duckdb.execute("SELECT folder FROM read_parquet(?)", [glob_literal(path)]).fetchall()
    assert rows == [(name,)]
    globbed = duckdb.execute("SELECT folder FROM read_parquet(?)", [str(path)]).fetchall()
    assert (sibling,) in globbed  # what a plain path reads: why the helper exists


def test_maintaining_a_warehouse_named_like_a_glob_leaves_its_sibling_alone(tmp_path):
    sibling = _publish_one(tmp_path / "wB", "other")
    lake = _publish_one(tmp_path / "w?", "own")
    files = sorted(sibling.data_path.rglob("*.parquet"))
    maintenance.maintain(lake, snapshot_days=0, orphan_grace=dt.timedelta(0))
    assert sorted(sibling.data_path.rglob("*.parquet")) == files
