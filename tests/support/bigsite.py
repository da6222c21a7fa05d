"""A site shaped like a large publisher, served by :class:`support.webserver.NewsServer`.

What real news sites look like to a crawler, for one partition date ``DAY``
(the site's clock reads the next morning, when a daily run asks for ``DAY``):

* ``/robots.txt`` with a ``Crawl-delay`` and two ``Sitemap:`` lines (the
  index and the Google News sitemap), and a disallowed ``/private/``;
* a sitemap index of 300 children: 240 monthly ``post-sitemap-YYYY-MM.xml``
  over twenty years (many of them ``.xml.gz``, gzip bytes served as
  ``application/x-gzip`` without ``Content-Encoding``; two old months with a
  recent ``lastmod`` because an old story was updated), 59 numbered
  ``archive-N.xml`` (most with a ``lastmod`` long before ``DAY``, four
  recent ones holding only the next day's pages) and, last, the Google News
  sitemap. Only the month of ``DAY`` (gzip) and the news sitemap hold
  ``DAY``'s pages; every other child is ruled out by its name or its
  ``lastmod``;
* an RSS feed with a bare ``&`` and entities XML does not define in titles,
  an Atom feed, a JSON Feed reached with an ``api_key``, all linked from the
  homepage with ``<link rel="alternate">``;
* article pages (ETag, Last-Modified), some announced with credentials in
  their URLs, one behind robots.txt, one gone (404), one whose body trickles.

Some of ``DAY``'s pages are announced in one place only, so a crawler finds
them all only by reading every shape. :func:`install_big_site` returns what
the tests check against (:class:`BigSite`): canonical URLs, request paths.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import json
import random
from dataclasses import dataclass
from urllib.parse import urlsplit

from newsflow.acquire.urls import canonicalize
from support.pages import article_html
from support.webserver import NewsServer, Reply, Route, Seen

HTML = (("Content-Type", "text/html; charset=utf-8"),)
XML = (("Content-Type", "application/xml"),)
GZIP = (("Content-Type", "application/x-gzip"),)
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
INDEX = "/sitemap_index.xml"
#: Children of the sitemap index.
CHILDREN = 300
MONTHS = 240
#: Seconds the server sleeps before each piece of the trickled page's body.
TRICKLE_PAUSE = 1.0
#: Credentials the publisher puts in URLs; none may be stored or logged.
TOKEN = "tok-5e1f0c9a7b"
API_KEY = "key-9b2d4471c0"
PASSWORD = "pw-77c1e03d5a"
USER_PASSWORD = "pass-3a8e6f12d9"
FEED_KEY = "feedkey-0d4c8b61"
SECRETS = (TOKEN, API_KEY, PASSWORD, USER_PASSWORD, FEED_KEY)

#: DAY's article pages: slug -> headline. Where each is announced is set below.
HEADLINES = {
    "harbour-bridge": "Harbour bridge to be rebuilt",
    "ferry-strike": "Ferry crews call off the strike",
    "tram-line": "New tram line opens to the airport",
    "school-meals": "Free school meals extended to all pupils",
    "market-hall": "Market hall reopens after repairs",
    "storm-damage": "Storm damage bill reaches ten million",
    "library-hours": "Central library extends its opening hours",
    "river-cleanup": "Volunteers pull tonnes of rubbish from the river",
    "stadium-vote": "Council votes on the stadium plan",
    "fish-and-chips": "Fish and chips shop reopens on the quay",
    "council-budget": "Council budget vote delayed",
    "cycle-lanes": "Cycle lanes planned for the old town",
    "night-buses": "Night buses return to the suburbs",
    "members-briefing": "Members briefing on the port authority",
    "editors-note": "Editor's note on our election coverage",
}
IN_MONTH_SITEMAP = (
    "harbour-bridge",
    "ferry-strike",
    "tram-line",
    "school-meals",
    "market-hall",
    "storm-damage",
    "library-hours",
    "river-cleanup",
)
IN_NEWS_SITEMAP = (*IN_MONTH_SITEMAP[:6], "stadium-vote")
#: Announced with credentials in their URLs.
CREDENTIALED = ("members-briefing", "editors-note")


@dataclass(frozen=True)
class BigSite:
    """What tests need to know of the site: URLs are canonical, paths as requested."""

    day: dt.date
    homepage: str
    index: str
    rss: str
    crawl_delay: float
    #: DAY's articles a ``kind: site`` source gets (every shape read).
    site_articles: frozenset[str]
    #: DAY's articles the sitemap index announces (its children).
    sitemap_articles: frozenset[str]
    #: DAY's articles the Google News sitemap announces.
    news_articles: frozenset[str]
    #: DAY's articles the RSS feed announces.
    rss_articles: frozenset[str]
    #: Pages of DAY that are no article, and the reject reason each must get.
    site_rejects: dict[str, str]
    rss_rejects: dict[str, str]
    #: The page whose body trickles: :data:`TRICKLE_PAUSE` seconds per 256 bytes, 9 s in all.
    trickled: str
    #: DAY's pages announced with credentials in their URL (canonical: none left).
    credentialed: frozenset[str]
    secrets: tuple[str, ...]
    #: Request paths of DAY's article pages.
    article_paths: frozenset[str]
    #: Request paths of every page announced for another day: never to be fetched.
    other_day_paths: frozenset[str]
    #: Request paths of the index's children, in index order.
    children: tuple[str, ...]
    #: Children that cannot hold DAY's pages (month named, or lastmod before DAY).
    ruled_out: frozenset[str]
    #: The gzip child named for DAY's month, and the Google News sitemap.
    day_child: str
    news_sitemap: str
    #: Every sitemap's request path: the index and its children.
    sitemap_paths: frozenset[str]


@dataclass(frozen=True)
class _Credentialed:
    """DAY's pages announced with credentials: a token, user:password@, an api_key
    (behind robots.txt), a password (404)."""

    members: str
    editors: str
    private: str
    gone: str


def canonical(*urls: str) -> frozenset[str]:
    return frozenset(canonicalize(url) for url in urls)


def request_path(url: str) -> str:
    """The path and query a request for ``url`` asks the server for."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def install_big_site(server: NewsServer, day: dt.date, *, crawl_delay: float = 0.2) -> BigSite:
    """Serve the publisher on ``server`` for partition date ``day``; see the module."""
    builder = _Builder(server, day)
    site = builder.build(crawl_delay)
    server.routes.update(builder.routes)
    return site


class _Builder:
    """Collects the routes of the site and the facts about them while writing them."""

    def __init__(self, server: NewsServer, day: dt.date) -> None:
        self.server = server
        self.day = day
        self.now = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(7, 0), dt.UTC)
        self.routes: dict[str, Route] = {}
        self.other_day_paths: set[str] = set()

    # -- URLs -----------------------------------------------------------------

    def url(self, path: str) -> str:
        return self.server.url(path)

    def article_path(self, date: dt.date, slug: str) -> str:
        return f"/news/{date:%Y/%m/%d}/{slug}"

    def other_day(self, date: dt.date, slug: str, *, served: bool = True) -> str:
        """A page of another day: announced somewhere, never to be fetched for DAY."""
        path = self.article_path(date, slug)
        self.other_day_paths.add(path)
        if served:  # an article, so fetching it by mistake shows in the warehouse too
            self.routes[path] = self.page(f"Another day: {slug}", slug, date)
        return self.url(path)

    # -- pages ----------------------------------------------------------------

    def page(self, title: str, slug: str, date: dt.date) -> Reply:
        """An article page with its own text, ETag and Last-Modified."""
        modified = dt.datetime.combine(date, dt.time(9, 0), dt.UTC)
        last_modified = email.utils.format_datetime(modified, usegmt=True)
        headers = (*HTML, ("ETag", f'"{slug}-{date:%Y%m%d}"'), ("Last-Modified", last_modified))
        html = article_html(title=title, paragraphs=story(slug), published=date.isoformat())
        return Reply(200, html.encode(), headers)

    def day_page(self, slug: str, *, query: str = "") -> str:
        """DAY's article ``slug`` served at its path (with ``query``); its announced URL."""
        path = self.article_path(self.day, slug) + (f"?{query}" if query else "")
        self.routes[path] = self.page(HEADLINES[slug], slug, self.day)
        return self.url(path)

    def trickled_page(self, slug: str) -> str:
        """A page whose headers come at once and whose body then trickles.

        ``Reply.trickle`` sends the body 256 bytes at a time, that many seconds
        apart. The reply is built on request, so a server without it fails this
        one request, not the whole site.
        """
        body = article_html(title="Live: the count", paragraphs=story(slug)).encode()
        path = self.article_path(self.day, slug)

        def answer(_: Seen) -> Reply:
            return Reply(200, body, HTML, trickle=TRICKLE_PAUSE)  # type: ignore[call-arg]

        self.routes[path] = answer
        return self.url(path)

    # -- the site -------------------------------------------------------------

    def build(self, crawl_delay: float) -> BigSite:
        day = self.day
        urls = {slug: self.day_page(slug) for slug in HEADLINES if slug not in CREDENTIALED}
        secret = self.credentialed_pages()
        trickled = self.trickled_page("live-count")
        self.feeds(urls, secret, trickled)
        children, ruled_out, day_child, news = self.sitemaps(urls)
        self.routes["/robots.txt"] = Reply(
            200,
            (
                f"User-agent: *\nCrawl-delay: {crawl_delay}\nDisallow: /private/\n\n"
                f"Sitemap: {self.url(INDEX)}\nSitemap: {self.url(news)}\n"
            ).encode(),
            (("Content-Type", "text/plain"),),
        )
        in_rss = ("fish-and-chips", "council-budget", "harbour-bridge", "ferry-strike")
        return BigSite(
            day=day,
            homepage=self.url("/"),
            index=self.url(INDEX),
            rss=self.url("/feeds/rss.xml"),
            crawl_delay=crawl_delay,
            site_articles=canonical(*urls.values(), secret.members, secret.editors),
            sitemap_articles=canonical(*(urls[s] for s in {*IN_MONTH_SITEMAP, *IN_NEWS_SITEMAP})),
            news_articles=canonical(*(urls[slug] for slug in IN_NEWS_SITEMAP)),
            rss_articles=canonical(*(urls[slug] for slug in in_rss), secret.members),
            site_rejects={
                canonicalize(secret.private): "robots_disallowed",
                canonicalize(secret.gone): "http_404",
                canonicalize(trickled): "timeout",
            },
            rss_rejects={canonicalize(secret.private): "robots_disallowed"},
            trickled=canonicalize(trickled),
            credentialed=canonical(secret.members, secret.editors, secret.private, secret.gone),
            secrets=SECRETS,
            article_paths=frozenset(
                request_path(u) for u in [*urls.values(), secret.members, secret.editors]
            ),
            other_day_paths=frozenset(self.other_day_paths),
            children=children,
            ruled_out=ruled_out,
            day_child=day_child,
            news_sitemap=news,
            sitemap_paths=frozenset({INDEX, *children}),
        )

    def credentialed_pages(self) -> _Credentialed:
        """DAY's pages whose announced URLs carry credentials, each of another kind."""
        editors = self.day_page("editors-note")
        gone = self.article_path(self.day, "withdrawn") + f"?password={PASSWORD}"
        self.routes[gone] = Reply(404, b"<html><body>Not found</body></html>", HTML)
        return _Credentialed(
            members=self.day_page("members-briefing", query=f"id=7&token={TOKEN}"),
            editors=editors.replace("://", f"://editor:{USER_PASSWORD}@"),
            private=self.url(f"/private/draft?api_key={API_KEY}"),  # robots.txt says no
            gone=self.url(gone),
        )

    def feeds(self, urls: dict[str, str], secret: _Credentialed, trickled: str) -> None:
        """The RSS, Atom and JSON feeds, and the homepage that links them."""
        day, before, after = self.day, self.day - dt.timedelta(days=1), self.now.date()
        rss = self.rss(
            [
                (urls["fish-and-chips"], "Fish & chips shop reopens on the quay", day, 11),
                (urls["council-budget"], "Council&rsquo;s budget vote&nbsp;delayed", day, 12),
                (urls["harbour-bridge"], "Harbour bridge to be rebuilt", day, 8),
                (urls["ferry-strike"], "Ferry crews call off the strike", day, 9),
                (secret.members, "Members briefing", day, 13),
                (secret.private, "Draft", day, 14),
                (self.other_day(after, "early-tide"), "Early tide & floods", after, 6),
                (self.other_day(before, "eve"), "Eve", before, 18),
            ]
        )
        atom = self.atom(
            [
                (urls["night-buses"], day, 7),
                (urls["tram-line"], day, 10),
                (trickled, day, 15),
                (self.other_day(after, "frost"), after, 5),
            ]
        )
        json_feed = self.json_feed(
            [
                (urls["cycle-lanes"], day, 10),
                (urls["tram-line"], day, 10),
                (secret.editors, day, 16),
                (secret.gone, day, 17),
                (self.other_day(after, "fog"), after, 4),
            ]
        )
        json_path = f"/feeds/feed.json?api_key={FEED_KEY}"
        self.routes |= {
            "/feeds/rss.xml": Reply(200, rss, self.validators("application/rss+xml", "rss")),
            "/feeds/atom.xml": Reply(200, atom, self.validators("application/atom+xml", "atom")),
            json_path: Reply(200, json_feed, self.validators("application/feed+json", "json")),
            "/": Reply(200, self.homepage(json_path, urls).encode(), HTML),
            "/pt/": Reply(200, b"<html><body>Edicao em portugues</body></html>", HTML),
        }

    def validators(self, content_type: str, name: str) -> tuple[tuple[str, str], ...]:
        return (("Content-Type", content_type), ("ETag", f'"{name}-{self.now:%Y%m%d%H}"'))

    def at(self, date: dt.date, hour: int) -> dt.datetime:
        """``hour`` o'clock of ``date`` in the publisher's zone (UTC+1)."""
        return dt.datetime.combine(date, dt.time(hour), dt.timezone(dt.timedelta(hours=1)))

    # -- feeds ----------------------------------------------------------------

    def rss(self, items: list[tuple[str, str, dt.date, int]]) -> bytes:
        """RSS 2.0 as a CMS template writes it: titles pasted in, not escaped."""
        body = "".join(
            f"<item><title>{title}</title><link>{link.replace('&', '&amp;')}</link>"
            f"<pubDate>{email.utils.format_datetime(self.at(date, hour))}</pubDate></item>"
            for link, title, date, hour in items
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>The Test Gazette</title><link>{self.url('/')}</link>{body}</channel></rss>"
        ).encode()

    def atom(self, entries: list[tuple[str, dt.date, int]]) -> bytes:
        body = "".join(
            f'<entry><title>Story</title><link rel="alternate" href="{link}"/>'
            f"<id>{link}</id><published>{self.at(date, hour).isoformat()}</published></entry>"
            for link, date, hour in entries
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>The Test Gazette</title>{body}</feed>"
        ).encode()

    def json_feed(self, items: list[tuple[str, dt.date, int]]) -> bytes:
        document = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "The Test Gazette",
            "home_page_url": self.url("/"),
            "items": [
                {
                    "id": link,
                    "url": link,
                    "title": "Story",
                    "date_published": self.at(d, h).isoformat(),
                }
                for link, d, h in items
            ],
        }
        return json.dumps(document).encode()

    def homepage(self, feed_json: str, urls: dict[str, str]) -> str:
        """The front page: feeds linked in its head, top stories in its body."""
        links = "".join(f'<li><a href="{u}">{HEADLINES[s]}</a></li>' for s, u in urls.items())
        feed_json_href = feed_json.replace("&", "&amp;")
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>The Test Gazette</title>"
            '<link rel="alternate" hreflang="pt" href="/pt/">'
            '<link rel="alternate" type="application/rss+xml" title="Latest" href="/feeds/rss.xml">'
            '<link rel="alternate" type="application/atom+xml" title="Atom" href="/feeds/atom.xml">'
            '<link rel="alternate" type="application/feed+json" title="JSON" '
            f'href="{feed_json_href}">'
            f"</head><body><h1>The Test Gazette</h1><ul>{links}</ul></body></html>"
        )

    # -- sitemaps -------------------------------------------------------------

    def sitemaps(self, urls: dict[str, str]) -> tuple[tuple[str, ...], frozenset[str], str, str]:
        """The index and its 300 children; returns (children, ruled out, DAY's child, news)."""
        index: list[tuple[str, dt.datetime]] = []
        ruled_out: set[str] = set()
        day_child = ""
        for year, month in self.months():
            path, lastmod = self.month_sitemap(year, month, urls)
            index.append((path, lastmod))
            if (year, month) == (self.day.year, self.day.month):
                day_child = path
            else:
                ruled_out.add(path)
        for number in range(1, CHILDREN - MONTHS):
            path, lastmod = self.numbered_sitemap(number)
            index.append((path, lastmod))
            if lastmod.date() < self.day:
                ruled_out.add(path)
        news = self.news_sitemap(urls)
        index.append((news, self.now))
        entries = "".join(
            f"<sitemap><loc>{self.url(path)}</loc><lastmod>{lastmod.isoformat()}</lastmod>"
            "</sitemap>"
            for path, lastmod in index
        )
        document = (
            f'<?xml version="1.0"?><sitemapindex xmlns="{SITEMAP_NS}">{entries}</sitemapindex>'
        )
        self.routes[INDEX] = Reply(200, document.encode(), XML)
        children = tuple(path for path, _ in index)
        assert len(children) == CHILDREN and day_child
        return children, frozenset(ruled_out), day_child, news

    def months(self) -> list[tuple[int, int]]:
        """The :data:`MONTHS` months up to DAY's, oldest first."""
        count = self.day.year * 12 + self.day.month - 1
        return [(n // 12, n % 12 + 1) for n in range(count - MONTHS + 1, count + 1)]

    def urlset(self, path: str, entries: list[tuple[str, dt.date]], *, gz: bool) -> None:
        urls = "".join(
            f"<url><loc>{loc.replace('&', '&amp;')}</loc><lastmod>{lastmod.isoformat()}"
            "</lastmod></url>"
            for loc, lastmod in entries
        )
        document = f'<?xml version="1.0"?><urlset xmlns="{SITEMAP_NS}">{urls}</urlset>'.encode()
        self.routes[path] = (
            Reply(200, gzip.compress(document), GZIP) if gz else Reply(200, document, XML)
        )

    def month_sitemap(self, year: int, month: int, urls: dict[str, str]) -> tuple[str, dt.datetime]:
        """One month's posts; DAY's month holds DAY's pages among the other days'."""
        first = dt.date(year, month, 1)
        gz = year < self.day.year - 10 or month % 2 == 1 or first == self.day.replace(day=1)
        path = f"/sitemaps/post-sitemap-{year:04d}-{month:02d}.xml" + (".gz" if gz else "")
        next_month = (first + dt.timedelta(days=32)).replace(day=1)
        lastmod = dt.datetime.combine(next_month - dt.timedelta(days=1), dt.time(22), dt.UTC)
        entries: list[tuple[str, dt.date]] = []
        if first == self.day.replace(day=1):
            for date in (first + dt.timedelta(days=n) for n in range(self.day.day - 1)):
                entries += [
                    (self.other_day(date, f"story-{k}", served=False), date) for k in (1, 2)
                ]
            entries += [(urls[slug], self.day) for slug in IN_MONTH_SITEMAP]
            lastmod = self.now
        else:
            for date in (first.replace(day=d) for d in (3, 14, 25)):
                entries.append((self.other_day(date, "archive-story", served=False), date))
            if self.months_back(first) in (1, 12):  # an old story updated this morning
                updated = self.other_day(first.replace(day=9), "updated-story")
                entries.append((updated, self.now.date()))
                lastmod = self.now
        self.urlset(path, entries, gz=gz)
        return path, lastmod

    def months_back(self, first: dt.date) -> int:
        return (self.day.year - first.year) * 12 + self.day.month - first.month

    def numbered_sitemap(self, number: int) -> tuple[str, dt.datetime]:
        """Sitemaps numbered, not dated: old ones by lastmod, the last four recent."""
        path = f"/sitemaps/archive-{number}.xml"
        if number <= CHILDREN - MONTHS - 5:
            date = dt.date(2015, 1, 1) + dt.timedelta(days=60 * number)
            entries = [(self.other_day(date, f"item-{number}", served=False), date)]
            lastmod = dt.datetime.combine(date, dt.time(12), dt.UTC)
        else:
            date = self.now.date()
            entries = [(self.other_day(date, f"brief-{number}-{k}"), date) for k in (1, 2)]
            lastmod = self.now
        self.urlset(path, entries, gz=False)
        return path, lastmod

    def news_sitemap(self, urls: dict[str, str]) -> str:
        """The Google News sitemap: the last two days' stories."""
        day, before, after = self.day, self.day - dt.timedelta(days=1), self.now.date()
        stories = [(urls[slug], day, 6 + n) for n, slug in enumerate(IN_NEWS_SITEMAP)]
        stories += [(self.other_day(before, f"late-{k}"), before, 20 + k) for k in (1, 2)]
        stories += [(self.other_day(after, f"dawn-{k}"), after, k) for k in (1, 2, 3, 4)]
        entries = "".join(
            f"<url><loc>{loc}</loc><news:news><news:publication><news:name>The Test Gazette"
            "</news:name><news:language>en</news:language></news:publication>"
            f"<news:publication_date>{self.at(date, hour).isoformat()}</news:publication_date>"
            f"<news:title>Story</news:title></news:news></url>"
            for loc, date, hour in stories
        )
        document = (
            f'<?xml version="1.0"?><urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">'
            f"{entries}</urlset>"
        )
        self.routes["/news-sitemap.xml"] = Reply(200, document.encode(), XML)
        return "/news-sitemap.xml"


def story(slug: str) -> list[str]:
    """Six paragraphs of page ``slug``'s own: long enough to be an article, and far
    enough from every other page's (names, words) that no two count as one story."""
    rng = random.Random(slug)
    topic = slug.replace("-", " ")

    def person() -> str:
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        return f"{name}, {rng.choice(_ROLE)} in {rng.choice(_PLACE)},"

    return [
        f"{person()} {rng.choice(_VERB)} the {topic} {rng.choice(_NOUN)} {rng.choice(_WHEN)}. "
        f"About {rng.randint(12, 980)} people from {rng.choice(_PLACE)} followed the "
        f"{rng.choice(_NOUN)}, which {person()} {rng.choice(_VERB)} as {rng.choice(_VERDICT)}. "
        f"The figure of {rng.randint(2, 90)} million euros was {rng.choice(_VERB)} "
        f"{rng.choice(_WHEN)}."
        for _ in range(6)
    ]


# fmt: off
_FIRST = ("Elena", "Tomas", "Ana", "Rui", "Marta", "Joao", "Ines", "Paulo", "Sofia", "Luis",
          "Carla", "Miguel", "Rita", "Nuno", "Hugo")
_LAST = ("Marchetti", "Ferreira", "Duarte", "Campos", "Leal", "Pires", "Moura", "Reis", "Vaz",
         "Brito", "Lopes", "Costa", "Nunes")
_ROLE = ("the mayor", "a councillor", "the harbour master", "an engineer", "a shopkeeper",
         "the head teacher", "a union leader", "the police chief", "a resident",
         "the planning officer")
_PLACE = ("Alfama", "Belem", "the old town", "the ferry terminal", "the market square",
          "the river front", "the north bank", "the industrial quarter",
          "the university district", "the airport road")
_VERB = ("praised", "criticised", "questioned", "defended", "welcomed", "opposed", "described",
         "reviewed")
_NOUN = ("budget", "timetable", "contract", "inspection report", "consultation", "detour",
         "tender", "safety review", "funding plan", "petition")
_WHEN = ("on Monday", "last week", "in the spring", "before the summer", "by January",
         "next month", "over the weekend", "on Friday evening", "early this year",
         "within eighteen months")
_VERDICT = ("late", "costly", "overdue", "fair", "rushed", "necessary")
# fmt: on
