"""A crawl of a site shaped like a large publisher (:mod:`support.bigsite`), end to end.

``run_partition`` (what news_daily runs for one source) over a real server
on 127.0.0.1: a ``kind: site`` source that finds the feeds its homepage
links and the sitemaps its robots.txt names; a ``kind: sitemap`` source on
a 300-child index; a ``kind: feed`` source on an RSS feed no strict XML
parser reads. Each run must get every page announced for the day and no
other, read only the sitemaps that can hold the day, mind the site's
Crawl-delay, store no credential a URL carried, and give up on a body that
trickles without stopping the rest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import itertools
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from newsflow.acquire.rawstore import read_failures
from newsflow.acquire.urls import canonical_or_none
from newsflow.acquire.warc import read_response_at, read_responses
from newsflow.config import Settings
from newsflow.jobs.daily import run_partition
from newsflow.warehouse import layout, queries
from support.bigsite import INDEX, BigSite, install_big_site
from support.webserver import NewsServer, Seen, serve

DAY = dt.date(2026, 11, 16)
#: Sitemaps the ``kind: site`` run may read: the index, the news sitemap, DAY's
#: month and two more; the other two recent numbered children wait.
MAX_SITEMAPS = 5
#: Seconds one response may take, body included (the trickled page takes 9).
TOTAL_TIMEOUT = 2


def write_registry(folder: Path, source_id: str, kind: str, url: str) -> Path:
    """A registry of one web source; one per test, so a kind unknown yet fails only it."""
    registry = folder / f"{source_id}.yaml"
    registry.write_text(
        f"sources:\n  - id: {source_id}\n    name: Big Gazette\n    kind: {kind}\n    url: {url}\n"
    )
    return registry


def settings_for(folder: Path, registry: Path, **env: str) -> Settings:
    """Settings for runs against the test server, from an explicit environment."""
    return Settings.from_env(
        {
            "NEWSFLOW_WAREHOUSE": str(folder / "warehouse"),
            "NEWSFLOW_SOURCES": str(registry),
            "NEWSFLOW_ALLOW_HOSTS": "127.0.0.1",
            "NEWSFLOW_HTTP_DELAY": "0",  # the site's Crawl-delay is what spaces requests
            "NEWSFLOW_HTTP_RETRIES": "0",
            "NEWSFLOW_HTTP_TOTAL_TIMEOUT": str(TOTAL_TIMEOUT),
            **env,
        }
    )


def rows(settings: Settings, sql: str, *params: object) -> list[dict]:
    """Rows of ``sql`` as an analyst reads the lake, as dicts."""
    with queries.analyst(settings.lake()) as con:
        cursor = con.execute(sql, list(params))
        names = [column for column, *_ in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def articles(settings: Settings, source: str) -> list[tuple[dt.date, str]]:
    """Every article of ``source``, any date, as (date, canonical URL)."""
    found = rows(settings, "SELECT date, canonical_url FROM articles WHERE source = ?", source)
    return sorted((a["date"], a["canonical_url"]) for a in found)


def rejects(settings: Settings, source: str) -> set[tuple[str | None, str, str]]:
    """Every reject of ``source`` on DAY as (canonical URL, stage, reason)."""
    found = rows(settings, "SELECT * FROM rejects WHERE source = ? AND date = ?", source, DAY)
    return {(canonical_or_none(r["url"] or ""), r["stage"], r["reason"]) for r in found}


def runs(settings: Settings, source: str) -> list[dict]:
    """The partition's ``runs`` rows, oldest first."""
    return rows(
        settings,
        "SELECT * FROM runs WHERE source = ? AND date = ? ORDER BY started_at",
        source,
        DAY,
    )


def on_day(site: BigSite, urls: frozenset[str]) -> list[tuple[dt.date, str]]:
    return sorted((site.day, url) for url in urls)


def sitemaps_read(site: BigSite, requests: list[Seen]) -> set[str]:
    return {r.path for r in requests} & site.sitemap_paths


class _LogText(logging.Handler):
    """Every log record of the runs, formatted (tracebacks included)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@contextlib.contextmanager
def logs_of_everything() -> Iterator[_LogText]:
    """What caplog gives one test, for a module's fixture: the root logger at DEBUG."""
    root, handler = logging.getLogger(), _LogText()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@dataclass(frozen=True)
class SiteRuns:
    """Two runs of the ``kind: site`` partition (a daily run, then a rerun)."""

    site: BigSite
    settings: Settings
    #: The requests the server saw during each run.
    requests: list[list[Seen]]
    results: list[dict]
    log: str


@pytest.fixture(scope="module")
def site_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SiteRuns]:
    """The site source run twice for DAY, once for the module: its tests only look."""
    folder = tmp_path_factory.mktemp("site")
    with serve() as server:
        site = install_big_site(server, DAY)
        registry = write_registry(folder, "big", "site", site.homepage)
        settings = settings_for(folder, registry, NEWSFLOW_MAX_SITEMAPS=str(MAX_SITEMAPS))
        requests, results = [], []
        with logs_of_everything() as log:
            for _ in range(2):
                start = len(server.seen)
                results.append(run_partition("big", DAY, settings=settings))
                with server.lock:
                    requests.append(server.seen[start:])
        yield SiteRuns(site, settings, requests, results, "\n".join(log.lines))


# --- kind: site ------------------------------------------------------------------


def test_a_site_gets_every_page_announced_for_the_day_and_no_other(site_runs):
    site, settings = site_runs.site, site_runs.settings

    # every shape read: the month's gzip sitemap, the news sitemap, RSS, Atom, JSON Feed
    assert articles(settings, "big") == on_day(site, site.site_articles)
    asked = {r.path for run in site_runs.requests for r in run}
    assert sorted(asked & site.other_day_paths) == []

    # the raw archive is whole: readable, each page once, every article pointing into it
    archive = layout.raw_archive(settings.warehouse, "big", DAY)
    records = list(read_responses(archive))
    assert [r.detail for r in records if r.detail] == []
    pages = sorted(canonical_or_none(r.url) for r in records if r.status == 200)
    assert pages == sorted(site.site_articles)
    stored = rows(settings, "SELECT canonical_url, raw_ref FROM articles WHERE source = 'big'")
    for article in stored:
        record = read_response_at(archive, article["raw_ref"])
        assert canonical_or_none(record.url) == article["canonical_url"]


def test_a_site_reads_the_sitemaps_likely_to_hold_the_day_and_counts_the_rest(site_runs):
    site = site_runs.site
    [first, _] = runs(site_runs.settings, "big")
    assert {"sitemaps_read", "sitemaps_skipped", "pages_deferred"} <= first.keys()

    read = sitemaps_read(site, site_runs.requests[0])
    # the index and the news sitemap (robots.txt names both), DAY's month (gzip)
    assert {INDEX, site.news_sitemap, site.day_child} <= read
    assert sorted(read & site.ruled_out) == []  # by name or by lastmod
    assert len(read) <= MAX_SITEMAPS
    assert first["sitemaps_read"] == len(read)
    assert first["sitemaps_skipped"] == len(site.children) - len(read - {INDEX})
    assert first["pages_deferred"] == 0


def test_a_site_is_crawled_politely(site_runs):
    site = site_runs.site
    first, rerun = site_runs.requests
    for requests in (first, rerun):
        asked = Counter(r.path for r in requests)
        assert asked["/robots.txt"] == 1  # once per run, Sitemap: lines included
        assert sorted(path for path, count in asked.items() if count > 1) == []
        starts = sorted(r.at for r in requests)
        gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
        assert min(gaps) >= site.crawl_delay / 2, "Crawl-delay not respected"
    # the rerun asks for no article again: the partition holds them all
    assert sorted({r.path for r in rerun} & site.article_paths) == []
    assert site_runs.results[1]["articles"] == len(site.site_articles)


def test_credentials_in_announced_urls_are_stored_and_logged_nowhere(site_runs):
    site, settings = site_runs.site, site_runs.settings
    stored = {url for _, url in articles(settings, "big")}
    stored |= {url for url, _, _ in rejects(settings, "big")}
    assert site.credentialed <= stored  # the pages were got (or refused), not dropped

    archive = layout.raw_archive(settings.warehouse, "big", DAY)
    validators = layout.http_state(settings.warehouse, "big")
    assert validators.exists()  # its pages and feeds sent ETags
    places = {
        "articles": str(rows(settings, "SELECT url, canonical_url FROM articles")),
        "rejects": str(rows(settings, "SELECT url, detail FROM rejects")),
        "runs": str(rows(settings, "SELECT * FROM runs")),
        layout.FAILURES_FILE: archive.with_name(layout.FAILURES_FILE).read_text(),
        validators.name: validators.read_text(),
        "logs": site_runs.log,
        # no page body holds a credential, so nothing in the pages' WARC may
        layout.RAW_FILE: gzip.decompress(archive.read_bytes()).decode("latin-1"),
        # the feeds' bodies hold the URLs as the publisher wrote them: headers only
        layout.DISCOVERY_FILE: warc_headers(archive.with_name(layout.DISCOVERY_FILE)),
    }
    leaks = [(place, s) for place, text in places.items() for s in site.secrets if s in text]
    assert leaks == []


def test_a_trickled_body_ends_at_the_total_timeout_and_the_rest_goes_on(site_runs):
    site, settings = site_runs.site, site_runs.settings
    expected = {(url, "fetch", reason) for url, reason in site.site_rejects.items()}
    assert rejects(settings, "big") == expected  # the trickled page: timeout
    failures = layout.raw_archive(settings.warehouse, "big", DAY).with_name(layout.FAILURES_FILE)
    assert {canonical_or_none(f.url): f.reason for f in read_failures(failures)}.get(
        site.trickled
    ) == "timeout"
    assert site_runs.results[0]["articles"] == len(site.site_articles)


# --- kind: sitemap and kind: feed on the same publisher --------------------------


def test_a_sitemap_index_of_300_children_is_read_by_likelihood(news_server, tmp_path):
    site = install_big_site(news_server, DAY)
    settings = settings_for(tmp_path, write_registry(tmp_path, "maps", "sitemap", site.index))

    run_partition("maps", DAY, settings=settings)

    assert articles(settings, "maps") == on_day(site, site.sitemap_articles)
    read = sitemaps_read(site, news_server.seen)
    assert {INDEX, site.news_sitemap, site.day_child} <= read
    assert sorted(read & site.ruled_out) == []
    assert sorted({r.path for r in news_server.seen} & site.other_day_paths) == []
    [run] = runs(settings, "maps")
    assert (run.get("sitemaps_read"), run.get("sitemaps_skipped")) == (
        len(read),
        len(site.children) - len(read - {INDEX}),
    )


def test_a_feed_with_a_bare_ampersand_and_undefined_entities_is_read(news_server, tmp_path):
    site = install_big_site(news_server, DAY)
    settings = settings_for(tmp_path, write_registry(tmp_path, "paper", "feed", site.rss))

    run_partition("paper", DAY, settings=settings)

    # the items after the bare '&' and the '&rsquo;' too, their links' own '&amp;' kept
    assert articles(settings, "paper") == on_day(site, site.rss_articles)
    expected = {(url, "fetch", reason) for url, reason in site.rss_rejects.items()}
    assert rejects(settings, "paper") == expected
    assert sorted({r.path for r in news_server.seen} & site.other_day_paths) == []


@pytest.mark.parametrize(
    "limit",
    [
        {"NEWSFLOW_MAX_PAGES_PER_RUN": "5"},
        # requests 0.5 s apart: a one-second budget fetches two or three of the seven
        {"NEWSFLOW_FETCH_BUDGET": "1", "NEWSFLOW_HTTP_DELAY": "0.5"},
    ],
    ids=["max-pages-per-run", "fetch-budget"],
)
def test_pages_left_over_wait_for_the_next_run_and_are_counted(
    news_server: NewsServer, tmp_path: Path, limit: dict[str, str]
):
    site = install_big_site(news_server, DAY)
    news = news_server.url(site.news_sitemap)
    registry = write_registry(tmp_path, "maps", "sitemap", news)
    total = len(site.news_articles)

    first = run_partition("maps", DAY, settings=settings_for(tmp_path, registry, **limit))
    second = run_partition("maps", DAY, settings=settings_for(tmp_path, registry))

    assert 0 < first["articles"] < total
    assert second["articles"] == total
    deferred = [run.get("pages_deferred") for run in runs(settings_for(tmp_path, registry), "maps")]
    assert deferred == [total - first["articles"], 0]
    fetched = Counter(r.path for r in news_server.seen if r.path in site.article_paths)
    assert len(fetched) == total and set(fetched.values()) == {1}


def warc_headers(path: Path) -> str:
    """The WARC and HTTP headers of every record of a WARC, bodies left out.

    Read with warcio, not ``read_responses``: that one redacts URLs as it reads.
    """
    headers: list[str] = []
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle):
            headers.append(str(record.rec_headers))
            if record.http_headers is not None:
                headers.append(str(record.http_headers))
    return "\n".join(headers)
