"""The given-names table: what it is built from, what it keeps, and how it matches."""

from __future__ import annotations

from newsflow.nlp.entities import is_title
from newsflow.nlp.given_names import (
    MIN_PEOPLE,
    MIN_SOURCES,
    GivenNames,
    built_names,
    load_given_names,
    name_data_dir,
    read_name_data,
    read_table,
    write_table,
)


def test_the_shipped_table_is_what_the_pinned_package_builds():
    assert read_table() == built_names(read_name_data(name_data_dir()), is_title=is_title)


def test_common_widespread_names_are_kept_and_rare_entries_words_and_titles_are_not():
    data = {
        "beatriz": [MIN_SOURCES, MIN_PEOPLE, 0.99, 3],
        "rare": [MIN_SOURCES - 1, 10 * MIN_PEOPLE, 0.5, 3],  # seen by too few sources
        "few": [30, MIN_PEOPLE - 1, 0.5, 3],  # too few people
        "the": [30, 10 * MIN_PEOPLE, 0.2, 3],  # a function word
        "justice": [30, 10 * MIN_PEOPLE, 0.3, 3],  # a title
        "jos-e": [30, 10 * MIN_PEOPLE, 0.0, 3],  # no word
    }
    assert built_names(data, is_title=is_title) == ["beatriz"]


def test_names_match_without_case_or_accents():
    names = GivenNames(["jose", "beatriz"])
    assert "José" in names and "BEATRIZ" in names
    assert "Meanwhile" not in names


def test_the_table_reads_back_what_was_written(tmp_path):
    path = tmp_path / "names.txt.gz"
    write_table(["amara", "lukas"], path)
    assert read_table(path) == ["amara", "lukas"]


def test_the_shipped_table_knows_names_of_many_languages():
    names = load_given_names()
    assert all(n in names for n in ("Beatriz", "Katarzyna", "Pieter", "Hiroshi", "Amara"))
    assert not any(n in names for n in ("Meanwhile", "Officials", "General", "But"))
