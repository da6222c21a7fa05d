"""Enrichment: named entities with offsets, sentences and canonical names.

spaCy runs with only what NER needs (``tok2vec``, ``senter``, ``ner``), over
batches through ``nlp.pipe``; each model loads once per process. Offsets are
character offsets into the article text exactly as stored, so
``text[start_char:end_char] == mention.text`` holds for every row.
"""

from __future__ import annotations

import bisect
import functools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

import spacy
from spacy.language import Language

log = logging.getLogger(__name__)

#: Components NER does not need; ``senter`` replaces the parser for sentences.
_EXCLUDED = ("tagger", "parser", "attribute_ruler", "lemmatizer")

_HONORIFIC = re.compile(
    r"^(?:(?:president|vice[- ]president|prime\s+minister|minister|chancellor|mayor|governor"
    r"|senator|judge|justice|king|queen|prince|princess|pope|general|colonel|captain|chief"
    r"|ceo|chairman|chairwoman|professor|prof\.?|dr\.?|mr\.?|mrs\.?|ms\.?|sir|dame|lord|lady"
    r"|councillor|councilor|commissioner|secretary|director|coach|inspector|detective)\s+)+",
    re.I,
)
_POSSESSIVE = re.compile(r"['\u2019]s?$")
_QUOTES = "\"'\u201c\u201d\u2018\u2019\u00ab\u00bb"
_GARBAGE = re.compile(r"^(?:[\W\d_]+|\S+@\S+|https?://\S+|www\.\S+|.)$")


@dataclass(frozen=True)
class Mention:
    """One entity mention in an article."""

    text: str
    label: str
    canonical: str
    start_char: int
    end_char: int
    sentence: int


@functools.cache
def load_model(name: str) -> Language:
    """Load ``name`` once per process with only the NER path enabled."""
    try:
        nlp = spacy.load(name, exclude=list(_EXCLUDED))
    except OSError as e:
        raise RuntimeError(f"spaCy model {name!r} is not installed: {e}") from e
    if "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
    log.info("loaded spaCy model %s with pipes %s", model_id(nlp), nlp.pipe_names)
    return nlp


def model_id(nlp: Language) -> str:
    """``<lang>_<name>-<version>``, recorded on every entity row."""
    return f"{nlp.meta['lang']}_{nlp.meta['name']}-{nlp.meta['version']}"


def canonical_name(text: str, label: str) -> str:
    """A counting key: honorifics, possessives and quotes removed, spaces normalised."""
    name = " ".join(text.split()).strip(_QUOTES + " ")
    name = _POSSESSIVE.sub("", name).strip(_QUOTES + " ")
    if label == "PERSON":
        name = _HONORIFIC.sub("", name)
    elif name.lower().startswith("the "):
        name = name[4:]
    return name


def _resolve_short_names(mentions: list[Mention]) -> list[Mention]:
    """Within one article, map "Marchetti" to "Elena Marchetti" when that is unambiguous."""
    full = {m.canonical for m in mentions if m.label == "PERSON" and " " in m.canonical}
    by_token: dict[str, set[str]] = {}
    for name in full:
        for token in name.split():
            by_token.setdefault(token, set()).add(name)
    resolved = []
    for m in mentions:
        candidates = by_token.get(m.canonical, set()) if m.label == "PERSON" else set()
        if " " not in m.canonical and len(candidates) == 1:
            m = Mention(
                m.text, m.label, next(iter(candidates)), m.start_char, m.end_char, m.sentence
            )
        resolved.append(m)
    return resolved


def _mentions(doc: spacy.tokens.Doc) -> list[Mention]:
    sentence_starts = [sent.start for sent in doc.sents]
    found = []
    for ent in doc.ents:
        canonical = canonical_name(ent.text, ent.label_)
        if _GARBAGE.match(canonical):
            continue
        sentence = bisect.bisect_right(sentence_starts, ent.start) - 1
        found.append(
            Mention(ent.text, ent.label_, canonical, ent.start_char, ent.end_char, sentence)
        )
    return _resolve_short_names(found)


def find_entities(
    texts: Sequence[str], *, model: str, batch_size: int = 64
) -> tuple[str, list[list[Mention]]]:
    """Entities of each text, in order, and the id of the model that found them."""
    nlp = load_model(model)
    docs = nlp.pipe(texts, batch_size=batch_size)
    return model_id(nlp), [_mentions(doc) for doc in docs]
