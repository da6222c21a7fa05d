"""Title, author and publication date of a text page, from the lines around its article."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from newsflow.text.dates import UPDATED_LABEL
from newsflow.text.lexicon import BIO_AUTHOR, TAIL_LABEL
from newsflow.text.plaintext.lines import BOILER, TAIL, Line, is_breadcrumb, is_caption, key
from newsflow.text.plaintext.normalise import GLUE
from newsflow.text.plaintext.stamps import byline_name, find_date, is_date_line
from newsflow.text.words import count_tokens

#: "Beijing, 20 December 2023 (TDI):" at the start of the lead.
_DATELINE_RE = re.compile(r"^[A-Z][\w .'\u2019-]{1,40},\s[^:]{4,40}\([^)]{1,20}\)\s?[:\-\u2013—]")
#: Where a text page's date came from (``articles.date_source``).
_SRC_DATELINE, _SRC_LINE = "dateline", "published_line"


def find_title(lines: list[Line], start: int) -> str | None:
    """Best heading-like line before the article region.

    Titles are usually repeated (page heading, breadcrumb tail, share text)
    and sit close above the article, so both count.
    """
    texts = Counter(key(line.text) for line in lines)
    best: tuple[float, str] | None = None
    first = max(0, start - 40)
    for i in range(first, min(start + 1, len(lines))):
        line = lines[i]
        candidate = _strip_glue(line.text) if is_breadcrumb(line.text) else line.text
        if not (_heading_like(line) or candidate != line.text) or count_tokens(candidate) < 3:
            continue
        if is_date_line(candidate) or TAIL_LABEL.match(candidate):
            continue
        candidate_key = key(candidate)
        repeats = (
            texts[candidate_key]
            - 1
            + sum(1 for t in texts if t != candidate_key and t.endswith(candidate_key))
        )
        score = 3.0 * min(repeats, 2) + min(count_tokens(candidate), 12) / 4.0
        score -= (start - i) / 6.0
        if best is None or score > best[0]:
            best = (score, candidate)
    return best[1] if best else None


def find_published(lines: list[Line], start: int, end: int) -> tuple[dt.date | None, str | None]:
    """Publication date and where it came from, most trustworthy source first.

    A stand-alone stamp above the article beats a dateline, which beats a
    date inside some other short header line; captions carry photo dates and
    "Updated" stamps a later date, so they come last.
    """
    head = lines[max(0, start - 40) : start]
    lead = [
        line for line in lines[start : min(end + 1, start + 2)] if _DATELINE_RE.match(line.text)
    ]
    short = [line for line in head if line.words <= 25 and not is_caption(line)]
    anywhere = [line for line in lines if is_date_line(line.text)]
    groups = (
        (head, True, _SRC_LINE),
        (lead, False, _SRC_DATELINE),
        (short, False, _SRC_LINE),
        (anywhere, True, _SRC_LINE),
    )
    updated: tuple[dt.date | None, str | None] = (None, None)
    for group, stamps_only, source in groups:
        for line in group:
            if stamps_only and not is_date_line(line.text):
                continue
            found, _ = find_date(line.text[:160])
            if not found:
                continue
            if not UPDATED_LABEL.search(line.text):
                return found, source
            updated = updated if updated[0] else (found, source)
    return updated


def find_author(lines: list[Line], start: int, end: int) -> str | None:
    """Author from a byline near the article, else from an author biography."""
    lo, hi = max(0, start - 40), min(len(lines), end + 5)
    for line in lines[lo:hi]:
        name = byline_name(line.text)
        if name:
            return name
    for line in lines[start : hi + 10]:
        m = BIO_AUTHOR.match(line.text)
        if m:
            return m.group("name").strip()
    return None


def _heading_like(line: Line) -> bool:
    """Short, unpunctuated or question/exclamation line that could be a title."""
    if line.bullet or line.kind in (BOILER, TAIL) or not 2 <= line.words <= 30:
        return False
    return not line.text.endswith((".", ",", ";")) or line.text.endswith("...")


def _strip_glue(text: str) -> str:
    """Drop a glued breadcrumb prefix: "HomeNewsWorldTitle words" -> "Title words"."""
    pieces = GLUE.split(text)
    while (
        len(pieces) > 1
        and count_tokens(pieces[0]) <= 3
        and not any(w.islower() for w in pieces[0].split())
    ):
        pieces = pieces[1:]
    return "".join(pieces).strip()
