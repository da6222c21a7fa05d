"""Settling names across the corpus in a real lake: labels, short names, places, reruns."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsflow.config import Settings
from newsflow.jobs import upkeep
from newsflow.jobs.upkeep import settle_names
from newsflow.warehouse import commit, queries
from support.tiny_warehouse import article, entity, publish

D1, D2 = "2026-11-16", "2026-11-17"


def mentions(article_id: str, *names: tuple[str, str]) -> list:
    """Entity rows of ``article_id``, one per ``(text, label)``, 20 characters apart."""
    return [
        entity(article_id, text=text, label=label, canonical=text, start_char=20 * i)
        for i, (text, label) in enumerate(names)
    ]


@pytest.fixture
def settings(warehouse: Path) -> Settings:
    settings = Settings.current()
    publish(
        settings.lake(),
        "planet",
        D1,
        articles=[article("p1")],
        entities=mentions(
            "p1",
            ("Vladimir Putin", "PERSON"),
            ("Marseille", "ORG"),
            ("Georgia", "GPE"),
            ("Atlanta", "GPE"),
            ("Harbourside", "ORG"),
        ),
    )
    publish(
        settings.lake(),
        "herald",
        D2,
        articles=[article("h1")],
        entities=mentions(
            "h1",
            ("Putin", "ORG"),
            ("Putin", "PERSON"),
            ("Putin", "PERSON"),
            ("Marseille", "ORG"),
            ("Georgia", "GPE"),
            ("Tbilisi", "GPE"),
            ("Harbourside", "PERSON"),
            ("Harbourside", "PERSON"),
        ),
    )
    return settings


def rows(settings: Settings, sql: str) -> list[tuple]:
    with queries.analyst(settings.lake()) as con:
        return con.execute(sql).fetchall()


def test_names_are_settled_across_partitions_and_a_rerun_changes_nothing(settings):
    first = settle_names(settings=settings)
    assert first["changed"] > 0
    assert rows(
        settings,
        "SELECT DISTINCT source, ner_canonical, canonical, label FROM entities "
        "WHERE ner_canonical IN ('Putin', 'Harbourside', 'Marseille') ORDER BY ALL",
    ) == [
        ("herald", "Harbourside", "Harbourside", "PERSON"),
        ("herald", "Marseille", "Marseille", "GPE"),
        ("herald", "Putin", "Vladimir Putin", "PERSON"),
        # the later partition's votes relabel the earlier one's rows
        ("planet", "Harbourside", "Harbourside", "PERSON"),
        ("planet", "Marseille", "Marseille", "GPE"),
    ]
    # what the model said stays beside what the corpus decided
    assert rows(settings, "SELECT DISTINCT ner_label FROM entities WHERE text = 'Marseille'") == [
        ("ORG",)
    ]
    assert settle_names(settings=settings)["changed"] == 0


def test_each_article_links_a_shared_place_name_to_the_place_it_means(settings):
    settle_names(settings=settings)
    georgia = rows(
        settings,
        "SELECT source, country_code, geonames_id FROM entities WHERE canonical = 'Georgia' "
        "ORDER BY source",
    )
    assert [(source, code) for source, code, _ in georgia] == [("herald", "GE"), ("planet", "US")]
    names = rows(
        settings,
        "SELECT canonical, label, country_code, lat IS NOT NULL, aliases, mentions, articles, "
        "sources FROM entity_names WHERE canonical IN ('Georgia', 'Vladimir Putin') ORDER BY ALL",
    )
    assert names == [
        ("Georgia", "GPE", "GE", True, ["Georgia"], 1, 1, ["herald"]),
        ("Georgia", "GPE", "US", True, ["Georgia"], 1, 1, ["planet"]),
        ("Vladimir Putin", "PERSON", None, False, ["Putin", "Vladimir Putin"], 4, 2,
         ["herald", "planet"]),
    ]  # fmt: skip


def test_rows_of_a_lake_from_before_the_vote_are_settled_too(settings):
    def forget(con):
        con.execute("UPDATE entities SET ner_label = NULL, ner_canonical = NULL")

    with commit.writer(settings.lake()) as con:
        commit.in_transaction(con, forget, what="an old lake's rows")
    settle_names(settings=settings)
    assert rows(
        settings, "SELECT count(*) FROM entities WHERE ner_label IS NULL OR ner_canonical IS NULL"
    ) == [(0,)]
    assert rows(settings, "SELECT DISTINCT label FROM entities WHERE text = 'Marseille'") == [
        ("GPE",)
    ]


def test_articles_read_in_batches_smaller_than_one_article_are_settled_whole(settings, monkeypatch):
    """Rows are read a few at a time; an article's rows still meet, so its places have
    their context (Georgia beside Tbilisi is the country, beside Atlanta the state)."""
    monkeypatch.setattr(upkeep, "_SETTLE_BATCH_ROWS", 3)
    settle_names(settings=settings)
    assert rows(
        settings,
        "SELECT source, country_code FROM entities WHERE canonical = 'Georgia' ORDER BY source",
    ) == [("herald", "GE"), ("planet", "US")]
    assert rows(settings, "SELECT DISTINCT canonical FROM entities WHERE text = 'Putin'") == [
        ("Vladimir Putin",)
    ]
    monkeypatch.undo()
    assert settle_names(settings=settings)["changed"] == 0
