"""Date stamps and bylines in a line: boilerplate to the body, metadata to the page.

The same lines serve three steps: they are dropped from the article, they
mark where an article starts (prose right below them), and they give the
page's date and author.
"""

from __future__ import annotations

import datetime as dt
import re

from newsflow.text.dates import MONTHS, text_dates
from newsflow.text.lexicon import BYLINE_LINE
from newsflow.text.plaintext.normalise import unglue
from newsflow.text.words import WORD

# Words that may accompany a date on a line that is only a date stamp.
_DATE_FILLER_RE = re.compile(
    r"\b(?:published|posted|updated|last|modified|created|date|dated|on|at|am|pm|a\.m|p\.m|"
    r"gmt|utc|est|edt|cet|cest|bst|ist|pst|pdt|et|pt|hrs?|"
    r"mon|tue|wed|thu|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|today|yesterday|time|read|min|mins|minutes?|ago)\b\.?|\d{1,2}:\d\d(?::\d\d)?",
    re.I,
)


def find_date(text: str) -> tuple[dt.date | None, tuple[int, int] | None]:
    """First calendar date in a line, with its span in the line's unglued form.

    Flat dumps glue inline elements ("By Jane DoeNovember 18, 2026"), so the
    search runs on the text with those seams opened up (see ``unglue``).
    """
    found = min(text_dates(unglue(text)), key=lambda date_span: date_span[1][0], default=None)
    return found or (None, None)


def is_date_line(text: str) -> bool:
    """A line that is only a date stamp ("Published 21 March 2023", "2023-03-21")."""
    if len(text) > 80:
        return False
    found, span = find_date(text)
    if not found or span is None:
        return False
    spaced = unglue(text)
    rest = spaced[: span[0]] + " " + spaced[span[1] :]
    rest = BYLINE_LINE.sub("", _DATE_FILLER_RE.sub(" ", rest))
    return not WORD.search(re.sub(r"\d+", "", rest))


def byline_name(text: str) -> str | None:
    """The author name of a "By Jane Doe" byline line, else None."""
    if len(text) > 120:
        return None
    spaced = unglue(text)
    m = BYLINE_LINE.match(spaced)
    if not m:
        return None
    tokens: list[str] = []
    for token in m.group("name").split():
        if token.lower().rstrip(".,") in MONTHS or token[0].isdigit():
            break
        tokens.append(token.rstrip(",|"))
        if token.endswith((",", "|")):
            break
    while tokens and tokens[-1].islower():
        tokens.pop()
    name = " ".join(tokens).strip(" ,.-|")
    rest = spaced[m.start("name") + len(name) :]
    if not name or len(WORD.findall(rest)) > 12:
        return None
    return name
