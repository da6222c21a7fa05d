"""Enrichment: named entities with offsets, sentences and canonical names.

spaCy runs with only what NER needs (``tok2vec``, ``senter``, ``ner``), over
batches through ``nlp.pipe``; each model loads once per process. Offsets are
character offsets into the article text exactly as stored, so
``text[start_char:end_char] == mention.text`` holds for every row.

Analysts count entities by ``canonical``, so the key must not depend on how an
article happened to phrase a name:

- ``canonical_name`` is deterministic and context-free, so the same span gives
  the same key in every article: Unicode NFC, straight apostrophes, one space,
  edge quotes and possessives removed; people lose titles and honorifics
  including a nationality or office before them ("Chinese President",
  "Secretary of State", "Mr."); other names lose a leading "the" and the dots
  of acronyms ("U.S." -> "US"). Royal and religious titles ("King Charles",
  "Pope Francis") are kept: without them the name is no longer a useful key.
- Within one article, a shorter mention of a person ("Xi", "Mishustin",
  "Mr. Scholz") resolves to the one full name it is part of, wherever that full
  name appears in the article. A short mention that fits two different people
  ("Jordan" beside "Michael Jordan" and "Jordan Peterson") is left as it is:
  a wrong merge would be counted silently, an unresolved one is visible.
- Within one article every mention of a key carries one label: the majority of
  spaCy's labels for it, ties going to the first occurrence. A short mention
  spaCy labelled ORG or GPE that resolves to a person becomes PERSON.
- Spans that are no names are dropped: punctuation, URLs, e-mail addresses,
  and for name labels single characters and pure numbers (numeric labels such
  as DATE or CARDINAL keep their digits).
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import spacy
from spacy.language import Language

log = logging.getLogger(__name__)

#: Components NER does not need; ``senter`` replaces the parser for sentences.
_EXCLUDED = ("tagger", "parser", "attribute_ruler", "lemmatizer")

#: Labels that name something; the others (DATE, MONEY, CARDINAL, ...) are numeric.
NAME_LABELS = frozenset(
    {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"}
)
#: Labels a surname can be mistaken for by the model.
_SHORT_NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP"})

_MODIFIER = r"(?i:former|acting|interim|deputy|vice|then|late|outgoing|incoming|ex)[- ]+"
_TITLE = (
    r"(?i:president(?:-elect)?|vice[- ]president|prime\s+minister|minister|premier"
    r"|chancellor|secretary(?:[- ]general)?|attorney\s+general|mayor|governor|gov\."
    r"|senator|sen\.|representative|rep\.|congress(?:wo)?man|judge|justice"
    r"|general|gen\.|colonel|col\.|captain|capt\.|lieutenant|lt\.|sergeant|sgt\."
    r"|admiral|adm\.|commander|chief(?:\s+executive)?|ceo|chair(?:man|woman|person)?"
    r"|professor|prof\.?|doctor|dr\.?|mr\.?|mrs\.?|ms\.?|mx\.?|miss|sir|dame|lord"
    r"|baroness|baron|councill?or|commissioner|director|coach|manager|inspector"
    r"|detective|det\.|officer|ambassador|envoy|spokes(?:man|woman|person)|leader"
    r"|speaker|rev\.|reverend|sheikh|ayatollah|emir|sultan)"
)
#: "Chinese President", "Former U.S. President", "Secretary of State", "Mr." ...
_TITLE_PREFIX = re.compile(
    rf"^(?:{_MODIFIER})*(?:[A-Z][\w.'-]*\s+)??{_TITLE}"
    r"(?:\s+(?i:of|for)\s+(?:the\s+)?[A-Z][\w-]*)?\s+(?=\w)"
)
_TITLE_ONLY = re.compile(rf"^(?:{_MODIFIER})*{_TITLE}$")
_POSSESSIVE = re.compile(r"'s?$")
_ACRONYM = re.compile(r"\b(?:[A-Z]\.){2,}")
_QUOTES = "\"'\u201c\u201d\u2018\u2019\u00ab\u00bb\u201e\u201a"
_EDGE = _QUOTES + " ,;:"
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_URL_OR_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.\w+|https?://|www\.|\w\.\w+/", re.I)
_HAS_WORD_CHAR = re.compile(r"[^\W_]")
_HAS_LETTER = re.compile(r"[^\W\d_]")


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


def _strip_titles(name: str) -> str:
    while match := _TITLE_PREFIX.match(name):
        name = name[match.end() :]
    return name


def canonical_name(text: str, label: str) -> str:
    """A counting key for one span, the same in every article (see the module docstring).

    The rules apply until none changes the name, so a canonical name is its
    own canonical name: one pass could uncover another edge ("The ,X", "X's's").
    """
    name = " ".join(unicodedata.normalize("NFC", text).translate(_APOSTROPHES).split())
    while (simpler := _simplify_name(name, label)) != name:
        name = simpler
    return name


def _simplify_name(name: str, label: str) -> str:
    name = _POSSESSIVE.sub("", name.strip(_EDGE)).strip(_EDGE)
    if label == "PERSON":
        return "" if _TITLE_ONLY.match(name) else _strip_titles(name)
    if name[:4].lower() == "the ":
        name = name[4:]
    return _ACRONYM.sub(lambda m: m.group().replace(".", ""), name)


def is_garbage(canonical: str, label: str) -> bool:
    """True for spans that name nothing: punctuation, URLs, e-mails, lone characters, numbers."""
    if not _HAS_WORD_CHAR.search(canonical) or _URL_OR_EMAIL.search(canonical):
        return True
    if label in NAME_LABELS:
        return len(canonical) < 2 or not _HAS_LETTER.search(canonical)
    return False


def _tokens(name: str) -> list[str]:
    return name.casefold().split()


def _full_name_targets(full_names: list[str]) -> dict[str, str]:
    """Each full name -> the one longer full name with its first and last token, else itself.

    So "Vladimir Putin" and "Vladimir V. Putin" in one article are one person.
    """
    targets = {}
    for name in full_names:
        tokens = _tokens(name)
        longer = {
            other
            for other in full_names
            if len(_tokens(other)) > len(tokens)
            and _tokens(other)[0] == tokens[0]
            and _tokens(other)[-1] == tokens[-1]
        }
        targets[name] = longer.pop() if len(longer) == 1 else name
    return targets


def _resolve_names(mentions: list[Mention]) -> list[Mention]:
    """Short and partial mentions of a person -> the full name used in the same article."""
    full_names = sorted(
        {m.canonical for m in mentions if m.label == "PERSON" and len(m.canonical.split()) > 1}
    )
    targets = _full_name_targets(full_names)
    by_token: dict[str, set[str]] = {}
    for name in full_names:
        for token in _tokens(name):
            by_token.setdefault(token, set()).add(targets[name])
    resolved = []
    for m in mentions:
        if m.canonical in targets:
            m = dataclasses.replace(m, canonical=targets[m.canonical])
        elif m.label in _SHORT_NAME_LABELS and len(m.canonical.split()) == 1:
            candidates = by_token.get(m.canonical.casefold(), set())
            if len(candidates) == 1:
                m = dataclasses.replace(m, canonical=next(iter(candidates)), label="PERSON")
        resolved.append(m)
    return resolved


def _harmonise_labels(mentions: list[Mention]) -> list[Mention]:
    """One label per canonical key: the majority, ties to the label seen first."""
    votes: dict[str, Counter[str]] = {}
    for m in mentions:
        votes.setdefault(m.canonical, Counter())[m.label] += 1
    # Counter.most_common keeps insertion (first occurrence) order among equal counts.
    label = {key: counts.most_common(1)[0][0] for key, counts in votes.items()}
    return [dataclasses.replace(m, label=label[m.canonical]) for m in mentions]


def resolve_mentions(mentions: list[Mention]) -> list[Mention]:
    """One article's mentions with short names resolved and one label per canonical key."""
    return _harmonise_labels(_resolve_names(mentions))


def _mentions(doc: spacy.tokens.Doc) -> list[Mention]:
    sentence_starts = [sent.start for sent in doc.sents]
    found = []
    for ent in doc.ents:
        canonical = canonical_name(ent.text, ent.label_)
        if is_garbage(canonical, ent.label_):
            continue
        sentence = bisect.bisect_right(sentence_starts, ent.start) - 1
        found.append(
            Mention(ent.text, ent.label_, canonical, ent.start_char, ent.end_char, sentence)
        )
    return resolve_mentions(found)


def find_entities(
    texts: Sequence[str], *, model: str, batch_size: int
) -> tuple[str, list[list[Mention]]]:
    """Entities of each text, in order, and the id of the model that found them."""
    nlp = load_model(model)
    docs = nlp.pipe(texts, batch_size=batch_size)
    return model_id(nlp), [_mentions(doc) for doc in docs]
