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
- A name the gazetteer (:mod:`newsflow.nlp.gazetteer`) knows as a place, right
  after a preposition of place ("in Mytilene", "near Semiluki"), is labelled
  the place in that mention and is no person's short name: the small model
  calls a town it has not seen a person or an organisation.
- A one-word person right after a given name (:mod:`newsflow.nlp.given_names`)
  of the same sentence and of no other entity takes it in: the small model
  finds "Jensen" in "Beatriz Jensen, the chair of ...", and the full name is
  what the surname resolves to.
- Within one article every mention of a key carries one label: the majority of
  its labels, ties going to the first occurrence. A short mention
  spaCy labelled ORG or GPE that resolves to a person becomes PERSON.
- Spans that are no names are dropped: punctuation, URLs, e-mail addresses,
  and for name labels single characters and pure numbers (numeric labels such
  as DATE or CARDINAL keep their digits).

What NER holds at once is bounded whatever the article (:class:`NerLimits`):
a long text is read in chunks cut at paragraph, line or sentence ends
(:mod:`newsflow.nlp.bounds`), batches are bounded in tokens as well as in
chunks, and an article that has had its time budget keeps what was found so
far, its cut recorded (:attr:`TextEntities.cut_at`). Offsets stay those of the
whole text, sentences are numbered from its start (a chunk starts a sentence),
and names resolve across all of it.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import logging
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from newsflow.nlp.bounds import batched, chunk_spans
from newsflow.nlp.gazetteer import Gazetteer, load_gazetteer
from newsflow.nlp.given_names import GivenNames, load_given_names
from newsflow.nlp.labels import NAME_LABELS, PLACE_LABELS, SHORT_NAME_LABELS

log = logging.getLogger(__name__)

#: Components NER does not need; ``senter`` replaces the parser for sentences.
_EXCLUDED = ("tagger", "parser", "attribute_ruler", "lemmatizer")


_MODIFIER = r"(?i:former|acting|interim|deputy|vice|then|late|outgoing|incoming|ex)[- ]+"
_TITLE = (
    r"(?i:president(?:-elect)?|vice[- ]president|prime\s+minister|minister|premier"
    r"|chancellor|secretary(?:[- ]general)?|attorney\s+general|mayor|governor|gov\."
    r"|senator|sen\.|representative|rep\.|congress(?:wo)?man|judge|justice"
    r"|general|gen\.|major|maj\.|colonel|col\.|captain|capt\.|lieutenant|lt\.|sergeant|sgt\."
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
#: Prepositions of place: a name the gazetteer knows right after one ("talks in
#: Mytilene", "a farm near Semiluki") is the place, whatever the model says. Words
#: that often come before a company or a person ("at", "from", "to") are not in it.
_PLACE_PREPOSITIONS = frozenset({"in", "near", "outside", "around", "across", "throughout"})
_POSSESSIVE_TOKENS = frozenset({"'s", "\u2019s", "'", "\u2019"})
#: Labels the model gives a town it does not know: not NORP ("in Roman mythology")
#: and no numeric label ("in one phase", "in spring water").
_TOWN_MISTAKEN_FOR = PLACE_LABELS | {"PERSON", "ORG", "FAC", "PRODUCT"}


@dataclass(frozen=True)
class Mention:
    """One entity mention in an article."""

    text: str
    label: str
    canonical: str
    start_char: int
    end_char: int
    sentence: int
    #: The article's words say it is a place (:func:`_placed_label`): no person's short name.
    placed: bool = False


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


def is_title(word: str) -> bool:
    """Whether ``word`` is a title or a role that precedes names ("Justice", "Mr")."""
    return bool(_TITLE_ONLY.match(word))


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


def _with_given_name(doc: Doc, ent: Span, given_names: GivenNames, gazetteer: Gazetteer) -> Span:
    """``ent`` with the given name before it when it is a one-word person and the word
    before is a capitalised given name of its sentence, of no entity, and no well-known
    place ("Beatriz Jensen"; not "Meanwhile Jensen", nor "Paris" of "Paris Jensen")."""
    if ent.label_ != "PERSON" or len(ent) != 1 or ent.start == ent.sent.start:
        return ent
    word = doc[ent.start - 1]
    if (
        word.ent_type_
        or not (word.is_title and word.is_alpha)
        or word.text not in given_names
        or gazetteer.well_known_label(word.text)
    ):
        return ent
    return Span(doc, word.i, ent.end, label=ent.label_)


def _placed_label(doc: Doc, ent: Span, canonical: str, gazetteer: Gazetteer) -> str | None:
    """The place's label when ``ent`` is a capitalised name the gazetteer knows as a
    place, after a preposition of place and no possessive ("in Jackson's view")."""
    if ent.label_ not in _TOWN_MISTAKEN_FOR or not canonical[:1].isupper():
        return None
    start, end = ent.start, ent.end
    before = doc[start - 1].lower_ if start else ""
    after = doc[end].lower_ if end < len(doc) else ""
    if before not in _PLACE_PREPOSITIONS or after in _POSSESSIVE_TOKENS:
        return None
    places = gazetteer.candidates(canonical)
    return places[0].label if places else None


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
        elif m.label in SHORT_NAME_LABELS and len(m.canonical.split()) == 1 and not m.placed:
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


@dataclass(frozen=True)
class NerLimits:
    """How much NER holds at once and how long it may take (the ``NEWSFLOW_NER_*`` settings).

    Memory follows tokens, not characters, at up to 20 KB a token of a batch:
    10,000 tokens (50,000 characters of prose) peaked at 300 MB, 40,000
    characters of punctuation (40,000 tokens) at 950 MB. So chunks are cut by
    characters, where a cut costs least, and batches bounded by tokens; a
    chunk holds at most ``chunk_chars`` tokens.
    """

    #: Chunks per ``nlp.pipe`` batch at most.
    batch_size: int
    #: Tokens after which a ``nlp.pipe`` batch ends (0: no bound): a batch holds fewer
    #: than this plus one chunk.
    batch_tokens: int
    #: Characters spaCy reads of one text at once: longer texts are read in chunks.
    chunk_chars: int
    #: Seconds of NER per text (0: no limit). Checked before each chunk is batched,
    #: so a text overruns it by one batch at most.
    time_budget: float


@dataclass(frozen=True)
class TextEntities:
    """What NER found in one text."""

    mentions: list[Mention]
    #: Where the time budget stopped NER: the text from here on was not read (None: all was).
    cut_at: int | None
    #: Seconds of NER the text took: its share, by tokens, of each batch it was in
    #: (tokenising, a small part, is not counted).
    seconds: float


@dataclass
class _Reading:
    """One text as NER reads it, chunk by chunk in order."""

    text: str
    gazetteer: Gazetteer
    given_names: GivenNames
    sentences: int = 0
    seconds: float = 0.0
    cut_at: int | None = None
    found: list[Mention] = field(default_factory=list)

    def may_read(self, start: int, budget: float) -> bool:
        """False once the time budget is spent, ``cut_at`` then the first chunk refused."""
        if budget and self.seconds > budget:
            self.cut_at = start
            return False
        return True

    def read(self, doc: Doc, start: int) -> None:
        """The mentions of the chunk at ``start``, with offsets and sentences of the whole text."""
        sentence_starts = [sent.start for sent in doc.sents]
        for ent in doc.ents:
            ent = _with_given_name(doc, ent, self.given_names, self.gazetteer)
            canonical = canonical_name(ent.text, ent.label_)
            if is_garbage(canonical, ent.label_):
                continue
            sentence = self.sentences + bisect.bisect_right(sentence_starts, ent.start) - 1
            place = _placed_label(doc, ent, canonical, self.gazetteer)
            self.found.append(
                Mention(
                    ent.text,
                    place or ent.label_,
                    canonical,
                    start + ent.start_char,
                    start + ent.end_char,
                    sentence,
                    placed=place is not None,
                )
            )
        self.sentences += len(sentence_starts)

    def result(self) -> TextEntities:
        """Names resolved across every chunk read (see the module docstring)."""
        return TextEntities(resolve_mentions(self.found), self.cut_at, self.seconds)


@dataclass(frozen=True)
class _Chunk:
    """A chunk of a text at ``start``, tokenised (the tokens are what a batch weighs)."""

    reading: _Reading
    start: int
    doc: Doc


def _chunks(nlp: Language, readings: list[_Reading], limits: NerLimits) -> Iterator[_Chunk]:
    """Every text's chunks in order, tokenised as they are drawn; none past a spent budget.

    A chunk is drawn only as its batch fills (:func:`batched`), after the
    batches before have run and been timed.
    """
    for reading in readings:
        for start, end in chunk_spans(reading.text, limits.chunk_chars):
            if not reading.may_read(start, limits.time_budget):
                break
            yield _Chunk(reading, start, nlp.make_doc(reading.text[start:end]))


def _read_batch(nlp: Language, batch: list[_Chunk]) -> None:
    """Run one batch of chunks; each text is charged its share of the time by tokens."""
    tokens = sum(len(chunk.doc) for chunk in batch)
    if not tokens:
        return
    started = time.perf_counter()
    for chunk, doc in zip(batch, nlp.pipe(chunk.doc for chunk in batch), strict=True):
        chunk.reading.read(doc, chunk.start)
    seconds_per_token = (time.perf_counter() - started) / tokens
    for chunk in batch:
        chunk.reading.seconds += seconds_per_token * len(chunk.doc)


def find_entities(
    texts: Sequence[str], *, model: str, limits: NerLimits
) -> tuple[str, list[TextEntities]]:
    """Entities of each text, in order, and the id of the model that found them.

    Texts are read in chunks, in batches bounded by ``limits``; a text over its
    time budget is read no further and keeps the mentions of its chunks read.
    """
    nlp = load_model(model)
    gazetteer, given_names = load_gazetteer(), load_given_names()
    readings = [_Reading(text, gazetteer, given_names) for text in texts]
    chunks = _chunks(nlp, readings, limits)
    for batch in batched(
        chunks, limits.batch_size, max_weight=limits.batch_tokens, weight=lambda c: len(c.doc)
    ):
        _read_batch(nlp, batch)
    return model_id(nlp), [reading.result() for reading in readings]
