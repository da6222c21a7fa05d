"""Discovery: which article URLs a feed, a sitemap or a URL list points at.

A source tells us where its news is (an RSS, Atom or JSON feed, an XML
sitemap or sitemap index, a Google News sitemap, a plain list, or a homepage
that links its feeds); this module turns that document into :class:`Entry`
objects with the publication date the document gives, which assigns each
page to its partition (:mod:`newsflow.acquire.sitemap_dates` decides which
children of a sitemap index can hold a given date).

Documents are read the way feed readers and search engines read them, since
publishers serve what those accept: a ``.xml.gz`` sent without
``Content-Encoding`` is gunzipped here; malformed XML (a bare ``&``, HTML
entities XML does not define, a wrong encoding declaration) is read again
with lxml's recovering parser after a light repair; JSON Feed is sniffed.
Documents come from the open web, so both XML parsers are locked down: no
entity expansion, no DTD or network access, libxml2's default size limits
(XXE and "billion laughs" are inert), and gunzipping is capped. Elements are
matched on their local name, so namespace prefixes and the several RSS and
Atom namespace URIs in the wild do not matter.

Dates are the calendar date as the document writes it (the publisher's local
date), not converted to UTC.
"""

from __future__ import annotations

import codecs
import datetime as dt
import email.utils
import html.entities
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, SoupStrainer
from lxml import etree

from newsflow.acquire.decoding import UndecodableBody, decode_all
from newsflow.acquire.urls import WEB_SCHEMES

log = logging.getLogger(__name__)

#: ``type`` values of a homepage's ``<link rel="alternate">`` that name a feed.
FEED_LINK_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/feed+json", "application/json"}
)

_GZIP_MAGIC = b"\x1f\x8b"
_UTF8_BOM = codecs.BOM_UTF8
# UTF-32 first: its little-endian BOM starts with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
# Declarations that are wrong in the wild: the bytes are cp1252 or UTF-8 whatever they say.
_LATIN_CODECS = frozenset({"ascii", "iso8859-1", "iso8859-15", "cp1252"})
_REFERENCE = re.compile(r"&(?:(#[0-9]+|#[xX][0-9a-fA-F]+|[^\W\d][\w.-]*);)?")
# How far in a misplaced XML declaration says "the document starts here".
_JUNK_PREFIX_CHARS = 4096
_CDATA_START, _CDATA_END = "<![CDATA[", "]]>"
# cp1252 for each byte, Latin-1 for the five bytes cp1252 leaves undefined.
_CP1252 = tuple(bytes([byte]).decode("cp1252", "ignore") or chr(byte) for byte in range(256))


class FeedError(ValueError):
    """The document is not a feed or sitemap we can read (or is hostile or too big)."""


@dataclass(frozen=True)
class Entry:
    """One page a source announces: its URL and, when given, date and title."""

    url: str
    published: dt.date | None = None
    title: str | None = None


@dataclass(frozen=True)
class ChildSitemap:
    """A sitemap an index points at."""

    url: str
    lastmod: dt.date | None = None


@dataclass(frozen=True)
class Document:
    """What one feed or sitemap says."""

    #: ``rss`` (0.9x, 1.0/RDF, 2.0), ``atom``, ``json_feed``, ``urlset`` or ``sitemapindex``.
    kind: str
    #: Pages, in document order, unique by URL.
    entries: list[Entry]
    #: A sitemap index's children, in document order, unique by URL; not capped here.
    children: list[ChildSitemap]
    #: Malformed XML, read with the recovering parser: something may be missing.
    recovered: bool = False


def parse_document(body: bytes, *, base_url: str | None = None, max_bytes: int) -> Document:
    """What a feed or sitemap says, sniffed from its bytes.

    A gzip body (``sitemap.xml.gz`` served without ``Content-Encoding``) is
    decompressed, refusing to grow past ``max_bytes``; a body that starts
    with ``{`` is a JSON Feed; anything else is XML, parsed strictly and, on
    a syntax error, again with the recovering parser (``recovered``).
    Relative links resolve against ``base_url`` (the document's own URL);
    links that are not http(s) are dropped. Raises :class:`FeedError` for
    anything that is not a feed or sitemap, and for a document over
    ``max_bytes`` or over libxml2's limits.
    """
    body = _unwrap(body, max_bytes)
    if body.removeprefix(_UTF8_BOM).lstrip().startswith(b"{"):
        return _json_feed(body.removeprefix(_UTF8_BOM), base_url)
    root, recovered = _parse_xml(body)
    kind = _local(root)
    if kind in ("rss", "RDF"):
        entries = (_rss_item(item, base_url) for item in _descendants(root, "item"))
        return Document("rss", _unique(entries), [], recovered)
    if kind == "feed":
        entries = (_atom_entry(entry, base_url) for entry in _descendants(root, "entry"))
        return Document("atom", _unique(entries), [], recovered)
    if kind == "urlset":
        entries = (_sitemap_url(url, base_url) for url in _descendants(root, "url"))
        return Document("urlset", _unique(entries), [], recovered)
    if kind == "sitemapindex":
        return Document("sitemapindex", [], _sitemap_children(root, base_url), recovered)
    raise FeedError(f"not a feed or sitemap: root element <{kind}>")


def feeds_in_homepage(html: bytes, *, base_url: str) -> list[str]:
    """The feeds a homepage announces, in document order, unique.

    These are the ``<link rel="alternate">`` elements whose ``type`` is in
    :data:`FEED_LINK_TYPES` (``rel`` is a list of case-insensitive tokens, so
    ``rel="alternate feed"`` counts; alternates of other types, such as the
    page in other languages, do not). ``href`` resolves against the page's
    ``<base href>`` when it has one, else ``base_url`` (the page's own URL,
    after redirects); only http(s) URLs are kept. ``application/json`` is
    JSON Feed's old type but also WordPress's REST API link, which
    :func:`parse_document` refuses as no JSON Feed.
    """
    soup = BeautifulSoup(html, "lxml", parse_only=SoupStrainer(["base", "link"]))
    base_tag = soup.find("base", href=True)
    base = urljoin(base_url, str(base_tag["href"]).strip()) if base_tag else base_url
    urls = (
        _resolve(str(link["href"]), base)
        for link in soup.find_all("link", href=True)
        if "alternate" in _tokens(link.get("rel"))
        and _media_type(link.get("type")) in FEED_LINK_TYPES
    )
    return list(dict.fromkeys(url for url in urls if url))


def parse_url_list(text: str, *, base_url: str | None = None) -> list[Entry]:
    """One URL per line; blank lines and ``#`` comments skipped, non-http(s) dropped."""
    lines = (line.strip() for line in text.splitlines())
    urls = (_resolve(line, base_url) for line in lines if line and not line.startswith("#"))
    return _unique(Entry(url) for url in urls if url)


def parse_date(value: str | None) -> dt.date | None:
    """A feed or sitemap date (RFC 822, ISO 8601 / W3C datetime) as a date, or None."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError):
        log.debug("unparsable feed date %r", value)
        return None


# -- Bytes to a tree ------------------------------------------------------------------------


def _unwrap(body: bytes, max_bytes: int) -> bytes:
    """The document's own bytes: size-checked, gunzipped if gzip, leading whitespace off."""
    if not isinstance(body, bytes):
        raise FeedError(f"expected the document's bytes, got {type(body).__name__}")
    if len(body) > max_bytes:
        raise FeedError(f"document over {max_bytes} bytes")
    if body.startswith(_GZIP_MAGIC):
        try:
            body = decode_all([body], content_encoding="gzip", limit=max_bytes)
        except UndecodableBody as e:
            raise FeedError(f"bad gzip document: {e.detail}") from e
    return body.lstrip(b" \t\r\n")


def _parser(*, recover: bool, encoding: str | None) -> etree.XMLParser:
    return etree.XMLParser(
        encoding=encoding,
        recover=recover,
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def _parse_xml(body: bytes) -> tuple[etree._Element, bool]:
    """The root element, and whether the recovering parser had to read it.

    A document over libxml2's limits (entity amplification, nesting, a
    gigantic text node) is refused, not recovered: it is hostile or broken
    beyond what a reader would show.
    """
    try:
        root = etree.fromstring(body, _parser(recover=False, encoding=_utf8_despite_label(body)))
    except etree.XMLSyntaxError as e:
        if e.code == etree.ErrorTypes.ERR_RESOURCE_LIMIT:
            raise FeedError(f"XML refused: {e}") from e
        return _recover(body, e), True
    if root is None:
        raise FeedError("empty XML document")
    return root, False


def _recover(body: bytes, error: etree.XMLSyntaxError) -> etree._Element:
    """Malformed XML read as readers do: decoded leniently, references repaired, recovered.

    libxml2's recovery alone drops what follows a bare ``&`` up to the next
    tag (``Q&A`` reads ``Q``) and turns bytes invalid in the declared
    encoding into U+FFFD, and a PHP warning printed before the XML
    declaration becomes the root. So first the bytes are decoded leniently
    (cp1252 hiding in a UTF-8 document reads as cp1252), what precedes a
    misplaced declaration goes, bare ampersands are escaped and HTML's named
    entities spelled as character references.
    """
    text = _repair_references(_without_junk_prefix(_decode_leniently(body)))
    try:
        root = etree.fromstring(text.encode("utf-8"), _parser(recover=True, encoding="utf-8"))
    except etree.XMLSyntaxError as e:
        raise FeedError(f"malformed XML: {error}") from e
    if root is None:
        raise FeedError(f"malformed XML: {error}")
    log.info("malformed XML (%s), read with the recovering parser", error)
    return root


def _without_junk_prefix(text: str) -> str:
    """``text`` from its XML declaration on, if something (a PHP warning) precedes it."""
    text = text.removeprefix("\ufeff")
    if text.startswith("<?xml"):
        return text
    declaration = text.find("<?xml", 0, _JUNK_PREFIX_CHARS)
    return text[declaration:] if declaration > 0 else text


def _declared_codec(body: bytes) -> str | None:
    match = _DECLARED_ENCODING.match(body.removeprefix(_UTF8_BOM)[:256])
    try:
        return codecs.lookup(match[1].decode("ascii")).name if match else None
    except LookupError:
        return None


def _utf8_despite_label(body: bytes) -> str | None:
    """``utf-8`` when the bytes are UTF-8 but declared otherwise, else None (trust the document).

    Non-ASCII bytes that are valid UTF-8 are UTF-8: text in a legacy
    encoding almost never is, so a site that declares ``iso-8859-1`` and
    sends UTF-8 is read right, the way browsers and readers read it.
    """
    declared = _declared_codec(body)
    if declared in (None, "utf-8") or declared.startswith(("utf-16", "utf-32")):
        return None
    if body.isascii() or body.startswith(tuple(bom for bom, _ in _BOMS)):
        return None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "utf-8"


def _decode_leniently(body: bytes) -> str:
    """The text of a document whose bytes may not match its declaration.

    A BOM wins; then a UTF-16/32 declaration; then UTF-8 if the bytes are
    valid UTF-8; then another declared non-Latin encoding; else UTF-8 with
    each stray byte read as cp1252 (what "iso-8859-1" and undeclared
    documents really are, and what ends up pasted into UTF-8 ones).
    """
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body.decode(codec, "replace")
    declared = _declared_codec(body)
    if declared and declared.startswith(("utf-16", "utf-32")):
        return body.decode(declared, "replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if declared and declared != "utf-8" and declared not in _LATIN_CODECS:
        return body.decode(declared, "replace")
    return body.decode("utf-8", "newsflow-cp1252")


def _cp1252_bytes(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    stray = error.object[error.start : error.end]
    return "".join(_CP1252[byte] for byte in stray), error.end


codecs.register_error("newsflow-cp1252", _cp1252_bytes)


def _repair_references(text: str) -> str:
    """``text`` with bare ``&`` escaped and named references as character references.

    CDATA sections are left alone: ``&`` is literal there. A scan, not one
    regular expression, so an unclosed section costs linear time.
    """
    out: list[str] = []
    position = 0
    while (start := text.find(_CDATA_START, position)) != -1:
        out.append(_REFERENCE.sub(_repair_reference, text[position:start]))
        end = text.find(_CDATA_END, start)
        position = len(text) if end == -1 else end + len(_CDATA_END)
        out.append(text[start:position])
    out.append(_REFERENCE.sub(_repair_reference, text[position:]))
    return "".join(out)


def _repair_reference(match: re.Match[str]) -> str:
    """A reference as a character reference, the one kind libxml2's recovery never drops.

    After an undefined entity, recovery silently drops even ``&amp;`` and
    ``&lt;``, so XML's own five become character references too. Names HTML
    does not know stay references: inert, they give no text.
    """
    name = match[1]
    if name is None:
        return "&#38;"
    if name.startswith("#"):
        return match[0]
    chars = html.entities.html5.get(f"{name};")
    return "".join(f"&#{ord(char)};" for char in chars) if chars else match[0]


# -- Trees to entries -----------------------------------------------------------------------


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element: etree._Element, name: str) -> Iterator[etree._Element]:
    return element.iterchildren(f"{{*}}{name}")


def _descendants(element: etree._Element, name: str) -> Iterator[etree._Element]:
    return element.iter(f"{{*}}{name}")


def _text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    text = "".join(_strings(element))
    return " ".join(text.split()) or None


def _strings(element: etree._Element) -> Iterator[str]:
    """The element's text in order; an entity reference left unresolved counts if HTML knows it."""
    yield element.text or ""
    for child in element:
        if isinstance(child, etree._Entity):
            yield html.entities.html5.get(f"{child.name};", "")
        elif isinstance(child.tag, str):
            yield from _strings(child)
        yield child.tail or ""


def _child_text(element: etree._Element, *names: str) -> str | None:
    for name in names:
        for child in _children(element, name):
            if text := _text(child):
                return text
    return None


def _resolve(url: str | None, base_url: str | None) -> str | None:
    if not url:
        return None
    try:
        resolved = urljoin(base_url, url.strip()) if base_url else url.strip()
        scheme = urlsplit(resolved).scheme.lower()
    except ValueError:  # e.g. a malformed IPv6 host
        return None
    return resolved if scheme in WEB_SCHEMES else None


def _rss_item(item: etree._Element, base_url: str | None) -> Entry | None:
    url = _resolve(_child_text(item, "link"), base_url) or _permalink_guid(item, base_url)
    if url is None:
        # An unclosed tag before it leaves the link nested deeper in a recovered tree.
        nested = (_text(link) for link in _descendants(item, "link"))
        url = next((u for text in nested if (u := _resolve(text, base_url))), None)
    if url is None:
        return None
    date = _child_text(item, "pubDate", "date", "published", "updated")
    return Entry(url, parse_date(date), _child_text(item, "title"))


def _permalink_guid(item: etree._Element, base_url: str | None) -> str | None:
    for guid in _children(item, "guid"):
        if (guid.get("isPermaLink") or "true").strip().lower() != "false":
            return _resolve(_text(guid), base_url)
    return None


def _atom_entry(entry: etree._Element, base_url: str | None) -> Entry | None:
    base = urljoin(base_url or "", entry.base) if entry.base else base_url
    links = [
        link
        for link in _children(entry, "link")
        if (link.get("rel") or "alternate").strip() == "alternate" and link.get("href")
    ]
    links.sort(key=lambda link: (link.get("type") or "text/html") not in ("text/html", ""))
    url = next((u for link in links if (u := _resolve(link.get("href"), base))), None)
    if url is None:
        return None
    date = _child_text(entry, "published", "updated", "issued", "modified")
    return Entry(url, parse_date(date), _child_text(entry, "title"))


def _sitemap_url(url: etree._Element, base_url: str | None) -> Entry | None:
    loc = _resolve(_child_text(url, "loc"), base_url)
    if loc is None:
        return None
    news = next(_children(url, "news"), None)
    news_date = _child_text(news, "publication_date") if news is not None else None
    title = _child_text(news, "title") if news is not None else None
    return Entry(loc, parse_date(news_date) or parse_date(_child_text(url, "lastmod")), title)


def _sitemap_children(root: etree._Element, base_url: str | None) -> list[ChildSitemap]:
    children: dict[str, ChildSitemap] = {}
    for sitemap in _descendants(root, "sitemap"):
        url = _resolve(_child_text(sitemap, "loc"), base_url)
        if url and url not in children:
            children[url] = ChildSitemap(url, parse_date(_child_text(sitemap, "lastmod")))
    return list(children.values())


def _json_feed(body: bytes, base_url: str | None) -> Document:
    """A JSON Feed (https://jsonfeed.org/version/1 or 1.1) as readers take it."""
    try:
        feed = json.loads(body)
    except (ValueError, RecursionError) as e:  # JSONDecodeError and UnicodeDecodeError too
        raise FeedError(f"malformed JSON: {e}") from e
    version = feed.get("version") if isinstance(feed, dict) else None
    if not isinstance(version, str) or "jsonfeed.org/version/" not in version:
        raise FeedError("not a JSON Feed: no jsonfeed.org version")
    items = feed.get("items")
    entries = (
        _json_item(item, base_url)
        for item in (items if isinstance(items, list) else [])
        if isinstance(item, dict)
    )
    return Document("json_feed", _unique(entries), [])


def _json_item(item: dict[str, object], base_url: str | None) -> Entry | None:
    url = _resolve(_json_string(item, "url"), base_url) or _resolve(
        _json_string(item, "external_url"), base_url
    )
    if url is None:
        return None
    date = _json_string(item, "date_published") or _json_string(item, "date_modified")
    title = " ".join((_json_string(item, "title") or "").split()) or None
    return Entry(url, parse_date(date), title)


def _json_string(item: dict[str, object], key: str) -> str | None:
    value = item.get(key)
    return value if isinstance(value, str) else None


def _tokens(value: object) -> set[str]:
    """An HTML token list attribute (``rel``), which bs4 gives as a list or a string."""
    tokens = value.split() if isinstance(value, str) else value or []
    return {str(token).lower() for token in tokens}


def _media_type(value: object) -> str:
    return str(value or "").partition(";")[0].strip().lower()


def _unique(entries: Iterable[Entry | None]) -> list[Entry]:
    seen: dict[str, Entry] = {}
    for entry in entries:
        if entry is not None and entry.url not in seen:
            seen[entry.url] = entry
    return list(seen.values())
