"""Feeds, sitemaps and URL lists to entries; hostile XML stays inert."""

from __future__ import annotations

import datetime as dt

import pytest

from newsflow.acquire.discovery import (
    Entry,
    FeedError,
    parse_date,
    parse_document,
    parse_feed,
    parse_sitemap,
    parse_url_list,
)

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
    entries = parse_feed(RSS, base_url="https://gazette.example/feed.xml")
    assert entries == [
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
    urls = [entry.url for entry in parse_feed(RSS)]
    assert "https://gazette.example/local/story" not in urls and len(urls) == 2


def test_atom_prefers_html_alternate_and_uses_xml_base() -> None:
    first, second = parse_feed(ATOM)
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
      <channel rdf:about="https://rdf.example/"><title>RDF</title></channel>
      <item rdf:about="https://rdf.example/1"><title>One</title>
        <link>https://rdf.example/1</link><dc:date>2026-11-16</dc:date></item>
    </rdf:RDF>"""
    assert parse_feed(rdf) == [Entry("https://rdf.example/1", dt.date(2026, 11, 16), "One")]


def test_sitemap_urlset_takes_only_page_locs() -> None:
    entries, children = parse_sitemap(SITEMAP)
    assert children == []
    assert entries == [
        Entry("https://maps.example/a", dt.date(2026, 11, 16)),
        Entry("https://maps.example/b"),
    ]


def test_sitemap_index_returns_children() -> None:
    entries, children = parse_sitemap(SITEMAP_INDEX, base_url="https://maps.example/sitemap.xml")
    assert entries == []
    assert children == [
        "https://maps.example/sitemap-news.xml",
        "https://maps.example/sitemap-2026-11.xml",
    ]


def test_google_news_sitemap_date_and_title_win_over_lastmod() -> None:
    entries, _ = parse_sitemap(NEWS_SITEMAP)
    assert entries == [
        Entry(
            "https://maps.example/news/election", dt.date(2026, 11, 16), "Election results are in"
        )
    ]


def test_parse_document_sniffs_the_kind() -> None:
    assert parse_document(SITEMAP_INDEX)[1][0] == "https://maps.example/sitemap-news.xml"
    assert parse_document(NEWS_SITEMAP)[0][0].title == "Election results are in"
    entries, children = parse_document(ATOM)
    assert len(entries) == 2 and children == []


def test_wrong_kind_and_bad_xml_raise_feed_error() -> None:
    with pytest.raises(FeedError, match="not an RSS or Atom feed"):
        parse_feed(SITEMAP)
    with pytest.raises(FeedError, match="not a sitemap"):
        parse_sitemap(RSS)
    with pytest.raises(FeedError, match="malformed XML"):
        parse_feed(b"<rss><channel><item></rss>")
    with pytest.raises(FeedError):
        parse_feed(b"")
    with pytest.raises(FeedError):
        parse_document(b"<html><body>Not found</body></html>")
    assert issubclass(FeedError, ValueError)


def test_leading_whitespace_and_bom_are_tolerated() -> None:
    assert len(parse_feed(b"\n\n  " + RSS)) == 2
    assert len(parse_feed(b"\xef\xbb\xbf" + RSS)) == 2


def test_external_entities_are_not_resolved(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xxe = f"""<?xml version="1.0"?>
    <!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>
    <rss version="2.0"><channel><item><title>&xxe;</title>
    <link>https://x.example/a</link></item></channel></rss>""".encode()
    (entry,) = parse_feed(xxe)
    assert entry.url == "https://x.example/a"
    assert "TOP-SECRET" not in (entry.title or "")


def test_billion_laughs_is_refused_not_expanded() -> None:
    lol = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    bomb = f"""<?xml version="1.0"?>
    <!DOCTYPE rss [<!ENTITY lol0 "lol">{lol}]>
    <rss version="2.0"><channel><item><title>&lol9;</title>
    <link>https://x.example/a</link></item></channel></rss>""".encode()
    with pytest.raises(FeedError, match="amplification"):
        parse_feed(bomb)


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
