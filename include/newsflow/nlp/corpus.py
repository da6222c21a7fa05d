"""Names across the corpus: one canonical name and one label per name, places linked to GeoNames.

:mod:`newsflow.nlp.entities` resolves names within one article; what it
decides is kept on every entity row as ``ner_canonical`` and ``ner_label``.
This module decides across every article, from those alone, so the decision
is the same whatever order partitions land in and can be recomputed whenever
one does (:func:`newsflow.jobs.upkeep.settle_names`):

- **Short names across articles**: a one-word name ("Putin", "Mishustin",
  "Xi") becomes the full name of the one person in the corpus whose last word
  it is (else, for family-name-first names, whose first word it is). Two
  people with that word stay apart: the short name is left as it is, visible,
  rather than merged wrongly, but labelled a person. The small model often
  calls a lone surname an organisation or a place; such a name is still a
  person's unless something says it is one (:func:`_short_names`): "Ford"
  beside "Ford Motor" must not become "Harrison Ford". A short name's mentions
  count as PERSON votes for the full name (or, shared, for itself), as within
  an article.
- **A given name votes for a person** (:func:`_given_name_votes`): the model
  may call a person it sees once an organisation in every mention ("Lukas
  Navarro" ORG, then "Navarro" ORG). A name of a given name
  (:mod:`newsflow.nlp.given_names`) and a surname the corpus also has alone,
  which ends no other name of a thing, gets :data:`GIVEN_NAME_VOTES` PERSON
  votes: enough for a name the model saw once or twice, not for "Calvin Klein"
  seen as an organisation again and again.
- **One label per name** (:func:`_corpus_label`): each mention is a vote for
  its ``ner_label``; the most voted label wins, ties going to the first in
  :data:`TIE_ORDER` (not to the first seen: the order partitions land in must
  not matter). A name that is a well-known place (:mod:`newsflow.nlp.gazetteer`)
  and not a person's short name is the place, whatever the votes: the small
  model reads a city standing for its club or government ("Marseille won",
  "Moscow said") as an organisation and a lone city name as a person
  ("Valencia"), and a place that is in the corpus a person's name has been
  resolved to that person by then. A smaller town the gazetteer knows gets
  votes for the place worth :data:`TOWN_PRIOR` of its mentions.
- **Places on the map** (:func:`link_places`): a name decided GPE or LOC gets the
  GeoNames place it means in its article: of several places with the name,
  one in a country the article's unambiguous places are in, else the most
  populous.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from newsflow.nlp.gazetteer import Gazetteer, Place
from newsflow.nlp.given_names import GivenNames
from newsflow.nlp.labels import NAME_LABELS, PLACE_LABELS, SHORT_NAME_LABELS

#: Labels of names whose first word is then no surname ("Tesla Motors").
_NAMES_OF_THINGS = frozenset({"ORG", "PRODUCT", "FAC"})
#: What the gazetteer's word weighs for a name it knows as a town too small to be well
#: known: votes for the place worth this share of the name's mentions. A town the model
#: calls a person in 4 mentions of 5 stays a person; one it calls a person, a product
#: and an organisation by turns is the town.
TOWN_PRIOR = 0.5
#: How many times the full name's mentions a short name may have and still be its short form.
SHORT_NAME_RATIO = 10
#: What the model calls a person it does not know, besides a person.
_PEOPLE_MISTAKEN_FOR = frozenset({"ORG", "GPE", "LOC", "FAC", "PRODUCT"})
#: PERSON votes a name gets for starting with a given name (:func:`_given_name_votes`).
GIVEN_NAME_VOTES = 1.5
#: Who wins a tie of votes: people, then organisations, then places, then the rest
#: alphabetically.
TIE_ORDER = ("PERSON", "ORG", "GPE", "LOC", "NORP")


@dataclass(frozen=True)
class SettledName:
    """What the corpus decided for one ``ner_canonical``."""

    canonical: str
    label: str


def majority_label(votes: Counter[str]) -> str:
    """The most voted label; a tie goes to the first in :data:`TIE_ORDER`."""
    return min(votes.items(), key=_vote_order)[0]


def _corpus_label(name: str, votes: Counter[str], gazetteer: Gazetteer) -> str:
    """The label of a name across the corpus: a well-known place's, else the vote, in
    which a smaller town the gazetteer knows has :data:`TOWN_PRIOR` of the votes' worth
    for the place besides the model's."""
    if place_label := gazetteer.well_known_label(name):
        return place_label
    if towns := gazetteer.candidates(name):
        votes = votes + Counter({towns[0].label: TOWN_PRIOR * votes.total()})
    return majority_label(votes)


def _vote_order(item: tuple[str, int]) -> tuple[int, int, str]:
    label, count = item
    rank = TIE_ORDER.index(label) if label in TIE_ORDER else len(TIE_ORDER)
    return -count, rank, label


def _person_index(labels: dict[str, str]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Names of two words or more by their last word and by their first word (case-folded).

    Every such name counts, whatever its label: a person the model once called an
    organisation ("Nadia Haddad" ORG) still makes "Haddad" ambiguous beside
    "Oliver Haddad", so neither gets the other's mentions.
    """
    by_last: dict[str, set[str]] = defaultdict(set)
    by_first: dict[str, set[str]] = defaultdict(set)
    for name, label in labels.items():
        words = name.casefold().split()
        if len(words) > 1 and label in NAME_LABELS:
            by_last[words[-1]].add(name)
            by_first[words[0]].add(name)
    return by_last, by_first


def _organisation_words(labels: dict[str, str]) -> set[str]:
    """First words of the corpus's names of organisations, products and buildings of two
    words or more: "Tesla" of "Tesla Motors" is a company's name, not a surname."""
    return {
        name.casefold().split()[0]
        for name, label in labels.items()
        if label in _NAMES_OF_THINGS and len(name.split()) > 1
    }


@dataclass(frozen=True)
class _ShortNames:
    """What the corpus says its one-word names are short for."""

    #: One person's short name -> that person's full name.
    full_names: dict[str, str]
    #: Short names of two people or more: a person's name, though not which person's.
    shared_surnames: set[str]


def _given_name_votes(
    by_name: dict[str, Counter[str]], given_names: GivenNames, gazetteer: Gazetteer
) -> dict[str, Counter[str]]:
    """``by_name`` with :data:`GIVEN_NAME_VOTES` PERSON votes more for each name that
    reads as a person's (:func:`_reads_as_person`)."""
    labels = {name: majority_label(counts) for name, counts in by_name.items()}
    words = _CorpusWords(
        alone={name.casefold(): label for name, label in labels.items() if " " not in name},
        thing_endings=Counter(
            name.rsplit(" ", 1)[-1].casefold()
            for name, label in labels.items()
            if " " in name and label != "PERSON"
        ),
    )
    return {
        name: counts + Counter({"PERSON": GIVEN_NAME_VOTES})
        if _reads_as_person(name, labels[name], words, given_names, gazetteer)
        else counts
        for name, counts in by_name.items()
    }


@dataclass(frozen=True)
class _CorpusWords:
    """What the corpus's names say about single words (case-folded)."""

    #: One-word names and their labels.
    alone: dict[str, str]
    #: Last words of names of two words or more not voted PERSON, with their counts.
    thing_endings: Counter[str]


def _reads_as_person(
    name: str, label: str, words: _CorpusWords, given_names: GivenNames, gazetteer: Gazetteer
) -> bool:
    """Whether a name the model calls something else is written as a person's: two
    capitalised words, a given name and a word that is none; the corpus has that word
    alone, as a name a surname is mistaken for ("Navarro" ORG beside "Lukas Navarro"
    ORG; not "Victoria Station" without "Station"); it ends no other name of a thing
    ("Eden Park" beside "Central Park": a word names end with is a common noun), and
    the gazetteer knows it as no town ("Margaret River") nor the surname as a
    well-known place."""
    parts = name.split()
    if label not in _PEOPLE_MISTAKEN_FOR or len(parts) != 2:
        return False
    given, surname = parts
    key = surname.casefold()
    return (
        all(part.isalpha() and part.istitle() for part in parts)
        and given in given_names
        and surname not in given_names
        and words.alone.get(key) in SHORT_NAME_LABELS
        and words.thing_endings[key] == 1
        and not gazetteer.well_known_label(surname)
        and not gazetteer.candidates(name)
    )


def _short_names(
    by_name: dict[str, Counter[str]], labels: dict[str, str], gazetteer: Gazetteer
) -> _ShortNames:
    """The corpus's one-word names that are people's short names.

    A word is a short name when a name of two words or more has it as last word
    (or else first word) and that name or the word is voted PERSON (the model
    may call "Lukas Costa" an organisation and "Costa" a person). Of exactly one
    such name it is that person's short name; of several ("Smith" beside "John
    Smith" and "Anna Smith") it stays apart, labelled a person. The word counts
    as a short name if most of its mentions say PERSON, or if the model gave it
    another label a surname is mistaken for (ORG, GPE, LOC, NORP) and nothing
    says it is something else: it is no well-known place, it begins no
    organisation's name, and it has at most :data:`SHORT_NAME_RATIO` times the
    mentions of the full names (lone "Tesla" thousands of times beside "Nikola
    Tesla" a few is the company). ``by_name`` counts mentions, ``labels`` are the
    names' labels by the votes.
    """
    by_last, by_first = _person_index(labels)
    organisation_words = _organisation_words(labels)
    short = _ShortNames({}, set())
    for name, label in labels.items():
        key = name.casefold()
        if len(key.split()) != 1:
            continue
        people = by_last.get(key) or by_first.get(key, set())
        if not any("PERSON" in (labels[person], label) for person in people):
            continue
        mistaken = (
            label in SHORT_NAME_LABELS - {"PERSON"}
            and not gazetteer.well_known_label(name)
            and key not in organisation_words
            and by_name[name].total()
            <= SHORT_NAME_RATIO * sum(by_name[person].total() for person in people)
        )
        if label != "PERSON" and not mistaken:
            continue
        if len(people) == 1:
            short.full_names[name] = next(iter(people))
        else:
            short.shared_surnames.add(name)
    return short


def settle_names(
    votes: Iterable[tuple[str, str, int]], gazetteer: Gazetteer, given_names: GivenNames
) -> dict[str, SettledName]:
    """``ner_canonical -> SettledName`` from ``(ner_canonical, ner_label, mentions)`` votes."""
    by_name: dict[str, Counter[str]] = defaultdict(Counter)
    for name, label, mentions in votes:
        by_name[name][label] += mentions
    voted = _given_name_votes(by_name, given_names, gazetteer)
    labels = {name: majority_label(counts) for name, counts in voted.items()}
    short = _short_names(by_name, labels, gazetteer)
    full_names = short.full_names
    pooled: dict[str, Counter[str]] = defaultdict(Counter)
    for name, counts in by_name.items():
        if name in full_names:
            pooled[full_names[name]]["PERSON"] += counts.total()
        elif name in short.shared_surnames:
            pooled[name]["PERSON"] += counts.total()
        else:
            pooled[name].update(voted[name])
    final = {name: _corpus_label(name, counts, gazetteer) for name, counts in pooled.items()}
    settled = {}
    for name in by_name:
        canonical = full_names.get(name, name)
        settled[name] = SettledName(canonical, final[canonical])
    return settled


def link_places(names: Iterable[tuple[str, str]], gazetteer: Gazetteer) -> dict[str, Place]:
    """``canonical -> Place`` for one article's ``(canonical, label)`` names that are places."""
    candidates = {
        name: places
        for name, label in set(names)
        if label in PLACE_LABELS and (places := gazetteer.candidates(name))
    }
    countries = {
        places[0].country_code
        for places in candidates.values()
        if len(places) == 1 and places[0].country_code
    }
    return {
        name: next((p for p in places if p.country_code in countries), places[0])
        for name, places in candidates.items()
    }
