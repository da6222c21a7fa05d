"""Chunks of a long text and batches bounded in size: what bounds NER's memory."""

from __future__ import annotations

import pytest

from newsflow.nlp.bounds import batched, chunk_spans


def _chunks(text: str, max_chars: int) -> list[str]:
    spans = chunk_spans(text, max_chars)
    assert [s for s, _ in spans] == [0, *(e for _, e in spans[:-1])], "spans are consecutive"
    assert spans[-1][1] == len(text)
    assert all(0 < e - s <= max_chars for s, e in spans)
    return [text[s:e] for s, e in spans]


def test_a_text_that_fits_is_one_chunk_and_an_empty_one_none():
    assert chunk_spans("Short text.", 100) == [(0, 11)]
    assert chunk_spans("x" * 100, 100) == [(0, 100)]
    assert chunk_spans("", 100) == []


def test_cuts_go_at_blank_lines_first():
    paragraph = "One sentence here. Another one there.\nA line of it."  # 51 characters
    text = "\n\n".join([paragraph] * 12)
    chunks = _chunks(text, 200)
    assert len(chunks) == 4
    assert all(c.endswith("of it.\n\n") for c in chunks[:-1])
    assert all(c.startswith("One sentence") for c in chunks)


def test_without_blank_lines_at_line_ends_then_sentence_ends_then_spaces():
    lines = "\n".join(["A line with a sentence. And more words"] * 20)
    assert all(c.endswith("words\n") for c in _chunks(lines, 200)[:-1])
    sentences = " ".join(["Mayor Elena Marchetti spoke in Lisbon."] * 20)
    assert all(c.endswith("Lisbon. ") for c in _chunks(sentences, 200)[:-1])
    quoted = " ".join(['He said "it is done." Then'] * 20)
    assert all(c.endswith('done." ') for c in _chunks(quoted, 100)[:-1])
    words = " ".join(["word"] * 200)
    assert all(c.endswith("word ") for c in _chunks(words, 98)[:-1])


def test_sentence_ends_of_scripts_without_spaces():
    text = "\u4eca\u5929\u5929\u6c14\u5f88\u597d\u3002" * 30  # seven characters a sentence
    assert all(c.endswith("\u3002") for c in _chunks(text, 50))


def test_a_run_without_any_boundary_is_cut_hard():
    assert _chunks("x" * 250, 100) == ["x" * 100, "x" * 100, "x" * 50]


def test_a_late_weaker_boundary_beats_an_early_blank_line():
    text = "Short opening.\n\n" + "Long sentence of many words. " * 20
    first = _chunks(text, 200)[0]
    assert len(first) > 100 and first.endswith("words. ")


def test_an_early_blank_line_beats_a_hard_cut():
    text = "Short opening.\n\n" + "x" * 400
    assert _chunks(text, 200)[0] == "Short opening.\n\n"


def test_max_chars_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        chunk_spans("text", 0)


def test_batches_by_count():
    assert list(batched(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(batched([], 3)) == []


def test_batches_by_count_and_weight_end_once_the_weight_is_reached():
    words = ["aaaa", "bb", "cccccccccc", "d", "ee", "ff", "g"]
    assert list(batched(words, 3, max_weight=6)) == [
        ["aaaa", "bb"],
        ["cccccccccc"],  # heavier than the bound: a batch alone
        ["d", "ee", "ff"],
        ["g"],
    ]
    sizes = {"a": 5, "b": 5, "c": 1}
    assert list(batched("abc", 10, max_weight=9, weight=sizes.__getitem__)) == [["a", "b"], ["c"]]


def test_no_item_is_drawn_ahead_of_its_batch():
    items = iter(range(100))
    first = next(batched(items, 4, max_weight=10, weight=lambda n: 3))
    assert first == [0, 1, 2, 3]
    assert next(items) == 4  # the rest is still the caller's
    assert next(batched(items, 2)) == [5, 6]
    assert next(items) == 7
