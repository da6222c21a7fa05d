"""Which children of a sitemap index can hold the pages of a given date.

A big site's index lists thousands of sitemaps (one per month, or per day,
since the site began) and a crawler reads only so many per run: the names
(``sitemap-2026-11.xml``), Google News sitemaps and ``lastmod`` say which
are worth reading for a date, and which cannot hold it at all.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator
from operator import itemgetter
from urllib.parse import parse_qsl, unquote, urlsplit

from newsflow.acquire.discovery import ChildSitemap

_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
# Full English names, their first three letters, and "sept".
_MONTH_BY_NAME = {
    **{name: number for number, name in enumerate(_MONTHS, 1)},
    **{name[:3]: number for number, name in enumerate(_MONTHS, 1)},
    "sept": 9,
}
_MONTH_WORD = "|".join(sorted(_MONTH_BY_NAME, key=len, reverse=True))
# A year, then a month, then maybe a day, one separator throughout: 2026-11, 2026/11/30.
_SEPARATED = re.compile(r"(?<!\d)(\d{4})([-_/.])(\d{1,2})(?:\2(\d{1,2}))?(?!\d)")
# The same without separators: 202611, 20261130.
_COMPACT = re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})?(?!\d)")
# A year and a month's English name, either way round: 2026-nov, november_2026.
_NAMED = re.compile(
    rf"(?<!\d)(\d{{4}})[-_/.]?({_MONTH_WORD})(?![a-z])|(?<![a-z])({_MONTH_WORD})[-_/.]?(\d{{4}})(?!\d)"
)
_LONE_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_QUERY_KEYS = {
    "year": ("y", "year", "yyyy"),
    "month": ("m", "month", "mm"),
    "day": ("d", "day", "dd"),
}
_NEWS_WORD = re.compile(r"(?<![a-z])news(?![a-z])")
_SLACK = dt.timedelta(days=1)


def date_range_in_name(url: str) -> tuple[dt.date, dt.date] | None:
    """The dates (first, last, inclusive) a sitemap's URL says it covers, or None.

    Sites that split their sitemaps by date say so in the name, in a few
    shapes: ``sitemap-2026-11.xml``, ``sitemap_2026_11_30.xml.gz``,
    ``post-sitemap-202611.xml``, ``/sitemaps/2026/11/sitemap.xml``,
    ``sitemap-2026-nov.xml``, ``?yyyy=2026&mm=11&dd=30``, or a year alone
    (``sitemap-2026.xml``, the whole year). Years outside 1990..2100, months
    outside 1..12 and numbers glued to other digits are not dates, so page
    numbers (``sitemap-12.xml``) and ids do not count. A lone four-digit
    number counts in the path only: in a query it is more often a page or an
    id. When the name gives several ranges that overlap (``/2026/`` and
    ``2026-11``) the overlap is the answer; when they disagree, their span.
    """
    parts = urlsplit(url)
    path, query = unquote(parts.path).lower(), unquote(parts.query).lower()
    ranges = [*_ranges_in(path, lone_years=True), *_ranges_in(query, lone_years=False)]
    if keyed := _range_in_query_keys(parts.query):
        ranges.append(keyed)
    if not ranges:
        return None
    first, last = max(start for start, _ in ranges), min(end for _, end in ranges)
    if first <= last:
        return first, last
    return min(start for start, _ in ranges), max(end for _, end in ranges)


def rank_children(
    children: list[ChildSitemap], date: dt.date
) -> tuple[list[ChildSitemap], list[ChildSitemap]]:
    """A sitemap index's children as (to read, ruled out) for pages published on ``date``.

    A crawler can read only so many sitemaps per run, and a big site's index
    lists thousands (one per month, or per day, since the site began), so the
    likely ones go first. ``to_read`` holds, in this order: the children whose
    name range (:func:`date_range_in_name`) contains ``date``, narrowest
    first; Google News sitemaps (``news`` as a word in the name), which list
    the last two days; the children modified on or after ``date``, nearest
    ``lastmod`` first; then the rest in document order.

    ``ruled_out`` (in document order) holds the children that cannot list a
    page of ``date`` on strong evidence: a name range that ends more than a
    day before ``date`` or starts more than a day after it, or a ``lastmod``
    more than a day before ``date`` (a page published that day would have
    changed the sitemap). The day of slack absorbs time zones: names and
    ``lastmod`` are often in UTC, ``date`` is the publisher's.
    """
    ruled_out: list[ChildSitemap] = []
    in_range: list[tuple[int, ChildSitemap]] = []
    news: list[ChildSitemap] = []
    fresh: list[tuple[int, ChildSitemap]] = []
    rest: list[ChildSitemap] = []
    for child in children:
        span = date_range_in_name(child.url)
        if _cannot_hold(child, span, date):
            ruled_out.append(child)
        elif span and span[0] <= date <= span[1]:
            in_range.append(((span[1] - span[0]).days, child))
        elif _NEWS_WORD.search(_name(child.url)):
            news.append(child)
        elif child.lastmod and child.lastmod >= date:
            fresh.append(((child.lastmod - date).days, child))
        else:
            rest.append(child)
    # sorted() is stable: ties keep document order.
    to_read = [
        *(child for _, child in sorted(in_range, key=itemgetter(0))),
        *news,
        *(child for _, child in sorted(fresh, key=itemgetter(0))),
        *rest,
    ]
    return to_read, ruled_out


def _cannot_hold(child: ChildSitemap, span: tuple[dt.date, dt.date] | None, date: dt.date) -> bool:
    if span and (span[1] < date - _SLACK or span[0] > date + _SLACK):
        return True
    return child.lastmod is not None and child.lastmod < date - _SLACK


def _name(url: str) -> str:
    parts = urlsplit(url)
    return unquote(f"{parts.path}?{parts.query}").lower()


def _ranges_in(text: str, *, lone_years: bool) -> Iterator[tuple[dt.date, dt.date]]:
    matches: list[tuple[str | None, str | None, str | None]] = [
        (match[1], match[3], match[4]) for match in _SEPARATED.finditer(text)
    ]
    matches += [(match[1], match[2], match[3]) for match in _COMPACT.finditer(text)]
    for match in _NAMED.finditer(text):
        year, name = (match[1], match[2]) if match[1] else (match[4], match[3])
        matches.append((year, str(_MONTH_BY_NAME[name]), None))
    if lone_years:
        matches += [(match[1], None, None) for match in _LONE_YEAR.finditer(text)]
    for year, month, day in matches:
        if found := _range(year, month, day):
            yield found


def _range_in_query_keys(query: str) -> tuple[dt.date, dt.date] | None:
    values: dict[str, str] = {}
    for key, value in parse_qsl(query.lower()):
        for field, names in _QUERY_KEYS.items():
            if key in names:
                values.setdefault(field, value)
    if "year" not in values:
        return None
    return _range(
        values["year"], values.get("month"), values.get("day") if "month" in values else None
    )


def _range(year: str | None, month: str | None, day: str | None) -> tuple[dt.date, dt.date] | None:
    """The range a year (and month, and day) names, or None if they are no date."""
    if not (year and year.isdigit() and 1990 <= int(year) <= 2100):
        return None
    if month is None:
        return dt.date(int(year), 1, 1), dt.date(int(year), 12, 31)
    if not (month.isdigit() and 1 <= int(month) <= 12):
        return None
    first = dt.date(int(year), int(month), 1)
    days = calendar.monthrange(first.year, first.month)[1]
    if day and day.isdigit() and 1 <= int(day) <= days:
        return first.replace(day=int(day)), first.replace(day=int(day))
    return first, first.replace(day=days)
