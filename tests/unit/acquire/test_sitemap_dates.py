"""Which children of a sitemap index can hold a date: names, Google News, lastmod."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from newsflow.acquire.discovery import ChildSitemap
from newsflow.acquire.sitemap_dates import date_range_in_name, rank_children

# -- Sitemap names ---------------------------------------------------------------------------

NOV = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
NOV_30 = (dt.date(2026, 11, 30), dt.date(2026, 11, 30))
YEAR = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


@pytest.mark.parametrize(
    ("url", "dates"),
    [
        ("https://s.example/sitemap-2026-11.xml", NOV),
        ("https://s.example/sitemap_2026_11.xml.gz", NOV),
        ("https://s.example/post-sitemap-202611.xml", NOV),
        ("https://s.example/sitemaps/2026/11/sitemap.xml", NOV),
        ("https://s.example/sitemap-pt-post-2026-11.xml?v=3", NOV),
        ("https://s.example/sitemap-2026-nov.xml", NOV),
        ("https://s.example/sitemaps/November_2026.xml", NOV),
        ("https://s.example/sitemap-2026-11-30.xml", NOV_30),
        ("https://s.example/2026/11/30/", NOV_30),
        ("https://s.example/sitemap-20261130.xml", NOV_30),
        ("https://s.example/sitemap.xml?yyyy=2026&mm=11&dd=30", NOV_30),
        ("https://s.example/sitemap.xml?year=2026&month=11", NOV),
        ("https://s.example/sitemap.xml?date=2026-11-30", NOV_30),
        ("https://s.example/sitemap-2026.xml", YEAR),
        ("https://s.example/sitemaps/2026/sitemap-2026-11.xml", NOV),  # agree: the narrower
        ("https://s.example/sitemap-2026-02-30.xml", (dt.date(2026, 2, 1), dt.date(2026, 2, 28))),
        ("https://s.example/sitemap-2024-2.xml", (dt.date(2024, 2, 1), dt.date(2024, 2, 29))),
        ("https://s.example/sitemap-2026-13.xml", YEAR),  # 13 is no month; 2026 still a year
        (
            "https://s.example/sitemap.xml?from=2026-11-01&to=2026-11-15",
            (dt.date(2026, 11, 1), dt.date(2026, 11, 15)),
        ),
        ("https://s.example/sitemap.xml", None),
        ("https://s.example/sitemap-12.xml", None),
        ("https://s.example/sitemap-posts-3.xml", None),
        ("https://s.example/post-sitemap1234.xml", None),
        ("https://s.example/sitemap-3000-11.xml", None),
        ("https://s.example/sitemap-1989.xml", None),
        ("https://s.example/sitemap-20261399.xml", None),
        ("https://s.example/sitemap-120261130.xml", None),
        ("https://s.example/sitemap-marketing.xml", None),
        ("https://s.example/sitemap.xml?page=2026", None),  # a lone number in a query: a page
        ("https://s.example/sitemap.xml?v=1700000000", None),
        ("https://2026.s.example/sitemap.xml", None),  # the host is not the name
    ],
)
def test_date_range_in_name(url: str, dates: tuple[dt.date, dt.date] | None) -> None:
    assert date_range_in_name(url) == dates


# -- Ranking an index's children -------------------------------------------------------------


def _urls(children: list[ChildSitemap]) -> list[str]:
    return [child.url.removeprefix("https://r.example/") for child in children]


def test_rank_children_orders_by_likelihood() -> None:
    date = dt.date(2026, 11, 16)
    children = [
        ChildSitemap("https://r.example/pages.xml"),
        ChildSitemap("https://r.example/sitemap-2026.xml"),
        ChildSitemap("https://r.example/sitemap-2026-11.xml"),
        ChildSitemap("https://r.example/recent.xml", dt.date(2026, 11, 20)),
        ChildSitemap("https://r.example/sitemap-2026-11-16.xml"),
        ChildSitemap("https://r.example/news-sitemap.xml"),
        ChildSitemap("https://r.example/latest.xml", dt.date(2026, 11, 17)),
        ChildSitemap("https://r.example/newsletters.xml"),
        ChildSitemap("https://r.example/yesterday.xml", dt.date(2026, 11, 15)),
        ChildSitemap("https://r.example/sitemap-news.xml", dt.date(2026, 11, 16)),
    ]
    to_read, ruled_out = rank_children(children, date)
    assert ruled_out == []
    assert _urls(to_read) == [
        "sitemap-2026-11-16.xml",  # the name says this day
        "sitemap-2026-11.xml",  # this month
        "sitemap-2026.xml",  # this year
        "news-sitemap.xml",  # Google News sitemaps hold the last days
        "sitemap-news.xml",
        "latest.xml",  # changed since the date, the nearest first
        "recent.xml",
        "pages.xml",  # no evidence either way: document order
        "newsletters.xml",  # "news" only as part of a word
        "yesterday.xml",  # a day before: within the slack
    ]


def test_rank_children_rules_out_on_strong_evidence() -> None:
    date = dt.date(2026, 11, 16)
    children = [
        ChildSitemap("https://r.example/sitemap-2026-10.xml"),  # ended two weeks before
        ChildSitemap("https://r.example/sitemap-2026-11-15.xml"),  # the day before: slack
        ChildSitemap("https://r.example/sitemap-2026-11-14.xml"),  # two days before
        ChildSitemap("https://r.example/sitemap-2026-11-17.xml"),  # the day after: slack
        ChildSitemap("https://r.example/sitemap-2026-11-18.xml"),  # two days after
        ChildSitemap("https://r.example/sitemap-2027.xml"),
        ChildSitemap("https://r.example/old.xml", dt.date(2026, 11, 14)),  # unchanged since
        ChildSitemap("https://r.example/news.xml", dt.date(2026, 11, 1)),  # even a news one
        ChildSitemap("https://r.example/sitemap-2026-11.xml", dt.date(2026, 11, 10)),
        ChildSitemap("https://r.example/sitemap-2025.xml", dt.date(2026, 11, 20)),  # name wins
    ]
    to_read, ruled_out = rank_children(children, date)
    assert _urls(ruled_out) == [
        "sitemap-2026-10.xml",
        "sitemap-2026-11-14.xml",
        "sitemap-2026-11-18.xml",
        "sitemap-2027.xml",
        "old.xml",
        "news.xml",
        "sitemap-2026-11.xml",
        "sitemap-2025.xml",
    ]
    assert _urls(to_read) == ["sitemap-2026-11-15.xml", "sitemap-2026-11-17.xml"]


def test_rank_children_of_a_full_size_index() -> None:
    # One sitemap a day for 50,000 days from 1990 on (beyond 2100: no date in the name).
    start = dt.date(1990, 1, 1)
    children = [
        ChildSitemap(f"https://r.example/sitemap-{start + dt.timedelta(days=i):%Y-%m-%d}.xml")
        for i in range(50_000)
    ]
    started = time.perf_counter()
    to_read, ruled_out = rank_children(children, dt.date(2026, 11, 16))
    print(f"ranked 50,000 children in {time.perf_counter() - started:.2f} s")
    assert _urls(to_read[:3]) == [
        "sitemap-2026-11-16.xml",
        "sitemap-2026-11-15.xml",
        "sitemap-2026-11-17.xml",
    ]
    assert len(to_read) + len(ruled_out) == 50_000
    assert len(to_read) == 3 + sum(
        child.url > "https://r.example/sitemap-2101" for child in children
    )
