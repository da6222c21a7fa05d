"""Names across the corpus: one canonical name and one label per name, places linked to GeoNames.

:mod:`newsflow.nlp.entities` resolves names within one article; what it
decides is kept on every entity row as ``ner_canonical`` and ``ner_label``.
This module decides across every article, from those alone, so the decision
is the same whatever order partitions land in and can be recomputed whenever
one does (:func:`newsflow.jobs.names.settle_names`):

- **Short names across articles**: a one-word name most of whose mentions
  say PERSON ("Putin", "Mishustin", "Xi") becomes the full name of the one
  person in the corpus whose last word it is (else, for family-name-first
  names, whose first word it is). Two people with that word stay apart: the
  short name is left as it is, visible, rather than merged wrongly. Only names
  voted PERSON are resolved: "Ford" the company must not become "Harrison
  Ford". A resolved short name's mentions count as PERSON votes for the full
  name, as within an article.
- **One label per name** (:func:`decide_label`): each mention is a vote for
  its ``ner_label``; the most voted label wins, ties going to the first in
  :data:`TIE_ORDER` (not to the first seen: the order partitions land in must
  not matter). A name that is a well-known place (:mod:`newsflow.nlp.gazetteer`) and
  not a person's short name is the place, whatever the votes: the small model
  reads a city standing for its club or government ("Marseille won", "Moscow
  said") as an organisation and a lone city name as a person ("Valencia"),
  and a place that is in the corpus a person's name has been resolved to that
  person by then.
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

PLACE_LABELS = frozenset({"GPE", "LOC"})
#: Who wins a tie of votes: people, then organisations, then places, then the rest
#: alphabetically.
TIE_ORDER = ("PERSON", "ORG", "GPE", "LOC", "NORP")


@dataclass(frozen=True)
class SettledName:
    """What the corpus decided for one ``ner_canonical``."""

    canonical: str
    label: str


def decide_label(votes: Counter[str], *, place_label: str | None = None) -> str:
    """A name's label: ``place_label`` if it is a well-known place, else its mentions' majority."""
    return place_label or min(votes.items(), key=_vote_order)[0]


def _vote_order(item: tuple[str, int]) -> tuple[int, int, str]:
    label, count = item
    rank = TIE_ORDER.index(label) if label in TIE_ORDER else len(TIE_ORDER)
    return -count, rank, label


def _person_index(labels: dict[str, str]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Full names of people by their last word and by their first word (case-folded)."""
    by_last: dict[str, set[str]] = defaultdict(set)
    by_first: dict[str, set[str]] = defaultdict(set)
    for name, label in labels.items():
        words = name.casefold().split()
        if label == "PERSON" and len(words) > 1:
            by_last[words[-1]].add(name)
            by_first[words[0]].add(name)
    return by_last, by_first


def _full_names(labels: dict[str, str]) -> dict[str, str]:
    """Each one-word name decided PERSON -> the one full name it stands for, where there is one."""
    by_last, by_first = _person_index(labels)
    resolved = {}
    for name, label in labels.items():
        if label != "PERSON" or len(name.split()) != 1:
            continue
        key = name.casefold()
        people = by_last.get(key) or by_first.get(key, set())
        if len(people) == 1:
            resolved[name] = next(iter(people))
    return resolved


def settle_names(
    votes: Iterable[tuple[str, str, int]], gazetteer: Gazetteer
) -> dict[str, SettledName]:
    """``ner_canonical -> SettledName`` from ``(ner_canonical, ner_label, mentions)`` votes."""
    by_name: dict[str, Counter[str]] = defaultdict(Counter)
    for name, label, mentions in votes:
        by_name[name][label] += mentions
    full_names = _full_names({name: decide_label(counts) for name, counts in by_name.items()})
    pooled: dict[str, Counter[str]] = defaultdict(Counter)
    for name, counts in by_name.items():
        if name in full_names:
            pooled[full_names[name]]["PERSON"] += counts.total()
        else:
            pooled[name].update(counts)
    final = {
        name: decide_label(counts, place_label=gazetteer.well_known_label(name))
        for name, counts in pooled.items()
    }
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
