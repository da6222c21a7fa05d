from __future__ import annotations

import datetime as dt
import hashlib
import random

import numpy as np
import pytest

from newsflow.nlp.dedupe import (
    NAME_OVERLAP,
    NEAR_DUPLICATE_JACCARD,
    NUM_PERM,
    ArticleKey,
    Assignment,
    assign_clusters,
    fingerprint,
    name_overlap,
    similarity,
)
from support.pages import STORY

ORIGINAL = "\n\n".join(STORY)
#: Another story on the same topic, with the same people, places and companies.
SAME_TOPIC = "\n\n".join(
    [
        "Lisbon city council on Thursday rejected a proposal by Mayor Elena Marchetti to "
        "raise ferry fares, the third defeat for her transport plans this year.",
        "Councillor Tomas Ferreira, who led the opposition, said the harbour bridge works "
        "already cost commuters enough time and that fares should stay frozen.",
        "The Northwind Shipping Company, which runs the ferries under a contract with the "
        "city, warned that without higher fares it would cut evening crossings.",
        "Marchetti said she would return with a smaller increase after the European "
        "Investment Bank confirms its loan for the bridge in January.",
        "Passengers interviewed at the Alfama terminal were split: some backed a modest "
        "rise, others said the service had been unreliable since the storm.",
    ]
)
BOILERPLATE = (
    "Follow us on Facebook and X for the latest news. Subscribe to our newsletter for the "
    "morning briefing. (c) 2026 Wire Services. All rights reserved."
)
T0 = dt.datetime(2026, 11, 16, 6, tzinfo=dt.UTC)


def _key(aid: str, text: str, *, hours: float = 0, date: str = "2026-11-16") -> ArticleKey:
    return ArticleKey(
        article_id=aid,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        fingerprint=fingerprint(text),
        ingested_at=T0 + dt.timedelta(hours=hours),
        date=dt.date.fromisoformat(date),
    )


def _edited_paragraph(text: str) -> str:
    paragraphs = text.split("\n\n")
    paragraphs[2] = (
        "Engineers from Northwind inspected the bridge last week and reported that two of "
        "the four pillars were weakened by tides."
    )
    return "\n\n".join(paragraphs)


COPIES = {
    "exact": ORIGINAL,
    "new_headline": "Lisbon to rebuild storm-hit harbour bridge\n\n" + ORIGINAL,
    "paragraph_edited": _edited_paragraph(ORIGINAL),
    "boilerplate_appended": ORIGINAL + "\n\n" + BOILERPLATE,
    "all_three": "Bridge to be rebuilt, mayor says\n\n"
    + _edited_paragraph(ORIGINAL)
    + "\n\n"
    + BOILERPLATE,
}


def test_fingerprint_is_a_deterministic_signature():
    fp = fingerprint(ORIGINAL)
    assert isinstance(fp, bytes) and len(fp) > NUM_PERM * 4  # shingles, then names
    assert fingerprint(ORIGINAL) == fp
    assert fingerprint(ORIGINAL.replace(",", " ,")) == fp  # punctuation does not count
    # shingles ignore case; names are capitalised words, so case is what finds them
    assert similarity(fingerprint(ORIGINAL.upper()), fp) == 1.0
    assert fingerprint("") is None and fingerprint(" -- ") is None


@pytest.mark.parametrize("kind", COPIES)
def test_copies_are_similar_and_other_stories_on_the_topic_are_not(kind):
    original = fingerprint(ORIGINAL)
    assert similarity(original, fingerprint(COPIES[kind])) >= NEAR_DUPLICATE_JACCARD
    assert similarity(original, fingerprint(SAME_TOPIC)) < 0.1


@pytest.mark.parametrize("kind", COPIES)
def test_a_copy_lands_in_the_cluster_of_the_earlier_story(kind):
    original = _key("a-original", ORIGINAL)
    copy = _key("b-copy", COPIES[kind], hours=5)
    other = _key("c-other", SAME_TOPIC, hours=6)
    result = assign_clusters([copy, other], [original])
    assert result == {
        "b-copy": Assignment("a-original", "a-original"),
        "c-other": Assignment("c-other", None),
    }


def test_the_first_seen_article_is_the_representative_whatever_its_id():
    late = _key("a-late", ORIGINAL, hours=3)
    early = _key("z-early", COPIES["new_headline"], hours=1)
    assert assign_clusters([late, early]) == {
        "z-early": Assignment("z-early", None),
        "a-late": Assignment("z-early", "z-early"),
    }
    # same ingestion time: the earlier partition date, then the smaller id leads
    same_time = [_key("b", ORIGINAL, date="2026-11-17"), _key("c", ORIGINAL, date="2026-11-16")]
    assert assign_clusters(same_time)["b"] == Assignment("c", "c")
    assert assign_clusters([_key("b", ORIGINAL), _key("a", ORIGINAL)])["b"] == Assignment("a", "a")


def test_a_copy_of_a_copy_joins_the_first_cluster():
    # "all_three" shares more with the edited copy than with the original
    chain = [
        _key("x1", ORIGINAL),
        _key("x2", COPIES["paragraph_edited"], hours=1),
        _key("x3", COPIES["all_three"], hours=2),
    ]
    assert {aid: a.cluster_id for aid, a in assign_clusters(chain).items()} == dict.fromkeys(
        ["x1", "x2", "x3"], "x1"
    )


def test_result_is_independent_of_input_order_and_of_the_new_known_split():
    keys = [
        _key(f"id{i}", text, hours=i)
        for i, text in enumerate([*COPIES.values(), SAME_TOPIC, ORIGINAL + " Update."])
    ]
    expected = assign_clusters(keys)
    shuffled = keys[:]
    random.Random(1).shuffle(shuffled)
    assert assign_clusters(shuffled) == expected
    new, known = shuffled[:3], shuffled[3:]
    assert assign_clusters(new, known) == {k.article_id: expected[k.article_id] for k in new}


def test_a_rerun_replaces_the_known_version_of_an_article():
    known = [_key("a", ORIGINAL), _key("b", SAME_TOPIC, hours=1)]
    # "a" re-ingested with other text that now copies "b": it must not point at itself
    rerun = _key("a", SAME_TOPIC + "\n\n" + BOILERPLATE, hours=2)
    assert assign_clusters([rerun], known) == {"a": Assignment("b", "b")}


def test_articles_without_words_only_match_exact_copies():
    empty = [_key("e1", ""), _key("e2", "", hours=1), _key("s", ORIGINAL, hours=2)]
    result = assign_clusters(empty)
    assert result["e2"] == Assignment("e1", "e1")
    assert result["s"] == Assignment("s", None)


def test_many_known_articles_are_clustered_through_the_lsh_index():
    rng = np.random.default_rng(5)
    known = [
        ArticleKey(
            f"k{i:06d}",
            f"h{i}",
            rng.integers(0, 2**32, NUM_PERM, dtype=np.uint32).astype("<u4").tobytes(),
            T0,
            dt.date(2026, 11, 1),
        )
        for i in range(50_000)
    ]
    known.append(_key("k-story", ORIGINAL, hours=-1))
    new = [_key("n-copy", COPIES["all_three"], hours=9), _key("n-other", SAME_TOPIC, hours=9)]
    assert assign_clusters(new, known) == {
        "n-copy": Assignment("k-story", "k-story"),
        "n-other": Assignment("n-other", None),
    }


def _result(home: str, away: str, score: str, scorer: str, venue: str) -> str:
    """A match report from a wire service's template: same words, other names."""
    return "\n\n".join(
        [
            f"{home} beat {away} {score} on Saturday to go top of the league, with {scorer} "
            f"scoring twice in front of a sell-out crowd at {venue}.",
            f"The visitors started brightly and hit the post after ten minutes, but {scorer} "
            "opened the scoring before half-time with a low shot from the edge of the area.",
            f"{away} pressed for an equaliser after the break and had a penalty appeal turned "
            "down, before the hosts sealed the win on the counter-attack late in the game.",
            f"The manager of {home} said afterwards that the squad had shown great character "
            "and that the title race would go down to the final weeks of the season.",
        ]
    )


def test_templated_stories_about_other_names_are_not_duplicates():
    """Sports results, court fines, earnings: one template, different stories."""
    first = _result("Riverside Rovers", "Harbour City", "2-0", "Jonas Moreau", "Kingsdock Park")
    second = _result("Westport United", "Bergen Athletic", "3-1", "Claire Lindqvist", "Fjord Arena")
    a, b = fingerprint(first), fingerprint(second)
    assert similarity(a, b) >= NEAR_DUPLICATE_JACCARD  # the shingles alone would merge them
    assert name_overlap(a, b) < NAME_OVERLAP
    result = assign_clusters([_key("b", second, hours=1)], [_key("a", first)])
    assert result == {"b": Assignment("b", None)}
    # the same report syndicated with another headline and a footer is still a copy
    syndicated = "Rovers go top\n\n" + first + "\n\n" + BOILERPLATE
    assert name_overlap(a, fingerprint(syndicated)) == 1.0


def test_texts_without_names_are_judged_on_shingles_alone():
    plain = " ".join(["the committee met again and agreed to meet again next week"] * 5)
    assert name_overlap(fingerprint(plain), fingerprint(ORIGINAL)) is None
