"""Fictional articles drawn from the story bank, before any site renders them.

Every draw comes from the page's own seeded RNG, and the *sequence* of draws
is part of the output: the committed sample archive is byte-for-byte what
these functions produce for seed 20261116. Reordering two ``rng`` calls, or
skipping one for some topics, changes every page. Comments below mark the
places where that is easy to get wrong.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field
from typing import Any

from .sites import CET
from .vocab import (
    AUTHORS,
    CLUBS,
    COMPANIES,
    DISTRICTS,
    ENERGY_COMPANIES,
    FEMALE_FIRST_NAMES,
    FIRST_NAMES,
    GENERIC_PARAGRAPHS,
    GERMAN_STORY,
    LAST_NAMES,
    PHOTOGRAPHERS,
    PLACES,
    TEASERS,
    TOPICS,
    Topic,
)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: Minimum body length in words; the pipeline's thresholds must never reject an article.
MIN_WORDS = 240
MIN_PARAGRAPHS, MAX_PARAGRAPHS = 6, 10


@dataclass
class Story:
    """One fictional article before it is rendered by a source's template.

    ``candidates`` are the planted named entities with the label spaCy should
    give them; the manifest keeps only those the model really finds.
    """

    topic: str
    title: str
    author: str
    paragraphs: list[str]
    published: dt.datetime
    city: str
    country: str
    language: str = "en"
    candidates: list[tuple[str, str]] = field(default_factory=list)
    standfirst: str = ""
    caption: str = ""
    photographer: str = ""
    teasers: list[str] = field(default_factory=list)
    popular: list[str] = field(default_factory=list)

    @property
    def section(self) -> str:
        """Site section the story is filed under."""
        return TOPICS[self.topic].section if self.topic in TOPICS else "News"

    @property
    def slug(self) -> str:
        """URL slug derived from the title."""
        text = self.title.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
        return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:80]

    @property
    def body(self) -> str:
        """The article body as the pipeline should extract it (paragraphs only)."""
        return "\n\n".join(self.paragraphs)


def _person(rng: random.Random, taken: set[str]) -> tuple[str, str]:
    """A full name with a surname not yet used in this story (so "{p}" is unambiguous)."""
    while True:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if last not in taken:
            taken.add(last)
            return f"{first} {last}", last


def _organisations(rng: random.Random, topic: str, city: str) -> tuple[str, str]:
    """The story's two organisations (``{org}``, ``{org2}``).

    The candidates of *every* topic are drawn, in this order, whatever the
    topic: the original generator built them as one dict literal, and the
    RNG stream (hence every later draw) depends on those calls happening.
    """
    candidates = {
        "council": (f"{city} City Council", "Green Alliance"),
        "port": (rng.choice(COMPANIES), f"Port of {city} Authority"),
        "energy": (rng.choice(ENERGY_COMPANIES), "European Commission"),
        "football": tuple(rng.sample(CLUBS, 2)),
        "science": (f"University of {city}", "European Research Council"),
        "courts": (rng.choice(COMPANIES), f"District Court of {city}"),
        "health": (f"{city} University Hospital", "Ministry of Health"),
        "transport": ("National Union of Rail Workers", "State Railways"),
    }
    org, org2 = candidates[topic]
    return org, org2


def _pronouns(lead: str, second: str) -> dict[str, str]:
    """``{P_he}``, ``{P_his}`` and ``{Q_his}`` from the first names."""
    lead_female = lead.split()[0] in FEMALE_FIRST_NAMES
    second_female = second.split()[0] in FEMALE_FIRST_NAMES
    return {
        "P_he": "she" if lead_female else "he",
        "P_his": "her" if lead_female else "his",
        "Q_his": "her" if second_female else "his",
    }


def _figures(rng: random.Random, day: dt.date) -> dict[str, Any]:
    """The story's district, weekday and numbers (drawn in a fixed order)."""
    return {
        "district": rng.choice(DISTRICTS),
        "weekday": WEEKDAYS[(day - dt.timedelta(days=rng.choice((0, 1)))).weekday()],
        "amount": rng.choice((12, 18, 24, 36, 45, 60, 75, 120, 140)),
        "count": rng.choice((2, 3, 4, 5, 6, 7, 8, 9)),
        "percent": rng.choice((3, 4, 6, 7, 9, 11, 14)),
        "degrees": rng.choice(("0.8", "1.1", "1.3", "1.6")),
        "score": rng.choice(("2-0", "2-1", "3-1", "3-0", "4-2")),
        "votes": rng.choice(("31 to 14", "27 to 18", "25 to 20", "33 to 12")),
    }


def _paragraphs(rng: random.Random, spec: Topic, slots: dict[str, Any]) -> list[str]:
    """One variant per slot, lightly reordered, padded with filler to a real length.

    The lead stays first; the last two slots may swap; one to four filler
    paragraphs go half in the middle and half at the end. A filler that starts
    with the lead's surname is dropped unless the surname is already introduced.
    """
    p = slots["p"]
    paras = [rng.choice(variants).format(**slots) for variants in spec.paragraphs]
    middle = paras[1:]
    if rng.random() < 0.5:
        middle[-1], middle[-2] = middle[-2], middle[-1]
    pool = spec.extras if spec.extras is not None else GENERIC_PARAGRAPHS
    extra = [g.format(**slots) for g in rng.sample(pool, rng.randint(1, 4))]
    extra = [g for g in extra if not g.startswith(p) or p in " ".join(paras)]
    half = len(extra) // 2
    paras = [paras[0], *middle[:2], *extra[:half], *middle[2:], *extra[half:]]
    while len(" ".join(paras).split()) < MIN_WORDS or len(paras) < MIN_PARAGRAPHS:
        paras.append(next(g.format(**slots) for g in pool if g.format(**slots) not in paras))
    return paras[:MAX_PARAGRAPHS]


def _published(rng: random.Random, day: dt.date) -> dt.datetime:
    """A publication time during the newsroom's day."""
    hour, minute = rng.randint(6, 20), rng.choice((0, 5, 12, 20, 30, 41, 45, 55))
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=CET)


def make_story(rng: random.Random, source: str, day: dt.date) -> Story:
    """Draw one English story for ``source`` on ``day``."""
    topic = rng.choice(sorted(TOPICS))
    spec = TOPICS[topic]
    city, country, _adjective = rng.choice(PLACES)
    taken: set[str] = set()
    P, p = _person(rng, taken)
    Q, q = _person(rng, taken)
    org, org2 = _organisations(rng, topic, city)
    slots = {
        **_pronouns(P, Q),
        "P": P,
        "p": p,
        "Q": Q,
        "q": q,
        "org": org,
        "org2": org2,
        "city": city,
        "country": country,
        **_figures(rng, day),
    }
    paras = _paragraphs(rng, spec, slots)
    title = rng.choice(spec.titles).format(**slots)
    title = title[0].upper() + title[1:]
    published = _published(rng, day)
    labels = [
        (P, "PERSON"),
        (Q, "PERSON"),
        (org, "ORG"),
        (org2, "ORG"),
        (city, "GPE"),
        (country.removeprefix("the "), "GPE"),
        (p, "PERSON"),
    ]
    # keyword order is draw order: author, photographer, teasers, popular
    return Story(
        topic=topic,
        title=title,
        author=rng.choice(AUTHORS[source]),
        paragraphs=paras,
        published=published,
        city=city,
        country=country,
        candidates=labels,
        standfirst=spec.standfirst.format(role=spec.roles[0], **slots),
        caption=f"{P} speaking in {city} on {slots['weekday']}.",
        photographer=rng.choice(PHOTOGRAPHERS),
        teasers=rng.sample(TEASERS, 3),
        popular=rng.sample(TEASERS, 5),
    )


def german_story(rng: random.Random, day: dt.date) -> Story:
    """The German-language Daily Planet article (tests language handling)."""
    spec = GERMAN_STORY
    return Story(
        topic=spec["topic"],
        title=spec["title"],
        author=spec["author"],
        paragraphs=list(spec["paragraphs"]),
        published=dt.datetime(day.year, day.month, day.day, 9, 15, tzinfo=CET),
        city=spec["city"],
        country=spec["country"],
        language="de",
        standfirst=spec["standfirst"],
        caption=spec["caption"],
        photographer=rng.choice(PHOTOGRAPHERS),
        teasers=list(spec["teasers"]),
        popular=rng.sample(TEASERS, 5),
    )
