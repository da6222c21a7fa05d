"""Malformed feeds and sitemaps as publishers serve them: read as readers read them.

Each broken document puts its fault in the FIRST item and has several good
items after it, so a recovery that gives up at the fault, or silently drops
what follows, fails the test.
"""

from __future__ import annotations

import datetime as dt
import gzip

import pytest

from newsflow.acquire.discovery import ChildSitemap, Document, Entry, FeedError, parse_document

UTF8 = b'<?xml version="1.0" encoding="utf-8"?>\n'
LATIN1 = b'<?xml version="1.0" encoding="ISO-8859-1"?>\n'
AFTER = [(f"Good item {i}".encode(), f"https://shape.example/{i}".encode()) for i in range(2, 6)]
AFTER_ENTRIES = [Entry(f"https://shape.example/{i}", None, f"Good item {i}") for i in range(2, 6)]


def parse(body: bytes) -> Document:
    return parse_document(body, base_url="https://shape.example/feed", max_bytes=10_000_000)


def rss(first_title: bytes, first_link: bytes = b"https://shape.example/1", *, head: bytes = UTF8):
    items = [(first_title, first_link), *AFTER]
    body = b"".join(b"<item><title>%s</title><link>%s</link></item>\n" % item for item in items)
    return (
        head + b'<rss version="2.0"><channel><title>Shapes</title>\n' + body + b"</channel></rss>"
    )


def assert_recovered(document: Document, first: Entry) -> None:
    assert document.recovered
    assert document.entries == [first, *AFTER_ENTRIES]


# -- Ampersands and entities -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (b"Q&A", "Q&A"),
        (b"Tom & Jerry", "Tom & Jerry"),
        (b"AT&T; B&B", "AT B&B"),  # a reference to an entity HTML does not know: nothing
        (b"Fish &chips", "Fish &chips"),
        (b"&amp; &#38; &#x26; fine ones stay", "& & & fine ones stay"),
        (b"&bogus; then &amp; &lt;&gt; &quot;&apos; &", "then & <> \"' &"),
    ],
)
def test_bare_ampersand_in_the_first_title(title: bytes, expected: str) -> None:
    document = parse(rss(title))
    assert document.entries[1:] == AFTER_ENTRIES
    assert document.entries[0].title == expected


def test_bare_ampersand_is_kept_exactly() -> None:
    assert_recovered(parse(rss(b"Q&A")), Entry("https://shape.example/1", None, "Q&A"))


def test_bare_ampersand_in_a_link_keeps_the_url_whole() -> None:
    document = parse(rss(b"Query", b"https://shape.example/story?id=1&lang=en&copy=2"))
    assert_recovered(
        document, Entry("https://shape.example/story?id=1&lang=en&copy=2", None, "Query")
    )


def test_html_entities_become_characters() -> None:
    document = parse(rss(b"Caf&eacute;&nbsp;culture &mdash; &ldquo;&Uuml;ber&rdquo; &hellip;"))
    assert_recovered(document, Entry("https://shape.example/1", None, "Café culture — “Über” …"))


def test_entities_html_does_not_know_give_nothing() -> None:
    document = parse(rss(b"Before &bogus; after &nbsp;"))
    assert_recovered(document, Entry("https://shape.example/1", None, "Before after"))


def test_cdata_is_left_as_written() -> None:
    document = parse(rss(b"<![CDATA[Tom & Jerry &nbsp; <b>]]> &amp; Q&A"))
    assert_recovered(
        document, Entry("https://shape.example/1", None, "Tom & Jerry &nbsp; <b> & Q&A")
    )


def test_unclosed_cdata_swallows_only_the_rest_of_the_document() -> None:
    body = rss(b"Fine & dandy") + b"<![CDATA[ never closed" * 1_000
    assert_recovered(parse(body), Entry("https://shape.example/1", None, "Fine & dandy"))


def test_atom_with_html_entities_and_ampersands_in_hrefs() -> None:
    entries = b"".join(
        b'<entry><title>%s</title><link href="%s"/><updated>2026-11-16</updated></entry>' % pair
        for pair in [
            (b"R&eacute;sum&eacute; &amp; more", b"https://atom.example/a?x=1&y=2"),
            (b"Second&nbsp;entry", b"https://atom.example/b"),
            (b"Third", b"https://atom.example/c"),
        ]
    )
    body = UTF8 + b'<feed xmlns="http://www.w3.org/2005/Atom"><title>A&B</title>' + entries
    document = parse(body + b"</feed>")
    assert (document.kind, document.recovered) == ("atom", True)
    day = dt.date(2026, 11, 16)
    assert document.entries == [
        Entry("https://atom.example/a?x=1&y=2", day, "Résumé & more"),
        Entry("https://atom.example/b", day, "Second entry"),
        Entry("https://atom.example/c", day, "Third"),
    ]


def test_entities_declared_in_an_internal_dtd_are_not_expanded() -> None:
    # Well-formed, so the strict parser reads it; an entity named like HTML's
    # reads as HTML's, never as what the document defines.
    body = b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY nbsp "EVIL"><!ENTITY x "EVIL">]>' + rss(
        b"A&nbsp;B&x;C", head=b""
    )
    document = parse(body)
    assert not document.recovered
    assert document.entries[0] == Entry("https://shape.example/1", None, "A BC")


# -- Encodings -------------------------------------------------------------------------------


def test_declared_utf8_but_cp1252() -> None:
    body = rss(b"Caf\xe9 \x93smart\x94 \x96 na\xefve \x80", b"https://shape.example/caf\xe9")
    assert_recovered(
        parse(body), Entry("https://shape.example/café", None, "Café “smart” – naïve €")
    )


def test_undeclared_latin1_bytes() -> None:
    body = rss(b"Gr\xfc\xdfe aus K\xf6ln", head=b"")
    assert_recovered(parse(body), Entry("https://shape.example/1", None, "Grüße aus Köln"))


def test_utf8_document_with_one_cp1252_title_pasted_in() -> None:
    body = rss(b"Caf\xe9", head=UTF8).replace(b"Good item 3", "Good item 3 ✓".encode())
    document = parse(body)
    assert document.recovered
    assert document.entries[0].title == "Café"
    assert document.entries[2].title == "Good item 3 ✓"
    assert len(document.entries) == 5


def test_declared_latin1_but_utf8() -> None:
    body = rss("Café “smart” €".encode(), "https://shape.example/café".encode(), head=LATIN1)
    document = parse(body)
    assert document.entries == [
        Entry("https://shape.example/café", None, "Café “smart” €"),
        *AFTER_ENTRIES,
    ]


def test_correctly_declared_latin1_and_cp1251_are_trusted() -> None:
    latin = parse(rss("Café".encode("latin-1"), head=LATIN1))
    assert (latin.recovered, latin.entries[0].title) == (False, "Café")
    cp1251 = b'<?xml version="1.0" encoding="windows-1251"?>\n'
    cyrillic = parse(rss("Новости дня".encode("cp1251"), head=cp1251))
    assert (cyrillic.recovered, cyrillic.entries[0].title) == (False, "Новости дня")
    broken = parse(rss("Новости & дня".encode("cp1251"), head=cp1251))
    assert_recovered(broken, Entry("https://shape.example/1", None, "Новости & дня"))


def test_declared_cp1251_but_utf8() -> None:
    head = b'<?xml version="1.0" encoding="windows-1251"?>\n'
    document = parse(rss("Новости дня".encode(), head=head))
    assert document.entries[0].title == "Новости дня"
    assert len(document.entries) == 5


def test_unknown_declared_encoding() -> None:
    head = b'<?xml version="1.0" encoding="x-no-such-charset"?>\n'
    assert_recovered(
        parse(rss("Café".encode(), head=head)), Entry("https://shape.example/1", None, "Café")
    )


def test_utf16_with_bom_and_a_bare_ampersand() -> None:
    body = rss(b"Q&A", head=b'<?xml version="1.0" encoding="UTF-16"?>\n')
    document = parse(body.decode("ascii").encode("utf-16"))
    assert_recovered(document, Entry("https://shape.example/1", None, "Q&A"))


# -- Broken structure ------------------------------------------------------------------------


def test_php_warning_before_the_declaration() -> None:
    warning = b"<br />\n<b>Warning</b>:  Cannot modify header information in <b>/x.php</b><br />\n"
    assert_recovered(
        parse(warning + rss(b"First")), Entry("https://shape.example/1", None, "First")
    )


def test_unclosed_tag_in_the_first_title() -> None:
    document = parse(rss(b"<b>Bold and never closed"))
    assert document.recovered
    assert [entry.url for entry in document.entries] == [
        "https://shape.example/1",
        *(entry.url for entry in AFTER_ENTRIES),
    ]
    assert document.entries[1:] == AFTER_ENTRIES


def test_stray_less_than_in_the_first_title() -> None:
    document = parse(rss(b"3 < 4"))
    assert document.recovered
    assert document.entries[0].url == "https://shape.example/1"
    assert document.entries[1:] == AFTER_ENTRIES


def test_truncated_feed_keeps_what_arrived() -> None:
    body = rss(b"First")
    cut = body[: body.index(b"Good item 5")]
    document = parse(cut)
    assert document.recovered
    assert document.entries == [Entry("https://shape.example/1", None, "First"), *AFTER_ENTRIES[:3]]


def test_malformed_xml_that_is_no_feed_still_raises() -> None:
    with pytest.raises(FeedError, match="root element <html>"):
        parse(b"<html><head><title>Q&A</title></head><body>&nbsp;<p>Oops</body></html>")
    with pytest.raises(FeedError):
        parse(b"\xff\xfe\x00garbage & more garbage")


# -- Sitemaps --------------------------------------------------------------------------------


def test_urlset_with_bare_ampersand_in_the_first_loc() -> None:
    urls = [b"https://shape.example/story?id=1&lang=en"] + [
        b"https://shape.example/%d" % i for i in range(2, 6)
    ]
    body = UTF8 + (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + b"".join(b"<url><loc>%s</loc><lastmod>2026-11-16</lastmod></url>" % u for u in urls)
        + b"</urlset>"
    )
    document = parse(gzip.compress(body))
    assert (document.kind, document.recovered) == ("urlset", True)
    assert [entry.url for entry in document.entries] == [u.decode() for u in urls]
    assert {entry.published for entry in document.entries} == {dt.date(2026, 11, 16)}


def test_urlset_with_an_unclosed_url_element() -> None:
    body = UTF8 + (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://shape.example/1</loc>"  # never closed
        b"<url><loc>https://shape.example/2</loc></url>"
        b"<url><loc>https://shape.example/3</loc></url>"
        b"</urlset>"
    )
    document = parse(body)
    assert document.recovered
    assert [entry.url for entry in document.entries] == [
        "https://shape.example/1",
        "https://shape.example/2",
        "https://shape.example/3",
    ]


def test_google_news_sitemap_with_entities_in_titles() -> None:
    body = UTF8 + (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        b' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        b"<url><loc>https://shape.example/1</loc><news:news>"
        b"<news:publication><news:name>S&S</news:name></news:publication>"
        b"<news:publication_date>2026-11-16T21:15:00+02:00</news:publication_date>"
        b"<news:title>Caf&eacute; &amp; Bar</news:title></news:news></url>"
        b"<url><loc>https://shape.example/2</loc><news:news>"
        b"<news:publication_date>2026-11-15</news:publication_date>"
        b"<news:title>Second</news:title></news:news></url>"
        b"</urlset>"
    )
    document = parse(body)
    assert document.recovered
    assert document.entries == [
        Entry("https://shape.example/1", dt.date(2026, 11, 16), "Café & Bar"),
        Entry("https://shape.example/2", dt.date(2026, 11, 15), "Second"),
    ]


def test_sitemap_index_with_a_bare_ampersand() -> None:
    body = UTF8 + (
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>https://shape.example/sitemap.xml?yyyy=2026&mm=11</loc>"
        b"<lastmod>2026-11-16</lastmod></sitemap>"
        b"<sitemap><loc>https://shape.example/sitemap-2.xml</loc>"
        b"<lastmod>2026-11-15T10:00:00Z</lastmod></sitemap>"
        b"</sitemapindex>"
    )
    document = parse(body)
    assert (document.kind, document.recovered) == ("sitemapindex", True)
    assert document.children == [
        ChildSitemap("https://shape.example/sitemap.xml?yyyy=2026&mm=11", dt.date(2026, 11, 16)),
        ChildSitemap("https://shape.example/sitemap-2.xml", dt.date(2026, 11, 15)),
    ]
