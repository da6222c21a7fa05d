"""The web path end to end: a real HTTP server on 127.0.0.1, feeds and sitemaps,
robots.txt, the raw WARC archive, rejects and fetch statistics in ``runs``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from newsflow.acquire.crawler import DiscoveryFailed
from newsflow.acquire.warc import read_responses
from newsflow.config import Settings
from newsflow.jobs.daily import run_partition
from newsflow.warehouse import commit, layout, queries
from support.pages import STORY, article_html
from support.webserver import NewsServer, Reply

DAY = dt.date(2026, 11, 16)
HTML = (("Content-Type", "text/html; charset=utf-8"),)


def rss(items: list[tuple[str, str | None]]) -> bytes:
    """An RSS 2.0 feed of ``(link, RFC 822 date or None)`` items."""
    body = "".join(
        f"<item><title>t</title><link>{link}</link>"
        + (f"<pubDate>{date}</pubDate>" if date else "")
        + "</item>"
        for link, date in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel>{body}</channel></rss>'.encode()


def page(title: str, paragraphs: list[str]) -> Reply:
    return Reply(200, article_html(title=title, paragraphs=paragraphs).encode(), HTML)


@pytest.fixture
def web(news_server: NewsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A site with a feed, robots.txt, redirects and broken pages; a registry pointing at it."""
    site = news_server
    site.routes.update(
        {
            "/robots.txt": Reply(200, b"User-agent: *\nDisallow: /private/\n"),
            "/rss.xml": Reply(
                200,
                rss(
                    [
                        (site.url("/bridge"), "Mon, 16 Nov 2026 08:00:00 GMT"),
                        (site.url("/old-ferry?utm_source=rss"), "Mon, 16 Nov 2026 09:00:00 GMT"),
                        (site.url("/private/memo"), "Mon, 16 Nov 2026 10:00:00 GMT"),
                        (site.url("/gone"), None),
                        (site.url("/yesterday"), "Sun, 15 Nov 2026 10:00:00 GMT"),
                    ]
                ),
                (("Content-Type", "application/rss+xml"), ("ETag", '"feed-1"')),
            ),
            "/bridge": page("Bridge to be rebuilt", STORY),
            "/old-ferry?utm_source=rss": Reply(301, b"", (("Location", "/ferry"),)),
            "/ferry": page("Ferry service resumes", STORY[::-1]),
            "/gone": Reply(404, b"<html><body>Not found</body></html>", HTML),
            "/yesterday": page("Yesterday", STORY[:4]),
        }
    )
    registry = tmp_path / "sources.yaml"
    registry.write_text(
        f"sources:\n  - id: gazette\n    name: Gazette\n    kind: feed\n"
        f"    url: {site.url('/rss.xml')}\n"
    )
    monkeypatch.setenv("NEWSFLOW_SOURCES", str(registry))
    monkeypatch.setenv("NEWSFLOW_WAREHOUSE", str(tmp_path / "warehouse"))
    monkeypatch.setenv("NEWSFLOW_ALLOW_HOSTS", "127.0.0.1")
    monkeypatch.setenv("NEWSFLOW_HTTP_DELAY", "0")
    monkeypatch.setenv("NEWSFLOW_HTTP_RETRIES", "0")
    return site, tmp_path / "warehouse"


def rows(table: str, day: dt.date = DAY) -> list[dict]:
    """One partition of ``table``, read the way an analyst reads the lake."""
    with queries.analyst(Settings.from_env().lake()) as con:
        cursor = con.execute(f"SELECT * FROM {table} WHERE source = 'gazette' AND date = ?", [day])
        names = [column for column, *_ in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_a_feed_partition_is_fetched_archived_and_accounted_for(web):
    site, root = web
    result = run_partition("gazette", DAY)

    articles = {a["title"]: a for a in rows("articles")}
    assert set(articles) == {"Bridge to be rebuilt", "Ferry service resumes"}
    ferry = articles["Ferry service resumes"]
    # the URL as announced, the canonical one without tracking and after the redirect
    assert ferry["url"] == site.url("/old-ferry?utm_source=rss")
    assert ferry["canonical_url"] == site.url("/ferry")
    rejects = {(r["url"], r["stage"], r["reason"]) for r in rows("rejects")}
    assert rejects == {
        (site.url("/private/memo"), "fetch", "robots_disallowed"),
        (site.url("/gone"), "fetch", "http_404"),
    }
    assert site.hits("/private/memo") == 0 and site.hits("/yesterday") == 0
    assert result["pages_in"] == 4 == result["articles"] + result["rejects"]

    # every response is in the raw archive, and articles point into it
    archive = layout.raw_archive(root, "gazette", DAY)
    archived = {r.raw_ref: r for r in read_responses(archive, ref_name="raw/x")}
    assert {r.status for r in archived.values()} == {200, 404}
    assert all(
        a["raw_ref"].startswith("raw/source=gazette/date=2026-11-16/") for a in articles.values()
    )
    discovery = list(read_responses(archive.with_name(layout.DISCOVERY_FILE)))
    assert [d.url for d in discovery] == [site.url("/rss.xml")]

    [run] = rows("runs")
    assert run["http_fetches"] >= 5 and run["http_robots_refused"] == 1
    assert json.loads(run["http_status_counts"]) == {"200": 3, "404": 1}


def test_a_rerun_fetches_nothing_new_and_keeps_the_partition(web):
    site, _ = web
    run_partition("gazette", DAY)
    first = {a["article_id"]: a["text"] for a in rows("articles")}
    hits = {path: site.hits(path) for path in ("/bridge", "/ferry", "/rss.xml")}

    result = run_partition("gazette", DAY)

    assert {a["article_id"]: a["text"] for a in rows("articles")} == first
    assert site.hits("/bridge") == hits["/bridge"] and site.hits("/ferry") == hits["/ferry"]
    # the feed is asked again, conditionally: the ETag of the last answer goes with it
    assert site.hits("/rss.xml") == hits["/rss.xml"] + 1
    conditional = [r for r in site.seen if r.path == "/rss.xml"][-1]
    assert conditional.headers.get("If-None-Match") == '"feed-1"'
    assert result["articles"] == 2


def test_a_feed_answering_304_is_read_from_the_cache(web):
    site, root = web
    run_partition("gazette", DAY)
    site.routes["/rss.xml"] = Reply(304, b"", (("ETag", '"feed-1"'),))
    # forget the partition: its pages can only be found again through the feed
    layout.raw_archive(root, "gazette", DAY).unlink()
    for table in ("articles", "rejects"):
        commit.replace_partition(Settings.from_env().lake(), table, "gazette", DAY, [])
    assert rows("articles") == [] and rows("rejects") == []
    bridge_hits = site.hits("/bridge")

    result = run_partition("gazette", DAY)

    assert site.hits("/rss.xml") == 2 and result["articles"] == 2
    assert site.hits("/bridge") == bridge_hits + 1


def test_the_day_before_takes_only_its_own_dated_pages(web):
    site, _ = web
    result = run_partition("gazette", DAY - dt.timedelta(days=1))
    before = rows("articles", DAY - dt.timedelta(days=1))
    # the undated /gone (404) goes to whichever run sees it first; /yesterday is dated
    assert {a["title"] for a in before} == {"Yesterday"}
    assert result["rejects"] == 1 and site.hits("/bridge") == 0


def test_sitemap_index_and_url_list_sources(news_server, tmp_path, monkeypatch):
    site = news_server
    urlset = (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"<url><loc>{site.url('/bridge')}</loc><news:news><news:publication_date>"
        "2026-11-16T08:00:00+00:00</news:publication_date></news:news></url>"
        f"<url><loc>{site.url('/older')}</loc><lastmod>2026-11-02</lastmod></url></urlset>"
    )
    index = (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{site.url('/news-sitemap.xml')}</loc></sitemap></sitemapindex>"
    )
    site.routes.update(
        {
            "/robots.txt": Reply(404),
            "/sitemap.xml": Reply(200, index.encode()),
            "/news-sitemap.xml": Reply(200, urlset.encode()),
            "/bridge": page("Bridge to be rebuilt", STORY),
            "/ferry": page("Ferry service resumes", STORY[::-1]),
        }
    )
    registry = tmp_path / "sources.yaml"
    registry.write_text(
        "sources:\n"
        f"  - id: maps\n    name: Maps\n    kind: sitemap\n    url: {site.url('/sitemap.xml')}\n"
        f"  - id: list\n    name: List\n    kind: urls\n    urls: [{site.url('/ferry')}]\n"
    )
    for name, value in {
        "NEWSFLOW_SOURCES": str(registry),
        "NEWSFLOW_WAREHOUSE": str(tmp_path / "warehouse"),
        "NEWSFLOW_ALLOW_HOSTS": "127.0.0.1",
        "NEWSFLOW_HTTP_DELAY": "0",
    }.items():
        monkeypatch.setenv(name, value)

    assert run_partition("maps", DAY)["articles"] == 1
    assert site.hits("/older") == 0
    assert run_partition("list", DAY)["articles"] == 1
    assert run_partition("list", DAY + dt.timedelta(days=1))["pages_in"] == 0  # ingested already


def test_loopback_is_refused_unless_allowed(web, monkeypatch):
    site, _ = web
    monkeypatch.delenv("NEWSFLOW_ALLOW_HOSTS")
    with pytest.raises(DiscoveryFailed, match="blocked_address") as refused:
        run_partition("gazette", DAY)
    assert site.hits("/rss.xml") == 0 and site.seen == []
    assert not refused.value.transient  # waiting will not change the address


def test_a_feed_that_is_down_fails_the_fetch_so_it_is_retried(web):
    site, _ = web
    yesterday = DAY - dt.timedelta(days=1)
    run_partition("gazette", yesterday)  # the lake exists and holds another partition
    site.routes["/rss.xml"] = Reply(503, b"down for maintenance")
    with pytest.raises(DiscoveryFailed, match="http_503") as down:
        run_partition("gazette", DAY)
    assert down.value.transient
    # nothing of the failed run was published, and the other partition is untouched
    assert rows("articles") == rows("rejects") == rows("runs") == []
    assert [a["title"] for a in rows("articles", yesterday)] == ["Yesterday"]
    assert len(rows("runs", yesterday)) == 1


def test_pages_past_the_fetch_budget_wait_for_the_next_run_and_are_counted(web, monkeypatch):
    site, _ = web
    monkeypatch.setenv("NEWSFLOW_FETCH_BUDGET", "0")  # spent before the first page
    result = run_partition("gazette", DAY)

    assert result["pages_in"] == 0 and site.hits("/bridge") == 0
    [run] = rows("runs")
    assert run["pages_deferred"] == 4  # bridge, ferry, memo, gone: none was tried
    assert rows("rejects") == []  # put off, not failed: the next run takes them

    monkeypatch.setenv("NEWSFLOW_FETCH_BUDGET", "600")
    run_partition("gazette", DAY)
    assert {a["title"] for a in rows("articles")} == {
        "Bridge to be rebuilt",
        "Ferry service resumes",
    }
    assert max(r["pages_deferred"] for r in rows("runs")) == 4
    assert min(r["pages_deferred"] for r in rows("runs")) == 0


def test_a_304_for_a_page_the_raw_archive_lacks_is_fetched_again_whole(web):
    """Validators that outlived their page (an interrupted fetch, a raw archive
    removed) must not leave the page unfetched: a 304 is answered by a plain GET."""
    site, root = web
    site.routes["/bridge"] = lambda request: (
        Reply(304, b"", (("ETag", '"b-1"'),))
        if request.headers.get("If-None-Match") == '"b-1"'
        else Reply(200, page("Bridge to be rebuilt", STORY).body, (*HTML, ("ETag", '"b-1"')))
    )
    run_partition("gazette", DAY)
    layout.raw_archive(root, "gazette", DAY).unlink()

    run_partition("gazette", DAY, refetch=True)

    asked = [r.headers.get("If-None-Match") for r in site.seen if r.path == "/bridge"]
    assert asked == [None, '"b-1"', None]
    archived = {r.url for r in read_responses(layout.raw_archive(root, "gazette", DAY))}
    assert site.url("/bridge") in archived
    assert "Bridge to be rebuilt" in {a["title"] for a in rows("articles")}
