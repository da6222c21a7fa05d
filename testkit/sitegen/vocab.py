"""The generator's vocabularies, read once from the files in ``data/``.

Names, places, organisations and the story bank are data, not code: they are
edited by people who write copy, and a diff of ``teasers.txt`` reads better
than a diff of a Python tuple. The order of items matters (the seeded RNG
picks by position), so the loaders keep it, and they refuse blank or padded
lines: a stray empty line would silently become an item and change every
page drawn after it.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any, NamedTuple

_DATA = resources.files(__package__).joinpath("data")


def read_text(name: str) -> str:
    """The UTF-8 text of data file ``name`` (works from a wheel as from a checkout)."""
    return _DATA.joinpath(name).read_text(encoding="utf-8")


def read_lines(name: str) -> tuple[str, ...]:
    """The items of a one-item-per-line ``.txt`` file, in file order."""
    items = tuple(read_text(name).splitlines())
    for number, item in enumerate(items, 1):
        if not item or item != item.strip():
            raise ValueError(f"{name}:{number}: blank or padded line {item!r}")
    return items


def read_json(name: str) -> Any:
    """A parsed ``.json`` data file (objects keep their key order)."""
    return json.loads(read_text(name))


class Place(NamedTuple):
    """A city, its country as prose names it ("the Netherlands") and the adjective."""

    city: str
    country: str
    adjective: str


def read_places(name: str = "places.tsv") -> tuple[Place, ...]:
    """The places table: tab-separated, one place per line under a header."""
    rows = csv.DictReader(io.StringIO(read_text(name)), delimiter="\t")
    return tuple(Place(r["city"], r["country"], r["adjective"]) for r in rows)


@dataclass(frozen=True)
class Topic:
    """One beat of the story bank.

    ``paragraphs`` are slots, each a tuple of interchangeable variants; the
    lead slot comes first. ``extras`` are the topic's own filler paragraphs
    (sport and science bring their own; civic topics use the generic ones).
    Texts carry ``str.format`` placeholders filled per story.
    """

    name: str
    section: str
    roles: tuple[str, ...]
    standfirst: str
    titles: tuple[str, ...]
    paragraphs: tuple[tuple[str, ...], ...]
    extras: tuple[str, ...] | None = None


def read_topics(name: str = "topics.json") -> dict[str, Topic]:
    """The story bank, keyed by topic name."""
    return {
        key: Topic(
            name=key,
            section=spec["section"],
            roles=tuple(spec["roles"]),
            standfirst=spec["standfirst"],
            titles=tuple(spec["titles"]),
            paragraphs=tuple(tuple(slot) for slot in spec["paragraphs"]),
            extras=tuple(spec["extras"]) if "extras" in spec else None,
        )
        for key, spec in read_json(name).items()
    }


FIRST_NAMES = read_lines("first_names.txt")
#: First names that take "she"/"her" in the prose.
FEMALE_FIRST_NAMES = frozenset(read_lines("female_first_names.txt"))
LAST_NAMES = read_lines("last_names.txt")
#: Bylines per source id.
AUTHORS: dict[str, tuple[str, ...]] = {
    source: tuple(names) for source, names in read_json("authors.json").items()
}
BEATS = read_lines("beats.txt")
PHOTOGRAPHERS = read_lines("photographers.txt")
PLACES = read_places()
COMPANIES = read_lines("companies.txt")
ENERGY_COMPANIES = read_lines("energy_companies.txt")
CLUBS = read_lines("clubs.txt")
DISTRICTS = read_lines("districts.txt")
TOPICS = read_topics()
#: Filler paragraphs that fit any civic story.
GENERIC_PARAGRAPHS = read_lines("generic_paragraphs.txt")
#: Headlines of other stories, for "Also read" blocks and "Most popular" lists.
TEASERS = read_lines("teasers.txt")
#: The one German article (title, author, paragraphs and its page furniture).
GERMAN_STORY: dict[str, Any] = read_json("german_story.json")
