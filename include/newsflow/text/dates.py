"""Calendar dates as pages write them, and the one way a match becomes a date.

Every pattern here names its parts ``y``, ``d`` and ``m`` (a month number) or
``mon`` (a month name), so :func:`to_date` reads them all. Machine-written
values (JSON-LD, meta tags, URLs) use :data:`ISO_DATE` and :data:`URL_DATE`;
text written for people (datelines, "Published ..." lines) uses
:data:`TEXT_DATES`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

#: Month names and abbreviations, English, lower-cased.
MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            "january jan",
            "february feb",
            "march mar",
            "april apr",
            "may",
            "june jun",
            "july jul",
            "august aug",
            "september sep sept",
            "october oct",
            "november nov",
            "december dec",
        ),
        start=1,
    )
    for name in names.split()
}
_MONTH_NAME = "|".join(sorted(MONTHS, key=len, reverse=True))

#: A date anywhere in a value: "2026-11-16T09:55:00+01:00".
ISO_DATE = re.compile(r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})")
#: A date written into a URL path: "/2026/11/16/", "/2026-11-16-slug".
URL_DATE = re.compile(r"/(?P<y>20\d{2}|19\d{2})[/-](?P<m>\d{1,2})[/-](?P<d>\d{1,2})(?:/|-|$)")
#: A label that makes the date after it a change's, not the publication's:
#: "Updated: May 2, 2025", "Last modified 2025-05-02".
UPDATED_LABEL = re.compile(r"\b(?:updated|modified|edited)\b", re.I)
#: The ways running text writes a date, ISO first: "2023-03-21", "March 21,
#: 2023", "21st of March 2023", "21.03.2023", "2023/03/21", then the US order
#: ("03/21/2023") before the European one ("21/03/2023").
TEXT_DATES: tuple[re.Pattern[str], ...] = (
    re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>[01]?\d)-(?P<d>[0-3]?\d)\b"),
    re.compile(
        rf"\b(?P<mon>{_MONTH_NAME})\.?\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)\b",
        re.I,
    ),
    re.compile(
        rf"\b(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\.?\s+(?:of\s+)?(?P<mon>{_MONTH_NAME})\.?,?\s+"
        r"(?P<y>(?:19|20)\d\d)\b",
        re.I,
    ),
    re.compile(r"\b(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)\.(?P<y>(?:19|20)\d\d)\b"),
    re.compile(r"\b(?P<y>(?:19|20)\d\d)/(?P<m>[01]?\d)/(?P<d>[0-3]?\d)\b"),
    re.compile(r"\b(?P<m>[01]?\d)/(?P<d>[0-3]?\d)/(?P<y>(?:19|20)\d\d)\b"),
    re.compile(r"\b(?P<d>[0-3]?\d)/(?P<m>[01]?\d)/(?P<y>(?:19|20)\d\d)\b"),
)


def to_date(match: re.Match[str]) -> dt.date | None:
    """The date a match of the patterns above spells; None for an impossible
    one ("31 February", month 13), which the pattern alone cannot rule out.

    Month names are looked up case-folded: the patterns match case-insensitively,
    which folds more than ``lower()`` does ("september" written with a long s,
    U+017F, matches), so a ``lower()`` lookup raised ``KeyError`` on such a page.
    """
    parts = match.groupdict()
    try:
        month = MONTHS[parts["mon"].casefold()] if parts.get("mon") else int(parts["m"])
        return dt.date(int(parts["y"]), month, int(parts["d"]))
    except (KeyError, ValueError):
        return None


def first_date(pattern: re.Pattern[str], text: str) -> dt.date | None:
    """The date of ``pattern``'s first match in ``text``, if that is a real date."""
    match = pattern.search(text)
    return to_date(match) if match else None


def text_dates(text: str) -> Iterator[tuple[dt.date, tuple[int, int]]]:
    """Every real date :data:`TEXT_DATES` find in ``text``, with its span, pattern by pattern."""
    for pattern in TEXT_DATES:
        for match in pattern.finditer(text):
            if found := to_date(match):
                yield found, match.span()


def iso_date(value: object) -> dt.date | None:
    """The first ISO date in a metadata value (a JSON-LD field, a tag's content)."""
    return first_date(ISO_DATE, str(value)) if value else None


def url_date(url: str | None) -> dt.date | None:
    """A date written into a URL path (``/2026/11/16/``, ``/2026-11-16-slug``)."""
    return first_date(URL_DATE, url or "")
