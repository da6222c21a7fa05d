"""End to end: news_daily through Airflow (``dag.test``) over the whole sample archive."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pendulum
import pytest

from newsflow.jobs.sources import archive_dates
from newsflow.warehouse import layout, queries
from newsflow.warehouse.catalog import Lake
from newsflow.warehouse.views import load_cookbook
from support.paths import DUCKDB_CLI, ROOT, SAMPLE_ARCHIVE

pytestmark = pytest.mark.slow

MANIFEST = json.loads((SAMPLE_ARCHIVE / "manifest.json").read_text())
TABLES = ("articles", "entities", "rejects")


def run_news_daily(dates: list[str]) -> None:
    """One DAG run per partition: a manual run at D+1 00:00 has the data interval [D, D+1)."""
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(ROOT / "dags")).dags["news_daily"]
    for day in dates:
        after = dt.date.fromisoformat(day) + dt.timedelta(days=1)
        run = dag.test(logical_date=pendulum.datetime(after.year, after.month, after.day, tz="UTC"))
        assert run.state == "success", (day, run.state)


def run_maintenance() -> None:
    """What the warehouse Asset schedules after the runs: compaction and the search index."""
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(ROOT / "dags")).dags["news_warehouse_maintenance"]
    assert dag.test().state == "success"


@pytest.fixture(scope="module")
def warehouse_after_two_runs(airflow_db, tmp_path_factory):
    """The sample warehouse after make-run's DAG runs, and its tables before the rerun."""
    root = tmp_path_factory.mktemp("e2e") / "warehouse"
    previous = os.environ.get("NEWSFLOW_WAREHOUSE")
    os.environ["NEWSFLOW_WAREHOUSE"] = str(root)
    os.environ["NEWSFLOW_SOURCES"] = str(ROOT / "include" / "sources.yaml")
    try:
        dates = archive_dates()
        run_news_daily(dates)
        with queries.analyst(Lake.embedded(root)) as con:
            first = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}
        run_news_daily(dates)
        run_maintenance()
    finally:
        if previous is None:
            os.environ.pop("NEWSFLOW_WAREHOUSE", None)
        else:
            os.environ["NEWSFLOW_WAREHOUSE"] = previous
    return root, first


@pytest.fixture
def con(warehouse_after_two_runs):
    """The sample lake as ``newsflow query`` reads it: read-only, sandboxed."""
    root, _ = warehouse_after_two_runs
    with queries.analyst(Lake.embedded(root)) as connection:
        yield connection


def test_the_sample_warehouse_opens_in_the_duckdb_cli_and_in_python(warehouse_after_two_runs, con):
    """``attach.sql`` as analysts use it, from anywhere: the pinned DuckDB CLI and Python."""
    root, _ = warehouse_after_two_runs
    attach = root / layout.ATTACH_FILE
    sql = "SELECT count(*) FROM articles"
    done = subprocess.run(
        [str(DUCKDB_CLI), "-init", str(attach), "-csv", "-noheader", "-c", sql],
        capture_output=True, text=True, cwd=Path("/"), timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with duckdb.connect() as python:
        python.execute(attach.read_text(encoding="utf-8"))
        (in_python,) = python.execute(sql).fetchone()
        views = {v for (v,) in python.execute("SELECT view_name FROM duckdb_views()").fetchall()}
    assert int(done.stdout.split()[-1]) == in_python == con.execute(sql).fetchone()[0]
    assert in_python == sum(p["expect"] == "article" for p in MANIFEST)
    assert {"entity_daily", "source_daily", "latest_runs", "run_snapshots"} <= views


def test_the_lake_s_files_are_partitioned_by_source_and_month(warehouse_after_two_runs, con):
    """Files live under their source and month; after the maintenance DAG merged the days'
    files, one per source and month."""
    root, _ = warehouse_after_two_runs
    files = con.execute(
        "SELECT data_file FROM ducklake_list_files('newsflow', 'articles')"
    ).fetchall()
    partitions = {(p["source"], dt.date.fromisoformat(p["date"])) for p in MANIFEST}
    folders = [Path(f).parent.relative_to(layout.data_path(root) / "main" / "articles")
               for (f,) in files]  # fmt: skip
    expected = {Path(f"source={s}", f"year={d.year}", f"month={d.month}") for s, d in partitions}
    assert set(folders) == expected
    assert len(folders) == len(expected)


def test_each_partition_s_latest_run_names_the_snapshot_it_published(con):
    rows = con.execute(
        "SELECT r.source, r.date, s.snapshot_id FROM latest_runs r "
        "LEFT JOIN run_snapshots s USING (run_id, source, date)"
    ).fetchall()
    assert len(rows) == len({(p["source"], p["date"]) for p in MANIFEST})
    assert all(snapshot is not None for *_, snapshot in rows)
    assert len({snapshot for *_, snapshot in rows}) == len(rows)


def test_every_sample_partition_is_published(con):
    expected = {(p["source"], p["date"]) for p in MANIFEST}
    found = set(con.execute("SELECT DISTINCT source, date::VARCHAR FROM articles").fetchall())
    assert found == expected


def test_pages_in_equal_articles_plus_rejects_everywhere(con):
    rows = con.execute("""
        SELECT source, date, pages_in, articles, rejects FROM runs
        QUALIFY row_number() OVER (PARTITION BY source, date ORDER BY finished_at DESC) = 1
    """).fetchall()
    pages = {}
    for page in MANIFEST:
        pages[(page["source"], page["date"])] = pages.get((page["source"], page["date"]), 0) + 1
    assert len(rows) == len(pages)
    for source, date, pages_in, articles, rejects in rows:
        assert pages_in == articles + rejects == pages[(source, date.isoformat())]


def test_each_page_ends_where_the_manifest_says(con):
    articles = dict(con.execute("SELECT source || '/' || raw_ref, text FROM articles").fetchall())
    rejects = {r[0] for r in con.execute("SELECT source || '/' || raw_ref FROM rejects").fetchall()}
    for page in MANIFEST:
        key = page["source"] + "/" + page["path"].split("/", 1)[1]
        if page["expect"] == "reject":
            assert key in rejects and key not in articles, key
            continue
        assert key in articles, key
        text = articles[key]
        for phrase in page["boilerplate"]:
            assert phrase not in text, (key, phrase)
        for sentence in page["body"]:
            assert sentence in text, (key, sentence)


def test_article_metadata_is_recovered(con):
    rows = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT source || '/' || raw_ref, title, published_at::VARCHAR, language FROM articles"
        ).fetchall()
    }
    for page in (p for p in MANIFEST if p["expect"] == "article"):
        title, published, language = rows[page["source"] + "/" + page["path"].split("/", 1)[1]]
        assert title == page["title"]
        assert published == page["published"][:10]
        assert language == page["language"]


def test_known_entities_are_present_with_valid_offsets(con):
    found = set(
        con.execute("""
        SELECT a.source || '/' || a.raw_ref, e.text, e.label
        FROM entities e JOIN articles a USING (article_id, source, date)
    """).fetchall()
    )
    texts = {(key, text) for key, text, _ in found}
    expected = [
        (page["source"] + "/" + page["path"].split("/", 1)[1], entity["text"], entity["label"])
        for page in MANIFEST
        if page["expect"] == "article"
        for entity in page["entities"]
    ]
    assert all((key, text) in texts for key, text, _ in expected)
    # Labels are harmonised per canonical name within an article (majority vote),
    # so a mention the model labelled alone may now carry its siblings' label.
    same_label = sum(row in found for row in expected)
    assert same_label >= 0.9 * len(expected), (same_label, len(expected))
    bad_offsets = con.execute("""
        SELECT count(*) FROM entities e JOIN articles a USING (article_id, source, date)
        WHERE substr(a.text, e.start_char + 1, e.end_char - e.start_char) <> e.text
    """).fetchone()[0]
    assert bad_offsets == 0


def test_articles_without_a_model_for_their_language_get_no_entities(con):
    rows = con.execute(
        "SELECT language, ner_model, entity_count FROM articles WHERE language <> 'en'"
    ).fetchall()
    assert rows, "the sample archive has a non-English article"
    assert all(model is None and count == 0 for _, model, count in rows)


def test_a_second_run_changes_no_row(warehouse_after_two_runs, con):
    _, first = warehouse_after_two_runs
    for table in TABLES:
        assert con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall() == first[table]
    runs = con.execute("SELECT count(*), count(DISTINCT (source, date)) FROM runs").fetchone()
    assert runs[0] == 2 * runs[1]


def readme_queries() -> list[str]:
    blocks = re.findall(r"```sql\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    return [q.strip() for block in blocks for q in block.split(";") if q.strip()]


def test_readme_example_queries_run_on_the_sample_warehouse(con):
    queries = readme_queries()
    assert len(queries) >= 3
    results = [con.execute(query).fetchall() for query in queries]
    assert results[0] and results[1]  # who is mentioned most; who appears with whom


def test_one_label_per_canonical_name_within_an_article(con):
    mixed = con.execute("""
        SELECT article_id, canonical FROM entities
        GROUP BY ALL HAVING count(DISTINCT label) > 1
    """).fetchall()
    assert mixed == []


def test_every_partition_was_checked_for_quality(con):
    checks = con.execute("""
        SELECT source, date, count(*), count(*) FILTER (WHERE status = 'fail')
        FROM quality GROUP BY ALL
    """).fetchall()
    assert len(checks) == len({(p["source"], p["date"]) for p in MANIFEST})
    assert {(n, failed) for _, _, n, failed in checks} == {(5, 0)}


@pytest.mark.parametrize("query", load_cookbook(), ids=lambda q: q.name)
def test_cookbook_queries_answer_on_the_sample_warehouse(con, query):
    """Every cookbook query runs in the catalog analysts open (views included)."""
    rows = con.execute(query.sql).fetchall()
    if query.name not in {"mentioned-with-xi-jinping-this-month", "same-story-sources"}:
        assert rows, query.question  # the sample has people, organisations and rejects


def test_the_top_entities_make_run_prints_have_no_mislabelled_place(con):
    from newsflow.cli import TOP_ENTITIES_SQL
    from newsflow.nlp.gazetteer import load_gazetteer

    gazetteer = load_gazetteer()
    top = con.execute(TOP_ENTITIES_SQL).fetchall()
    places = [(name, label) for _, name, label, *_ in top if gazetteer.well_known_label(name)]
    assert places and all(label == "GPE" for _, label in places), places
    several = con.execute(
        "SELECT canonical FROM entities GROUP BY canonical HAVING count(DISTINCT label) > 1"
    ).fetchall()
    assert several == []


def test_newsflow_search_finds_the_sample_articles(warehouse_after_two_runs):
    root, _ = warehouse_after_two_runs
    env = {**os.environ, "NEWSFLOW_WAREHOUSE": str(root)}
    shown = subprocess.run(
        [sys.executable, "-m", "newsflow.cli", "search", "offshore wind farm", "--limit", "3"],
        capture_output=True, text=True, env=env, check=True,
    ).stdout  # fmt: skip
    lines = shown.splitlines()
    assert lines[0].startswith(" 1.") and "wind farm" in lines[0].casefold()
