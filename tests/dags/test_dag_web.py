"""news_daily through Airflow over web sources served from 127.0.0.1.

One fictional site, every case a crawler meets: a feed and a sitemap index,
robots.txt with a disallow and a crawl-delay, a redirect and a redirect loop,
a 404, a 429 with Retry-After, a 500 then success, a response slower than the
timeout, a gzip body, pages in windows-1251 and Shift_JIS, an oversized body.
Each ends as an article or a rejects row with its reason.
"""

from __future__ import annotations

import gzip
import itertools

import pendulum
import pytest

from newsflow.acquire.warc import read_responses
from newsflow.config import Settings
from newsflow.warehouse import layout, queries
from support.bigsite import install_big_site
from support.pages import STORY, article_html
from support.paths import ROOT
from support.webserver import NewsServer, Reply, serve

pytestmark = pytest.mark.slow

HTML = ("Content-Type", "text/html; charset=utf-8")
RUSSIAN = [
    "Городской совет Казани в понедельник одобрил план реконструкции старого "
    "речного порта, закрытого после наводнения прошлой весной.",
    "Проект будет стоить около двух миллиардов рублей и займёт три года, сообщил "
    "мэр города журналистам после заседания в здании администрации.",
    "Жители прибрежных районов давно жалуются на объезд, который добавляет к "
    "поездке до рынка двадцать минут, особенно в часы пик.",
    "Работы начнутся в январе, а на время строительства через канал проложат "
    "временный пешеходный мост для жителей и туристов.",
]
JAPANESE = [
    "横浜市議会は月曜日、春の嵐で損傷した古い港の橋を再建する計画を承認した。",
    "事業費はおよそ四十億円で、工事は一月に始まり十八か月続く予定だと市長が記者団に語った。",
    "住民はこの数か月、市場とフェリー乗り場の間の迂回路に不満を訴えてきた。",
    "工事の間は仮設の歩道橋が歩行者を運ぶことになると市の担当者は説明した。",
]


def page(title: str, paragraphs: list[str], *, charset: str = "utf-8") -> bytes:
    html = article_html(title=title, paragraphs=paragraphs)
    html = html.replace('charset="utf-8"', f'charset="{charset}"')
    return html.encode(charset, errors="xmlcharrefreplace")


def stories(n: int) -> list[str]:
    return [f"{line} (report {n})" for line in STORY]


@pytest.fixture
def site(news_server: NewsServer) -> NewsServer:
    s = news_server
    day = "Mon, 16 Nov 2026 08:00:00 GMT"
    feed_items = "".join(
        f"<item><link>{s.url(path)}</link><pubDate>{day}</pubDate></item>"
        for path in (
            "/a/plain", "/a/moved", "/a/loop", "/a/missing", "/a/busy", "/a/flaky",
            "/a/slow", "/a/zipped", "/a/huge", "/private/memo",
        )
    )  # fmt: skip
    news = (
        "".join(
            f"<url><loc>{s.url(path)}</loc><lastmod>2026-11-16</lastmod></url>"
            for path in ("/b/kazan", "/b/yokohama", "/b/plain")
        )
        + f"<url><loc>{s.url('/b/older')}</loc><lastmod>2026-11-01</lastmod></url>"
    )
    s.routes.update(
        {
            "/robots.txt": Reply(200, b"User-agent: *\nDisallow: /private/\nCrawl-delay: 0.2\n"),
            "/rss.xml": Reply(200, f"<rss><channel>{feed_items}</channel></rss>".encode()),
            "/sitemap.xml": Reply(
                200,
                f"<sitemapindex><sitemap><loc>{s.url('/news.xml')}</loc></sitemap>"
                "</sitemapindex>".encode(),
            ),
            "/news.xml": Reply(200, f"<urlset>{news}</urlset>".encode()),
            "/a/plain": Reply(200, page("Plain", stories(1)), (HTML,)),
            "/a/moved": Reply(301, b"", (("Location", "/a/landed"),)),
            "/a/landed": Reply(200, page("Landed", stories(2)), (HTML,)),
            "/a/loop": Reply(302, b"", (("Location", "/a/loop2"),)),
            "/a/loop2": Reply(302, b"", (("Location", "/a/loop"),)),
            "/a/missing": Reply(404, b"<html><body>Not found</body></html>", (HTML,)),
            "/a/busy": [
                Reply(429, b"slow down", (("Retry-After", "1"),)),
                Reply(200, page("Busy", stories(3)), (HTML,)),
            ],
            "/a/flaky": [Reply(500, b"oops"), Reply(200, page("Flaky", stories(4)), (HTML,))],
            "/a/slow": Reply(200, page("Slow", stories(5)), (HTML,), delay=3.0),
            "/a/zipped": Reply(
                200,
                gzip.compress(page("Zipped", stories(6))),
                (HTML, ("Content-Encoding", "gzip")),
            ),
            "/a/huge": Reply(200, b"<p>" + b"x" * 3_000_000 + b"</p>", (HTML,)),
            "/b/kazan": Reply(
                200,
                page("Казань", RUSSIAN, charset="windows-1251"),
                (("Content-Type", "text/html; charset=windows-1251"),),
            ),
            "/b/yokohama": Reply(
                200,
                page("横浜", JAPANESE, charset="shift_jis"),
                (("Content-Type", "text/html; charset=Shift_JIS"),),
            ),
            "/b/plain": Reply(200, page("Plain", stories(1)), (HTML,)),  # = /a/plain's story
        }
    )
    return s


def test_feed_and_sitemap_sources_through_news_daily(site, airflow_db, tmp_path, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    registry = tmp_path / "sources.yaml"
    registry.write_text(
        "sources:\n"
        f"  - id: feedsite\n    name: Feed\n    kind: feed\n    url: {site.url('/rss.xml')}\n"
        f"  - id: mapsite\n    name: Maps\n    kind: sitemap\n    url: {site.url('/sitemap.xml')}\n"
    )
    root = tmp_path / "warehouse"
    for name, value in {
        "NEWSFLOW_SOURCES": str(registry),
        "NEWSFLOW_WAREHOUSE": str(root),
        "NEWSFLOW_ALLOW_HOSTS": "127.0.0.1",
        "NEWSFLOW_HTTP_DELAY": "0",
        "NEWSFLOW_HTTP_TIMEOUT": "1",
        "NEWSFLOW_HTTP_RETRIES": "1",
        "NEWSFLOW_MAX_PAGE_BYTES": "2000000",
        # a site built to fail half its pages: the rates are the point, not a finding
        "NEWSFLOW_QUALITY_THRESHOLDS": "reject_rate_fail=1.0,duplicate_rate_fail=1.0",
    }.items():
        monkeypatch.setenv(name, value)

    dag = DagBag(dag_folder=str(ROOT / "dags")).dags["news_daily"]
    run = dag.test(logical_date=pendulum.datetime(2026, 11, 17, tz="UTC"))
    assert run.state == "success"

    with queries.analyst(Settings.from_env().lake()) as con:
        articles = dict(
            con.execute("SELECT source || ':' || title, language FROM articles").fetchall()
        )
        rejects = set(con.execute("SELECT source, url, stage, reason FROM rejects").fetchall())
        runs = con.execute(
            "SELECT source, pages_in, articles, rejects, http_retries, http_robots_refused "
            "FROM runs ORDER BY source"
        ).fetchall()
        clusters = con.execute(
            "SELECT count(*) FROM story_clusters WHERE len(sources) = 2"
        ).fetchone()[0]
    assert articles == {
        "feedsite:Plain": "en",
        "feedsite:Landed": "en",
        "feedsite:Busy": "en",
        "feedsite:Flaky": "en",
        "feedsite:Zipped": "en",
        "mapsite:Казань": "ru",
        "mapsite:横浜": "ja",
        "mapsite:Plain": "en",
    }
    assert rejects == {
        ("feedsite", site.url("/a/loop"), "fetch", "too_many_redirects"),
        ("feedsite", site.url("/a/missing"), "fetch", "http_404"),
        ("feedsite", site.url("/a/slow"), "fetch", "timeout"),
        ("feedsite", site.url("/a/huge"), "fetch", "too_large"),
        ("feedsite", site.url("/private/memo"), "fetch", "robots_disallowed"),
    }
    assert runs[0][:4] == ("feedsite", 10, 5, 5) and runs[1][:4] == ("mapsite", 3, 3, 0)
    assert runs[0][4] >= 2 and runs[0][5] == 1  # retried 429, 500 and the timeout
    assert site.hits("/b/older") == 0 and site.hits("/private/memo") == 0
    assert clusters == 1  # the story both sites carry is one story

    # every response is in the partition's raw archive
    archive = layout.raw_archive(root, "feedsite", pendulum.date(2026, 11, 16))
    statuses = sorted(r.status for r in read_responses(archive))
    assert statuses == [200, 200, 200, 200, 200, 404]

    # the crawl-delay held on the server side: requests to the site 0.2 s apart.
    # One arrival may lag its slot (thread scheduling, a new connection), so a
    # single gap can look short; over any k gaps the slots still add up to 0.2 k.
    times = site.times()
    jitter = 0.1
    for i, j in itertools.combinations(range(len(times)), 2):
        assert times[j] - times[i] >= 0.2 * (j - i) - jitter, (i, j, times[j] - times[i])


def test_a_large_publishers_site_through_news_daily(airflow_db, tmp_path, monkeypatch):
    """``kind: site`` over a publisher's shapes (:mod:`support.bigsite`), run by Airflow:
    every page announced for the day, in the day's partition, and nothing else."""
    from airflow.dag_processing.dagbag import DagBag

    day = pendulum.date(2026, 11, 16)
    with serve() as server:
        big = install_big_site(server, day)
        registry = tmp_path / "sources.yaml"
        registry.write_text(
            f"sources:\n  - id: big\n    name: Big\n    kind: site\n    url: {big.homepage}\n"
        )
        for name, value in {
            "NEWSFLOW_SOURCES": str(registry),
            "NEWSFLOW_WAREHOUSE": str(tmp_path / "warehouse"),
            "NEWSFLOW_ALLOW_HOSTS": "127.0.0.1",
            "NEWSFLOW_HTTP_DELAY": "0",
            "NEWSFLOW_HTTP_RETRIES": "0",
            "NEWSFLOW_HTTP_TOTAL_TIMEOUT": "2",
            "NEWSFLOW_QUALITY_THRESHOLDS": "reject_rate_fail=1.0",
        }.items():
            monkeypatch.setenv(name, value)

        dag = DagBag(dag_folder=str(ROOT / "dags")).dags["news_daily"]
        run = dag.test(logical_date=pendulum.datetime(2026, 11, 17, tz="UTC"))
        pages = [r.path for r in server.seen if r.path in big.article_paths]

    assert run.state == "success"
    with queries.analyst(Settings.from_env().lake()) as con:
        stored = con.execute("SELECT date, canonical_url FROM articles").fetchall()
        timeouts = con.execute(
            "SELECT count(*) FROM rejects WHERE stage = 'fetch' AND reason = 'timeout'"
        ).fetchone()[0]
    assert sorted(stored) == sorted((day, url) for url in big.site_articles)
    assert len(pages) == len(set(pages))  # no page fetched twice
    assert timeouts == 1  # the trickled page, and the task went on
