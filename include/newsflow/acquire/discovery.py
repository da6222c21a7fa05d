"""Discovery: which article URLs a feed, a sitemap or a URL list points at.

A source tells us where its news is (an RSS or Atom feed, an XML sitemap or
sitemap index, a Google News sitemap, a plain list); this module turns that
document into :class:`Entry` objects with the publication date the document
gives, which assigns each page to its partition. Documents come from the
open web, so the XML parser is locked down: no entity expansion, no DTD or
network access, no huge trees (XXE and "billion laughs" are inert). Elements
are matched on their local name, so namespace prefixes and the several RSS
and Atom namespace URIs in the wild do not matter.

Dates are the calendar date as the document writes it (the publisher's local
date), not converted to UTC.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import etree

from newsflow.acquire.urls import WEB_SCHEMES

log = logging.getLogger(__name__)


class FeedError(ValueError):
    """The document is not well-formed XML, or not a feed or sitemap we know."""


@dataclass(frozen=True)
class Entry:
    """One page a source announces: its URL and, when given, date and title."""

    url: str
    published: dt.date | None = None
    title: str | None = None


def parse_feed(body: bytes, *, base_url: str | None = None) -> list[Entry]:
    """Entries of an RSS 2.0 / RSS 1.0 or Atom feed, in document order, deduplicated.

    Relative links resolve against ``base_url`` (the feed's own URL); links
    that are not http(s) are dropped.
    """
    return _feed_entries(_parse_xml(body), base_url)


def parse_sitemap(body: bytes, *, base_url: str | None = None) -> tuple[list[Entry], list[str]]:
    """A sitemap's page entries and, for a sitemap index, its child sitemap URLs.

    ``<urlset>`` gives entries (``loc``; date from ``news:publication_date``,
    else ``lastmod``; title from ``news:title``) and no children;
    ``<sitemapindex>`` gives no entries and the children's ``loc``. Fetching
    the children, and bounding how deep to go, is the caller's business.
    """
    return _sitemap_parts(_parse_xml(body), base_url)


def parse_document(body: bytes, *, base_url: str | None = None) -> tuple[list[Entry], list[str]]:
    """Sniff a feed or a sitemap by its root element; same result as :func:`parse_sitemap`."""
    root = _parse_xml(body)
    if _local(root) in ("urlset", "sitemapindex"):
        return _sitemap_parts(root, base_url)
    return _feed_entries(root, base_url), []


def _feed_entries(root: etree._Element, base_url: str | None) -> list[Entry]:
    kind = _local(root)
    if kind in ("rss", "RDF"):
        entries = (_rss_item(item, base_url) for item in _descendants(root, "item"))
    elif kind == "feed":
        entries = (_atom_entry(entry, base_url) for entry in _descendants(root, "entry"))
    else:
        raise FeedError(f"not an RSS or Atom feed: root element <{kind}>")
    return _unique(entries)


def _sitemap_parts(root: etree._Element, base_url: str | None) -> tuple[list[Entry], list[str]]:
    kind = _local(root)
    if kind == "urlset":
        entries = (_sitemap_url(url, base_url) for url in _children(root, "url"))
        return _unique(entries), []
    if kind == "sitemapindex":
        locs = (
            _resolve(_child_text(sitemap, "loc"), base_url)
            for sitemap in _children(root, "sitemap")
        )
        return [], list(dict.fromkeys(loc for loc in locs if loc))
    raise FeedError(f"not a sitemap: root element <{kind}>")


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


def _parse_xml(body: bytes) -> etree._Element:
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )
    if not isinstance(body, bytes):
        raise FeedError(f"expected the document's bytes, got {type(body).__name__}")
    try:
        root = etree.fromstring(body.lstrip(b" \t\r\n"), parser)
    except etree.XMLSyntaxError as e:
        raise FeedError(f"malformed XML: {e}") from e
    if root is None:
        raise FeedError("empty XML document")
    return root


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element: etree._Element, name: str) -> Iterator[etree._Element]:
    return (child for child in element if _local(child) == name)


def _descendants(element: etree._Element, name: str) -> Iterator[etree._Element]:
    return (node for node in element.iter() if _local(node) == name)


def _text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    # Only text and tail strings: unresolved entity references contribute nothing.
    text = "".join(element.itertext(tag=None, with_tail=False)).strip()
    return " ".join(text.split()) or None


def _child_text(element: etree._Element, *names: str) -> str | None:
    for name in names:
        for child in _children(element, name):
            if text := _text(child):
                return text
    return None


def _resolve(url: str | None, base_url: str | None) -> str | None:
    if not url:
        return None
    resolved = urljoin(base_url, url.strip()) if base_url else url.strip()
    return resolved if urlsplit(resolved).scheme.lower() in WEB_SCHEMES else None


def _rss_item(item: etree._Element, base_url: str | None) -> Entry | None:
    url = _resolve(_child_text(item, "link"), base_url)
    if url is None:
        url = _permalink_guid(item, base_url)
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


def _unique(entries: Iterable[Entry | None]) -> list[Entry]:
    seen: dict[str, Entry] = {}
    for entry in entries:
        if entry is not None and entry.url not in seen:
            seen[entry.url] = entry
    return list(seen.values())
