"""Author names as a byline states them: a list of people, without roles or "By".

Bylines and metadata carry more than names: "By", job titles ("Senior Autos
Reporter", "Shipping Expert"), dates glued on by flat templates ("Supermove
February 8"), handles and profile URLs in ``<meta name="author">``, and
placeholders a CMS prints when it has no name ("undefined", "Written By").
Several authors arrive as one string, in any of the usual forms ("A and B",
"A, B, and C", trafilatura's "A; B"). Credentials after a comma ("Jane Doe,
MD, PhD") are part of how the byline names the person and stay with it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

from newsflow.text.dates import MONTHS
from newsflow.text.lexicon import AUTHOR_BOX_LABEL, BYLINE_LABEL_LINE, BYLINE_LINE

#: Words that open a byline or label one: dropped from the front of a name.
_BYLINE_LABEL = re.compile(
    r"^(?:(?:written|posted|reported|story|words|text|photos?)\s+by|by|author|authors?:|von|par|por)"
    r"\b[:\s]*",
    re.I,
)
#: What one author string is split at; commas are judged part by part.
_AUTHOR_SEPARATOR = re.compile(r"\s*(?:;|\||\s&\s|,?\s+and\s+|,?\s+und\s+|,?\s+et\s+)\s*")
#: A job title's head word: a comma part or a tail holding one is a role.
_ROLE_WORDS = frozenset({
    "correspondent", "reporter", "journalist", "writer", "editor", "columnist", "researcher",
    "contributor", "author", "educator", "blogger", "analyst", "freelancer", "photographer",
    "producer", "host", "founder", "expert", "director", "manager", "consultant", "officer",
    "president", "strategist", "specialist", "attorney", "lawyer", "intern", "coordinator",
    "marketer", "designer", "engineer", "ceo", "cto", "cfo", "coo", "owner", "partner"
})  # fmt: skip
#: Words that open a job title after a name ("Jane Doe Senior Editor").
_ROLE_MODIFIERS = frozenset({
    "senior", "former", "chief", "staff", "contributing", "managing", "associate", "deputy",
    "executive", "lead", "principal", "trending", "sr", "sr.", "head", "assistant", "regional",
    "digital"
})  # fmt: skip
#: A credential after a comma: "MD", "Ph.D.", "RD", "E-RYT 200", "CFA".
_CREDENTIAL_WORD = r"(?:[A-Z][A-Za-z.\-]{0,6}[A-Z.]|[A-Z]{1,2}\.?)"
_CREDENTIAL = re.compile(
    rf"^{_CREDENTIAL_WORD}[\u00ae\u2122]?(?:\s+{_CREDENTIAL_WORD}[\u00ae\u2122]?)*(?:\s+\d{{1,4}})?$"
)
_PLACEHOLDERS = frozenset({"undefined", "null", "none", "admin", "unknown", "the author"})
#: Words a template's leftovers leave where a name should be ("On" of "On December 9").
_FUNCTION_WORDS = frozenset({"on", "at", "in", "by", "the", "and", "of", "from", "for", "with"})
#: What a date glued to a name starts with, besides a month or a digit.
_WEEKDAYS = frozenset(
    {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
)
_DATE_LABELS = frozenset({"last", "updated", "published"})
#: More words on the line below a lone byline label and it is prose, not names.
_MAX_NAMES_LINE_WORDS = 8
_NOT_A_NAME = re.compile(r"^[@#]|://|^www\.|[/\\<>{}=]|@\S+\.")


def byline_names(line: str) -> str | None:
    """What a byline line ("By Jane Doe", "Written by:") gives as names: "" for a label
    alone, whose names are on the next line; None for a line that is no byline."""
    if BYLINE_LABEL_LINE.match(line):
        return ""
    match = BYLINE_LINE.match(line)
    return line[match.start("name") :] if match else None


def first_byline(lines: Sequence[str], *, author_box: bool = False) -> str | None:
    """The names of the first byline among ``lines``, as written: "By Jane Doe", or a
    lone "Written by" over a line of its own with the names (no longer than names are).

    ``author_box``: only lines with an author box's label (:data:`AUTHOR_BOX_LABEL`).
    """
    for i, line in enumerate(lines):
        if author_box:
            if not (label := AUTHOR_BOX_LABEL.match(line)):
                continue
            line = line[label.end() :]
        names = byline_names(line)
        below = lines[i + 1] if i + 1 < len(lines) else ""
        if names:
            return names
        if names == "" and 0 < len(below.split()) <= _MAX_NAMES_LINE_WORDS:
            return below
    return None


def author_names(values: Iterable[str | None]) -> list[str]:
    """The people the strings name, in order, each once (see the module docstring)."""
    names: list[str] = []
    for value in values:
        for part in _AUTHOR_SEPARATOR.split(" ".join(html.unescape(value or "").split())):
            for name in _comma_names(part):
                if name.casefold() not in {n.casefold() for n in names}:
                    names.append(name)
    return names


def byline(names: list[str]) -> str | None:
    """The names as an English byline reads them: "A", "A and B", "A, B, and C"."""
    if len(names) <= 2:
        return " and ".join(names) or None
    return ", ".join(names[:-1]) + ", and " + names[-1]


def _comma_names(part: str) -> list[str]:
    """The names of one separated part: its comma parts, with credentials kept and roles out."""
    names: list[str] = []
    for piece in part.split(","):
        piece = piece.strip()
        if names and _CREDENTIAL.match(piece) and piece.casefold() not in _ROLE_WORDS:
            names[-1] = f"{names[-1]}, {piece}"
        elif (name := _clean_name(piece)) is not None:
            names.append(name)
    return names


def _clean_name(text: str) -> str | None:
    """One name without its label, role or date, or None if it is none."""
    text = _BYLINE_LABEL.sub("", text.strip()).strip(" :-|\u2013\u2014")
    tokens: list[str] = []
    for token in text.split():
        folded = token.casefold().strip(".,:")
        if folded in MONTHS or folded in _WEEKDAYS or token[0].isdigit() or folded in _DATE_LABELS:
            # a date glued on, with the word that led to it: "IndustrySelect on Tuesday"
            if tokens and tokens[-1].casefold() in _FUNCTION_WORDS:
                tokens.pop()
            break
        if len(tokens) >= 2 and (folded in _ROLE_MODIFIERS or folded in _ROLE_WORDS):
            break
        tokens.append(token)
    name = " ".join(tokens).strip(" ,.:-|")
    folded = name.casefold()
    if not name or _NOT_A_NAME.search(name) or folded in _PLACEHOLDERS | _FUNCTION_WORDS:
        return None
    words = [word.strip(".") for word in folded.split()]
    if words[0] in _ROLE_MODIFIERS or words[0] in _ROLE_WORDS or words[-1] in _ROLE_WORDS:
        return None  # "Sr. Director of Operations", "Shipping Expert": a role, not a name
    return name
