"""Given names: what tells "Beatriz" in "Beatriz Jensen" from "Meanwhile" in "Meanwhile Jensen".

The small model often finds a person's surname and not the given name before
it ("Beatriz Jensen, the chair of ..." comes out as ``Jensen``), or calls a
person it has never seen an organisation in every mention ("Lukas Navarro"
ORG, then "Navarro" ORG). A list of given names is the evidence the model
lacks: :mod:`newsflow.nlp.entities` puts a given name in front of a one-word
person back into the name, and :mod:`newsflow.nlp.corpus` counts a given name
at the front of a name as a vote for a person.

Built offline, by ``tools/build_given_names.py``, into :data:`GIVEN_NAMES_FILE`
(a table shipped with the package; a test checks it is what the pinned
package builds), from ``nomquamgender``: the first names of some 40 million
authors of scholarly papers from many countries, each with the number of
sources that saw it and the number of people so named (MIT). A name is kept
when it is common and widespread (:data:`MIN_SOURCES`, :data:`MIN_PEOPLE`):
rarer entries of the data are initials, typing slips and words. Function
words ("The", "But") and titles ("Justice", "General") are left out, since
they open sentences and precede surnames as no given name does.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import json
from collections.abc import Callable
from pathlib import Path

from newsflow.nlp.gazetteer import name_key

#: The built table: one case-folded given name per line, accents off.
GIVEN_NAMES_FILE = Path(__file__).with_name("given_names.txt.gz")
#: Sources (of the data's 36) that must have seen a name.
MIN_SOURCES = 15
#: People the data must know by the name.
MIN_PEOPLE = 1000


def built_names(name_data: dict[str, list], *, is_title: Callable[[str], bool]) -> list[str]:
    """The given names of ``nomquamgender``'s ``name_data.json``, sorted.

    Each entry is ``name -> [sources, people, share female, ...]``.
    """
    # imported here, for building only: the corpus vote reads the table without spaCy
    from spacy.lang.en.stop_words import STOP_WORDS

    return sorted(
        name
        for name, (sources, people, *_) in name_data.items()
        if sources >= MIN_SOURCES
        and people >= MIN_PEOPLE
        and name.isalpha()
        and name.isascii()
        and name not in STOP_WORDS
        and not is_title(name)
    )


def name_data_dir() -> Path:
    """Where the installed ``nomquamgender`` is: found, not imported (importing it loads
    pandas)."""
    spec = importlib.util.find_spec("nomquamgender")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("nomquamgender is not installed (requirements.txt)")
    return Path(next(iter(spec.submodule_search_locations)))


def read_name_data(package_dir: Path) -> dict[str, list]:
    """``name_data.json`` of ``nomquamgender``'s package folder."""
    return json.loads((package_dir / "name_data.json").read_text(encoding="utf-8"))


def write_table(names: list[str], path: Path = GIVEN_NAMES_FILE) -> None:
    """One name a line, gzipped without a timestamp."""
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write("".join(f"{name}\n" for name in names).encode("ascii"))


def read_table(path: Path = GIVEN_NAMES_FILE) -> list[str]:
    with gzip.open(path, "rt", encoding="ascii") as lines:
        return [line.rstrip("\n") for line in lines]


class GivenNames:
    """The table's names, matched case-folded and without accents ("José" is "jose")."""

    def __init__(self, names: list[str]) -> None:
        self._names = frozenset(names)

    def __contains__(self, word: str) -> bool:
        return name_key(word) in self._names


@functools.cache
def load_given_names() -> GivenNames:
    """The shipped table, read once per process."""
    return GivenNames(read_table())
