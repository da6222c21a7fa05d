"""Feeds, sitemaps, homepages and URL lists to entries; hostile documents stay inert.

Malformed documents as publishers serve them are in test_discovery_shapes.py.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import time

import pytest

from newsflow.acquire.discovery import (
    ChildSitemap,
    Document,
    Entry,
    FeedError,
    feeds_in_homepage,
    parse_date,
    parse_document,
    parse_url_list,
)

MAX_BYTES = 60_000_000


def parse(body: bytes, *, base_url: str | None = None) -> Document:
    return parse_document(body, base_url=base_url, max_bytes=MAX_BYTES)


RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>The Test Gazette</title><link>https://gazette.example/</link>
  <item>
    <title>Harbour bridge to be rebuilt</title>
    <link>https://gazette.example/2026/11/16/bridge</link>
    <pubDate>Mon, 16 Nov 2026 07:30:00 +0000</pubDate>
  </item>
  <item>
    <title>Only a permalink guid</title>
    <guid isPermaLink="true">https://gazette.example/2026/11/15/guid</guid>
    <dc:date>2026-11-15T22:00:00-05:00</dc:date>
  </item>
  <item>
    <title>Guid that is not a link</title>
    <guid isPermaLink="false">tag:gazette.example,2026:123</guid>
  </item>
  <item><title>Relative link</title><link> /local/story </link></item>
  <item><title>Duplicate</title><link>https://gazette.example/2026/11/16/bridge</link></item>
  <item><title>Mail</title><link>mailto:desk@gazette.example</link></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://atom.example/">
  <title>Atom News</title>
  <entry>
    <title>Ferry timetable changes</title>
    <link rel="self" href="https://atom.example/api/1"/>
    <link rel="alternate" type="application/pdf" href="https://atom.example/1.pdf"/>
    <link rel="alternate" type="text/html" href="https://atom.example/news/ferry"/>
    <published>2026-11-14T08:00:00Z</published>
    <updated>2026-11-16T08:00:00Z</updated>
  </entry>
  <entry>
    <title type="html">Updated &amp;amp; only</title>
    <link href="news/relative"/>
    <updated>2026-11-13</updated>
  </entry>
</feed>"""

SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url><loc>https://maps.example/a</loc><lastmod>2026-11-16T10:00:00+01:00</lastmod>
    <image:image><image:loc>https://maps.example/a.jpg</image:loc></image:image></url>
  <url><loc>https://maps.example/b</loc></url>
  <url><lastmod>2026-11-16</lastmod></url>
</urlset>"""

SITEMAP_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://maps.example/sitemap-news.xml</loc><lastmod>2026-11-16</lastmod></sitemap>
  <sitemap><loc>/sitemap-2026-11.xml</loc></sitemap>
</sitemapindex>"""

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:n="http://www.google.com/schemas/sitemap-news/0.9">
  <url>
    <loc>https://maps.example/news/election</loc>
    <lastmod>2026-11-17</lastmod>
    <n:news>
      <n:publication><n:name>Maps Daily</n:name><n:language>en</n:language></n:publication>
      <n:publication_date>2026-11-16T21:15:00+02:00</n:publication_date>
      <n:title>Election results are in</n:title>
    </n:news>
  </url>
</urlset>"""


def test_rss() -> None:
    document = parse(RSS, base_url="https://gazette.example/feed.xml")
    assert (document.kind, document.children, document.recovered) == ("rss", [], False)
    assert document.entries == [
        Entry(
            "https://gazette.example/2026/11/16/bridge",
            dt.date(2026, 11, 16),
            "Harbour bridge to be rebuilt",
        ),
        Entry(
            "https://gazette.example/2026/11/15/guid",
            dt.date(2026, 11, 15),
            "Only a permalink guid",
        ),
        Entry("https://gazette.example/local/story", None, "Relative link"),
    ]


def test_rss_without_base_drops_relative_links() -> None:
    urls = [entry.url for entry in parse(RSS).entries]
    assert "https://gazette.example/local/story" not in urls and len(urls) == 2


def test_atom_prefers_html_alternate_and_uses_xml_base() -> None:
    document = parse(ATOM)
    assert document.kind == "atom"
    first, second = document.entries
    assert first == Entry(
        "https://atom.example/news/ferry", dt.date(2026, 11, 14), "Ferry timetable changes"
    )
    assert second.url == "https://atom.example/news/relative"
    assert second.published == dt.date(2026, 11, 13)  # updated, when published is missing
    assert second.title == "Updated &amp; only"


def test_rss_1_0_rdf() -> None:
    rdf = b"""<?xml version="1.0"?>
    <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
             xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
      <channel rdf:about="https://rdf.example/"><title>RDF</title>
        <items><rdf:Seq><rdf:li rdf:resource="https://rdf.example/1"/></rdf:Seq></items>
      </channel>
      <item rdf:about="https://rdf.example/1"><title>One</title>
        <link>https://rdf.example/1</link><dc:date>2026-11-16</dc:date></item>
      <item rdf:about="https://rdf.example/2"><title>Two</title>
        <link>https://rdf.example/2</link></item>
    </rdf:RDF>"""
    document = parse(rdf)
    assert document.kind == "rss"
    assert document.entries == [
        Entry("https://rdf.example/1", dt.date(2026, 11, 16), "One"),
        Entry("https://rdf.example/2", None, "Two"),
    ]


def test_rss_0_90_rdf_namespace() -> None:
    rss090 = b"""<?xml version="1.0"?>
    <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
             xmlns="http://my.netscape.com/rdf/simple/0.9/">
      <channel><title>Old</title><link>https://old.example/</link></channel>
      <item><title>First</title><link>https://old.example/1</link></item>
    </rdf:RDF>"""
    assert parse(rss090).entries == [Entry("https://old.example/1", None, "First")]


def test_rss_0_91_with_netscape_doctype_and_html_entities() -> None:
    # The 0.91 DTD defines HTML's entities; we never load it, and still read them.
    rss091 = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
    <!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
      "http://my.netscape.com/publish/formats/rss-0.91.dtd">
    <rss version="0.91"><channel><title>Legacy</title><link>https://legacy.example/</link>
      <language>fr</language>
      <item><title>Caf&eacute; &amp; cr&egrave;me</title>
        <link>https://legacy.example/cafe</link><description>x</description></item>
      <item><title>Second</title><link>https://legacy.example/2</link></item>
    </channel></rss>"""
    document = parse(rss091)
    assert (document.kind, document.recovered) == ("rss", False)
    assert document.entries == [
        Entry("https://legacy.example/cafe", None, "Café & crème"),
        Entry("https://legacy.example/2", None, "Second"),
    ]


def test_sitemap_urlset_takes_only_page_locs() -> None:
    document = parse(SITEMAP)
    assert (document.kind, document.children) == ("urlset", [])
    assert document.entries == [
        Entry("https://maps.example/a", dt.date(2026, 11, 16)),
        Entry("https://maps.example/b"),
    ]


def test_sitemap_index_children_carry_lastmod() -> None:
    document = parse(SITEMAP_INDEX, base_url="https://maps.example/sitemap.xml")
    assert (document.kind, document.entries) == ("sitemapindex", [])
    assert document.children == [
        ChildSitemap("https://maps.example/sitemap-news.xml", dt.date(2026, 11, 16)),
        ChildSitemap("https://maps.example/sitemap-2026-11.xml", None),
    ]


def test_sitemap_index_children_are_unique_and_web_only() -> None:
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://i.example/a.xml</loc><lastmod>2026-11-01T08:00:00Z</lastmod></sitemap>
      <sitemap><loc>https://i.example/b.xml</loc><lastmod>not a date</lastmod></sitemap>
      <sitemap><loc>https://i.example/a.xml</loc><lastmod>2026-11-20</lastmod></sitemap>
      <sitemap><loc>ftp://i.example/c.xml</loc></sitemap>
      <sitemap><lastmod>2026-11-20</lastmod></sitemap>
    </sitemapindex>"""
    assert parse(index).children == [
        ChildSitemap("https://i.example/a.xml", dt.date(2026, 11, 1)),
        ChildSitemap("https://i.example/b.xml", None),
    ]


def test_google_news_sitemap_date_and_title_win_over_lastmod() -> None:
    assert parse(NEWS_SITEMAP).entries == [
        Entry(
            "https://maps.example/news/election", dt.date(2026, 11, 16), "Election results are in"
        )
    ]


def test_not_a_feed_or_sitemap_raises_feed_error() -> None:
    with pytest.raises(FeedError, match="root element <html>"):
        parse(b"<html><body>Not found</body></html>")
    with pytest.raises(FeedError, match="root element <html>"):  # malformed HTML too
        parse(b"<!DOCTYPE html><html><body><p>Not &nbsp; found<br></body></html>")
    with pytest.raises(FeedError, match="root element <svg>"):
        parse(b'<svg xmlns="http://www.w3.org/2000/svg"/>')
    with pytest.raises(FeedError):
        parse(b"")
    with pytest.raises(FeedError):
        parse(b"\x00\x01\x02\xff\xfe random bytes \x89PNG")
    with pytest.raises(FeedError, match="expected the document's bytes"):
        parse("<rss/>")  # type: ignore[arg-type]
    assert issubclass(FeedError, ValueError)


def test_leading_whitespace_and_bom_are_tolerated() -> None:
    assert len(parse(b"\n\n  " + RSS).entries) == 2
    assert len(parse(b"\xef\xbb\xbf" + RSS).entries) == 2
    utf16 = RSS.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert len(parse(utf16).entries) == 2


def test_a_body_over_max_bytes_is_refused() -> None:
    with pytest.raises(FeedError, match="over 100 bytes"):
        parse_document(RSS, max_bytes=100)


# -- Any size --------------------------------------------------------------------------------


def _urlset(count: int) -> bytes:
    urls = (
        f"<url><loc>https://big.example/2026/11/{i % 30 + 1:02d}/story-{i}-{'x' * 60}</loc>"
        f"<lastmod>2026-11-{i % 30 + 1:02d}T10:00:00+00:00</lastmod>"
        f"<news:news><news:publication><news:name>Big</news:name>"
        f"<news:language>en</news:language></news:publication>"
        f"<news:publication_date>2026-11-{i % 30 + 1:02d}</news:publication_date>"
        f"<news:title>Story number {i} about a long matter</news:title></news:news></url>\n"
        for i in range(count)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
        + "".join(urls)
        + "</urlset>\n"
    ).encode()


def test_a_full_size_urlset_parses() -> None:
    # 50,000 URLs is the protocol's limit; these ~20 MB pass libxml2's default
    # (non-huge) limits, which bound single text nodes and nesting, not documents.
    body = _urlset(50_000)
    assert len(body) > 10_000_000
    started = time.perf_counter()
    document = parse(body)
    elapsed = time.perf_counter() - started
    assert (document.kind, document.recovered, len(document.entries)) == ("urlset", False, 50_000)
    assert document.entries[49_999] == Entry(
        f"https://big.example/2026/11/20/story-49999-{'x' * 60}",
        dt.date(2026, 11, 20),
        "Story number 49999 about a long matter",
    )
    print(f"50,000-URL sitemap of {len(body):,} bytes parsed in {elapsed:.2f} s")


def test_a_full_size_index_parses_without_a_cap() -> None:
    children = "".join(
        f"<sitemap><loc>https://big.example/sitemaps/{i}.xml</loc>"
        f"<lastmod>2026-11-{i % 30 + 1:02d}</lastmod></sitemap>"
        for i in range(50_000)
    )
    body = f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{children}</sitemapindex>'
    started = time.perf_counter()
    document = parse(body.encode())
    elapsed = time.perf_counter() - started
    assert len(document.children) == 50_000
    assert document.children[-1] == ChildSitemap(
        "https://big.example/sitemaps/49999.xml", dt.date(2026, 11, 20)
    )
    print(f"50,000-child index parsed in {elapsed:.2f} s")


def test_a_full_size_malformed_urlset_is_recovered_whole() -> None:
    body = _urlset(50_000).replace(b"Story number 0 ", b"Story number 0 & ", 1)
    document = parse(body)
    assert (document.recovered, len(document.entries)) == (True, 50_000)
    assert document.entries[0].title == "Story number 0 & about a long matter"


# -- gzip ------------------------------------------------------------------------------------


def test_gzip_sitemap_without_content_encoding_is_decompressed() -> None:
    document = parse(gzip.compress(SITEMAP_INDEX), base_url="https://maps.example/sitemap.xml.gz")
    assert [child.url for child in document.children] == [
        "https://maps.example/sitemap-news.xml",
        "https://maps.example/sitemap-2026-11.xml",
    ]
    assert parse(gzip.compress(RSS)).kind == "rss"


def test_gzip_bomb_is_refused_at_max_bytes() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * 50_000_000 + b"</urlset>")
    assert len(bomb) < 100_000
    with pytest.raises(FeedError, match="over 1000000 bytes"):
        parse_document(bomb, max_bytes=1_000_000)


def test_damaged_gzip_is_a_feed_error() -> None:
    with pytest.raises(FeedError, match="gzip"):
        parse(gzip.compress(SITEMAP)[:-20])
    with pytest.raises(FeedError, match="gzip"):
        parse(b"\x1f\x8b\x08\x00garbage that is not deflate")


# -- JSON Feed -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "version", ["https://jsonfeed.org/version/1", "https://jsonfeed.org/version/1.1"]
)
def test_json_feed(version: str) -> None:
    feed = {
        "version": version,
        "title": "JSON Times",
        "home_page_url": "https://json.example/",
        "items": [
            {
                "id": "1",
                "url": "https://json.example/2026/11/16/tram",
                "title": "New tram  line\nopens",
                "date_published": "2026-11-16T08:00:00+01:00",
            },
            {"id": "2", "external_url": "https://elsewhere.example/story", "content_text": "x"},
            {"id": "3", "url": "/relative", "date_modified": "2026-11-15T23:00:00-05:00"},
            {
                "id": "4",
                "url": "mailto:desk@json.example",
                "external_url": "https://json.example/4",
            },
            {"id": "5", "content_html": "<p>no link</p>"},
            {"id": "6", "url": "https://json.example/2026/11/16/tram", "title": "Duplicate"},
            "not an object",
            {"id": "7", "url": 7, "title": ["not", "a", "string"]},
        ],
    }
    body = b"\xef\xbb\xbf \n" + json.dumps(feed).encode()
    document = parse(body, base_url="https://json.example/feed.json")
    assert (document.kind, document.children, document.recovered) == ("json_feed", [], False)
    assert document.entries == [
        Entry("https://json.example/2026/11/16/tram", dt.date(2026, 11, 16), "New tram line opens"),
        Entry("https://elsewhere.example/story"),
        Entry("https://json.example/relative", dt.date(2026, 11, 15)),
        Entry("https://json.example/4"),
    ]


def test_json_feed_gzipped() -> None:
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "items": [{"url": "https://j.example/a"}],
    }
    assert parse(gzip.compress(json.dumps(feed).encode())).entries == [Entry("https://j.example/a")]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"items": [{"url": "https://j.example/a"}]}', "not a JSON Feed"),
        (b'{"version": "1.0", "items": []}', "not a JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1", "items": [', "malformed JSON"),
        (b"{" * 100_000, "malformed JSON"),
        (b'{"version": "https://jsonfeed.org/version/1", "t": "\xff"}', "malformed JSON"),
    ],
)
def test_json_that_is_no_json_feed_raises(body: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        parse(body)


# -- Hostile XML, under both parsers ---------------------------------------------------------

LOL = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))


def _xxe(secret_path: str, *, malformed: bool) -> bytes:
    first = "Q&A" if malformed else "QA"
    return f"""<?xml version="1.0"?>
    <!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret_path}">
                   <!ENTITY remote SYSTEM "http://127.0.0.1:9/dtd">]>
    <rss version="2.0"><channel>
    <item><title>{first}</title><link>https://x.example/0</link></item>
    <item><title>&xxe;&remote;</title><link>https://x.example/a</link></item>
    <item><title>after</title><link>https://x.example/b</link></item>
    </channel></rss>""".encode()


@pytest.mark.parametrize("malformed", [False, True], ids=["strict", "recovering"])
def test_external_entities_are_not_resolved(tmp_path, malformed: bool) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    document = parse(_xxe(str(secret), malformed=malformed))
    assert document.recovered is malformed
    assert [entry.url for entry in document.entries] == [
        "https://x.example/0",
        "https://x.example/a",
        "https://x.example/b",
    ]
    assert document.entries[1].title is None  # references to unknown entities give nothing
    assert all("TOP-SECRET" not in (entry.title or "") for entry in document.entries)


def test_billion_laughs_is_refused_not_expanded() -> None:
    bomb = f"""<?xml version="1.0"?>
    <!DOCTYPE rss [<!ENTITY lol0 "lol">{LOL}]>
    <rss version="2.0"><channel><item><title>&lol9;</title>
    <link>https://x.example/a</link></item></channel></rss>""".encode()
    with pytest.raises(FeedError, match="amplification"):
        parse(bomb)


def test_billion_laughs_stays_inert_under_the_recovering_parser() -> None:
    # The bare & sends the document to the recovering parser before the bomb goes off.
    bomb = f"""<?xml version="1.0"?>
    <!DOCTYPE rss [<!ENTITY lol0 "lol">{LOL}]>
    <rss version="2.0"><channel>
    <item><title>Q&A</title><link>https://x.example/0</link></item>
    <item><title>&lol9;</title><link>https://x.example/a</link></item>
    </channel></rss>""".encode()
    document = parse(bomb)  # expanded, &lol9; would be 3 * 10**9 characters
    assert document.recovered
    assert document.entries[0] == Entry("https://x.example/0", None, "Q&A")
    assert all("lol" not in (entry.title or "") for entry in document.entries)


# -- Homepages -------------------------------------------------------------------------------


def test_feeds_in_homepage() -> None:
    page = b"""<!DOCTYPE html><html lang="en"><head>
      <meta charset="utf-8"><title>Daily</title>
      <link rel="stylesheet" href="/style.css">
      <link rel="alternate" hreflang="fr" href="https://daily.example/fr/">
      <link rel="alternate" type="text/html" hreflang="de" href="/de/">
      <link rel="alternate" type="application/rss+xml" title="All" href="/feed.xml">
      <LINK REL="Alternate Feed" TYPE="Application/Atom+XML" HREF="atom.xml">
      <link rel="alternate" type="application/feed+json" href="https://daily.example/feed.json">
      <link rel="alternate" type="application/json" href="//cdn.example/feed.json">
      <link rel="alternate" type="application/rss+xml; charset=utf-8" href="/feed.xml">
      <link rel="alternate" type="application/rss+xml" href="feed://daily.example/x">
      <link rel="alternate" type="application/rss+xml">
      <link rel="feed" type="application/rss+xml" href="/not-alternate.xml">
      <link rel="alternate stylesheet" type="text/css" href="/alt.css">
    </head><body><p>Unclosed <div><b>messy <a href="/rss">RSS</a>
      <link rel="alternate" type="application/rss+xml" href="/section/sport/feed.xml">
    </body></html>"""
    assert feeds_in_homepage(page, base_url="https://daily.example/news/") == [
        "https://daily.example/feed.xml",
        "https://daily.example/news/atom.xml",
        "https://daily.example/feed.json",
        "https://cdn.example/feed.json",
        "https://daily.example/section/sport/feed.xml",
    ]


def test_feeds_in_homepage_use_base_href() -> None:
    page = b"""<html><head><base href="/edition/uk/"><base href="/ignored/">
      <link rel=alternate type=application/rss+xml href=rss.xml></head></html>"""
    assert feeds_in_homepage(page, base_url="https://base.example/") == [
        "https://base.example/edition/uk/rss.xml"
    ]


def test_feeds_in_homepage_without_feeds() -> None:
    assert feeds_in_homepage(b"", base_url="https://x.example/") == []
    assert feeds_in_homepage(b"\x00\xff<<<>", base_url="https://x.example/") == []


def test_url_list() -> None:
    text = """# morning picks
    https://list.example/a

    https://list.example/b#section
    ftp://list.example/file
    /relative
    https://list.example/a
    """
    assert parse_url_list(text, base_url="https://list.example/") == [
        Entry("https://list.example/a"),
        Entry("https://list.example/b#section"),
        Entry("https://list.example/relative"),
    ]


@pytest.mark.parametrize(
    ("value", "date"),
    [
        ("Mon, 16 Nov 2026 07:30:00 GMT", dt.date(2026, 11, 16)),
        ("16 Nov 2026 23:30:00 -0500", dt.date(2026, 11, 16)),  # the publisher's date
        ("2026-11-16", dt.date(2026, 11, 16)),
        ("2026-11-16T07:30:00Z", dt.date(2026, 11, 16)),
        ("2026-11-16T07:30+01:00", dt.date(2026, 11, 16)),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(value: str | None, date: dt.date | None) -> None:
    assert parse_date(value) == date
