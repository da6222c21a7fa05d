"""Page metadata the article text does not carry: publication date and language.

The publication date is taken from the most explicit place a page states it,
and the place is recorded (``date_source``) so analysts can tell a date the
publisher declared from one that was guessed:

1. ``json_ld``: ``datePublished`` of the page's schema.org JSON-LD;
2. ``html_meta``: ``article:published_time`` and the other common meta tags,
   or an ``itemprop="datePublished"`` element;
3. ``html_time``: the first ``<time datetime>`` element;
4. ``url``: a ``/2026/11/16/``-style date in the canonical URL;
5. ``htmldate``: trafilatura's own heuristics, the last resort.

Language comes from a pinned statistical identifier (py3langid) run on the
clean text, not from ``<html lang>``, which templates often get wrong.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterator

from lxml import html as lxml_html
from lxml.etree import ParserError
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from newsflow.text.dates import iso_date, url_date
from newsflow.text.words import count_words

#: Below this probability (or this many words) the language is reported unknown.
MIN_LANGUAGE_PROBABILITY = 0.5
MIN_LANGUAGE_WORDS = 15
#: Characters of the text the identifier reads: a few paragraphs settle the
#: language of an article, and the identifier's cost grows with its input.
LANGUAGE_SAMPLE_CHARS = 2000

_META_DATE_KEYS = frozenset(
    {
        "article:published_time",
        "og:published_time",
        "published_time",
        "pubdate",
        "publishdate",
        "publish-date",
        "date",
        "dc.date",
        "dc.date.issued",
        "dcterms.created",
        "dcterms.date",
        "sailthru.date",
        "parsely-pub-date",
        "datepublished",
        "article.published",
    }
)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def _json_ld_objects(node: object) -> Iterator[dict]:
    """Every JSON object in a JSON-LD document, ``@graph`` members included."""
    if isinstance(node, list):
        for item in node:
            yield from _json_ld_objects(item)
    elif isinstance(node, dict):
        yield node
        for value in node.values():
            if isinstance(value, (list, dict)):
                yield from _json_ld_objects(value)


def _from_json_ld(tree: lxml_html.HtmlElement) -> dt.date | None:
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            document = json.loads(script.text_content() or "null")
        except json.JSONDecodeError:
            continue
        for obj in _json_ld_objects(document):
            date = iso_date(obj.get("datePublished"))
            if date:
                return date
    return None


def _from_meta(tree: lxml_html.HtmlElement) -> dt.date | None:
    for meta in tree.xpath("//meta[@content]"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key in _META_DATE_KEYS:
            date = iso_date(meta.get("content"))
            if date:
                return date
    for node in tree.xpath('//*[@itemprop="datePublished"]'):
        date = iso_date(node.get("datetime") or node.get("content") or node.text_content())
        if date:
            return date
    return None


def _from_time_element(tree: lxml_html.HtmlElement) -> dt.date | None:
    for node in tree.xpath("//time[@datetime]"):
        date = iso_date(node.get("datetime"))
        if date:
            return date
    return None


def published_date(
    html: str, *, url: str | None, fallback: str | None
) -> tuple[dt.date | None, str | None]:
    """The publication date and where it came from (see the module docstring)."""
    try:
        tree = lxml_html.fromstring(_XML_DECLARATION.sub("", html, count=1))
    except (ParserError, ValueError):
        tree = None
    if tree is not None:
        for source, finder in (
            ("json_ld", _from_json_ld),
            ("html_meta", _from_meta),
            ("html_time", _from_time_element),
        ):
            date = finder(tree)
            if date:
                return date, source
    if date := url_date(url):
        return date, "url"
    if date := iso_date(fallback):
        return date, "htmldate"
    return None, None


@functools.cache
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def identify_language(text: str) -> str | None:
    """ISO 639-1 code of the text, or None when it is too short or too uncertain."""
    if count_words(text) < MIN_LANGUAGE_WORDS:
        return None
    language, probability = _identifier().classify(text[:LANGUAGE_SAMPLE_CHARS])
    return language if probability >= MIN_LANGUAGE_PROBABILITY else None
