"""Full-text search: the BM25 index beside the lake, its SQL macro, ``newsflow search``."""

from __future__ import annotations

import datetime as dt
import random
import subprocess
import sys
from pathlib import Path

import pytest

from newsflow.config import Settings
from newsflow.warehouse import queries, search
from support.tiny_warehouse import article, publish

D1, D2 = "2026-11-16", "2026-11-17"

#: Filler words no query uses, so a page's relevance is what the test planted in it.
FILLER = ["harbour", "morning", "council", "budget", "weather", "traffic", "school", "river"]


def page(rng: random.Random, planted: dict[str, int], words: int = 120) -> str:
    """A page of filler with each planted word ``n`` times, shuffled."""
    tokens = [rng.choice(FILLER) for _ in range(words)]
    for word, times in planted.items():
        tokens += [word] * times
    rng.shuffle(tokens)
    return " ".join(tokens) + "."


@pytest.fixture
def settings(warehouse: Path) -> Settings:
    settings = Settings.current()
    rng = random.Random(11)
    planet = [
        article("p-many", text=page(rng, {"pipeline": 6, "sanctions": 4}), title="Energy"),
        article("p-few", text=page(rng, {"pipeline": 1, "sanctions": 1}), title="Energy too"),
        article("p-one", text=page(rng, {"pipeline": 3}), title="Pipes"),
        article("p-none", text=page(rng, {}), title="Nothing"),
    ]
    herald = [
        article("h-title", text=page(rng, {"sanctioned": 2}), title="Gas pipeline sanctions"),
    ]
    publish(settings.lake(), "planet", D1, articles=planet)
    publish(settings.lake(), "herald", D2, articles=herald)
    search.build_index(settings.lake())
    return settings


def hits(settings: Settings, query: str, **options) -> list[search.Hit]:
    with queries.analyst(settings.lake()) as con:
        return search.search(con, query, **options)


def test_more_of_the_query_ranks_higher_and_pages_without_it_are_not_found(settings):
    found = [h.article_id for h in hits(settings, "pipeline sanctions")]
    assert found.index("p-many") < found.index("p-few")
    assert "p-none" not in found
    # every word of the query counts: a page with both beats one with one word more often
    assert found.index("p-many") < found.index("p-one")


def test_words_are_matched_by_their_stem_in_title_and_text(settings):
    found = hits(settings, "sanction")
    assert "h-title" in {h.article_id for h in found}
    assert "sanction" in hits(settings, "sanctions", source="herald")[0].snippet.casefold()


def test_scores_are_those_of_the_fts_extensions_own_bm25(settings):
    with queries.analyst(settings.lake()) as con:
        ours = {h.article_id: h.score for h in search.search(con, "pipeline sanctions", limit=50)}
        con.execute("USE search")
        theirs = dict(
            con.execute(
                "SELECT article_id, fts_main_documents.match_bm25(doc_id, 'pipeline sanctions') "
                "AS s FROM documents WHERE s IS NOT NULL"
            ).fetchall()
        )
    assert ours == pytest.approx(theirs)


def test_source_dates_and_limit_narrow_the_search(settings):
    assert {h.source for h in hits(settings, "pipeline", source="herald")} == {"herald"}
    assert {h.date for h in hits(settings, "pipeline", since=dt.date(2026, 11, 17))} == {
        dt.date(2026, 11, 17)
    }
    assert {h.date for h in hits(settings, "pipeline", until=dt.date(2026, 11, 16))} == {
        dt.date(2026, 11, 16)
    }
    assert len(hits(settings, "pipeline", limit=2)) == 2


def test_analysts_search_in_sql_through_the_read_only_attach(settings):
    attach = (settings.warehouse / "attach.sql").read_text(encoding="utf-8")
    assert "search.duckdb' AS search (READ_ONLY)" in attach
    with queries.analyst(settings.lake()) as con:
        rows = con.execute(
            "SELECT s.article_id, a.title FROM search.search_articles('pipeline sanctions', "
            "max_results := 1) AS s JOIN articles AS a USING (article_id)"
        ).fetchall()
    assert rows == [("p-many", "Energy")]


def test_a_rebuild_sees_new_articles_and_a_reader_keeps_the_index_it_opened(settings):
    lake = settings.lake()
    with queries.analyst(lake) as reader:
        publish(lake, "planet", D2, articles=[article("p-new", text="pipeline " * 9)])
        search.build_index(lake)
        assert "p-new" not in {h.article_id for h in search.search(reader, "pipeline")}
    assert "p-new" in {h.article_id for h in hits(settings, "pipeline")}


def test_newsflow_search_prints_ranked_articles_and_says_when_there_is_no_index(settings):
    command = [sys.executable, "-m", "newsflow.cli", "--warehouse", str(settings.warehouse)]
    shown = subprocess.run(
        [*command, "search", "pipeline sanctions", "--limit", "2"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert shown.splitlines()[0].startswith(" 1.") and "planet" in shown.splitlines()[0]
    assert " 2." in shown and " 3." not in shown
    settings.lake().search_path.unlink()
    missing = subprocess.run([*command, "search", "pipeline"], capture_output=True, text=True)
    assert missing.returncode == 2
    assert missing.stderr.startswith("newsflow: error: the warehouse has no search index yet")


def test_a_snippet_is_the_text_around_the_first_match_on_one_line():
    text = "Opening words.\n\n" + "x " * 100 + "The sanctioned pipeline\nran dry. " + "y " * 100
    shown = search.snippet(text, "sanctions", width=30)
    assert "sanctioned pipeline ran" in shown and "\n" not in shown
    assert shown.startswith("…") and shown.endswith("…")
