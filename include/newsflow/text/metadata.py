"""Page metadata the article text does not carry: headline, publication date, language.

The headline is the page's visible ``<h1>`` when it has one that reads as a
headline (the ``<title>`` is often written for search engines and carries
the site's name), else the title without the site's name.

The publication date is taken from the most explicit place a page states it,
and the place is recorded (``date_source``) so analysts can tell a date the
publisher declared from one that was guessed:

1. ``json_ld``: ``datePublished`` of the page's schema.org JSON-LD;
2. ``html_meta``: ``article:published_time`` and the other common meta tags,
   or an ``itemprop="datePublished"`` element;
3. ``html_time``: the first ``<time datetime>`` element;
4. ``url``: a ``/2026/11/16/``-style date in the canonical URL;
5. ``html_header``: the date written nearest the headline (the first
   ``<h1>``), within :data:`HEADER_REACH` visible characters before or
   after it: "Last updated: Dec 12, 2025" above it, "Published: January 3,
   2024" below it; a date labelled an update's only when there is no
   other. Pages without a machine-readable date show their date there,
   and trafilatura's heuristics often pick another;
6. ``htmldate``: trafilatura's own heuristics, the last resort.

Language comes from a pinned statistical identifier (py3langid) run on the
clean text, not from ``<html lang>``, which templates often get wrong.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bs4 import BeautifulSoup, ParserRejectedMarkup
from bs4.element import NavigableString, PreformattedString, Tag
from lxml import etree
from lxml.html import HtmlElement, document_fromstring, tostring
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from newsflow.text.bylines import first_byline
from newsflow.text.dates import UPDATED_LABEL, iso_date, text_dates, url_date
from newsflow.text.lexicon import AUTHOR_BOX_WORDS
from newsflow.text.words import count_words

#: Below this probability (or this many words) the language is reported unknown.
MIN_LANGUAGE_PROBABILITY = 0.5
MIN_LANGUAGE_WORDS = 15
#: Characters of the text the identifier reads: a few paragraphs settle the
#: language of an article, and the identifier's cost grows with its input.
#: On 1,299 texts of wcxb-dev and AEB, 1,000 gave the language 2,000 gave
#: on all but 4 (two of them unknown with 2,000), in half the time.
LANGUAGE_SAMPLE_CHARS = 1000

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
_META_AUTHOR_KEYS = frozenset({"author", "article:author", "dc.creator", "parsely-author"})
#: What a ``twitter:labelN`` meta says when its ``twitter:dataN`` names the author
#: (WordPress SEO plugins write "Written by" on every post they describe).
_AUTHOR_LABELS = frozenset({"written by", "author", "by"})
_META_MODIFIED_KEYS = frozenset(
    {
        "article:modified_time",
        "og:updated_time",
        "modified_time",
        "last-modified",
        "dc.date.modified",
        "dcterms.modified",
        "datemodified",
    }
)
#: schema.org types a story declares itself as.
STORY_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "BlogPosting",
        "LiveBlogPosting",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "ScholarlyArticle",
        "Report",
    }
)
#: schema.org types of the object whose ``author`` is the page's author.
_AUTHORED_TYPES = STORY_TYPES | {"TechArticle", "WebPage"}
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
#: Visible characters each side of the headline a date and a byline are looked
#: for in (:class:`_Header`): a byline's lines, not the story's first paragraph.
#: On wcxb-dev's articles 150, 300 and 600 score dates within 0.002 of each other.
HEADER_REACH = 300
#: Markup read each side of the headline for that much visible text.
_HEADER_MARKUP_CHARS = 3000
#: Characters before a date its label is looked for in ("Last updated on ").
_LABEL_REACH = 24
#: Where an author box's label may be in the markup.
_AUTHOR_BOX_MARK = re.compile(rf"\b(?:{AUTHOR_BOX_WORDS})", re.I)
_MAX_AUTHOR_BOXES = 20
#: A tag whose content no reader sees.
_INVISIBLE_OPENING = re.compile(r"<(?:script|style|!--)", re.I)
_H1_OPEN = re.compile(r"<h1[\s>]", re.I)
_H1_CLOSE = re.compile(r"</h1\s*>", re.I)

#: The elements metadata is read from, by what the finders read them for: an
#: element can serve two (``<time itemprop="datePublished" datetime>``). The
#: XPath finds the same elements in the page's lxml tree.
_ELEMENT_KINDS: dict[str, Callable[[Tag], bool]] = {
    "json_ld": lambda tag: tag.name == "script" and tag.get("type") == "application/ld+json",
    "meta": lambda tag: tag.name == "meta" and tag.has_attr("content"),
    "dated": lambda tag: tag.get("itemprop") in ("datePublished", "dateModified"),
    "time": lambda tag: tag.name == "time" and tag.has_attr("datetime"),
    "h1": lambda tag: tag.name == "h1",
}
_METADATA_ELEMENTS = etree.XPath(
    "//script[@type='application/ld+json'] | //meta[@content]"
    " | //*[@itemprop='datePublished' or @itemprop='dateModified'] | //time[@datetime] | //h1"
)


def _parse(html: str) -> HtmlElement | None:
    """The page's lxml tree, or None for a page with nothing to parse.

    A leading XML declaration is dropped: the page is read as HTML whatever
    it declares (lxml refuses a declared encoding in a decoded string).
    """
    try:
        return document_fromstring(_XML_DECLARATION.sub("", html, count=1))
    except (etree.ParserError, ValueError):
        return None


def _metadata_soup(tree: HtmlElement | None) -> BeautifulSoup | None:
    """The page's metadata elements, with all they contain, for bs4 to read.

    lxml has built the page's tree already (in C, for trafilatura); building
    all of it again as bs4's Python objects cost more than the rest of the
    metadata search. So lxml picks out the elements the finders ask for, and
    bs4 parses only those, in page order (one inside another picked element
    comes with that one). None if the parser rejects them: a lone surrogate,
    which no decoded page holds, makes bs4's retry as UTF-8 bytes fail.
    Attributes stay plain strings as the page wrote them (``class``-like
    ones unsplit).
    """
    if tree is None:
        return None
    picked = _METADATA_ELEMENTS(tree)
    inside = set(picked)
    markup = "".join(
        tostring(element, encoding="unicode", with_tail=False)
        for element in picked
        if not any(ancestor in inside for ancestor in element.iterancestors())
    )
    try:
        return BeautifulSoup(markup, "lxml", multi_valued_attributes=None)
    except (ParserRejectedMarkup, UnicodeEncodeError):
        return None


def _text_content(element: Tag) -> str:
    """The element's text as the DOM's ``textContent`` has it.

    Script text counts, comments and processing instructions do not (bs4's
    ``get_text`` would drop script text too).
    """
    return "".join(
        node
        for node in element.descendants
        if isinstance(node, NavigableString) and not isinstance(node, PreformattedString)
    )


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


@dataclass(frozen=True)
class _DateField:
    """Where a page states one of its dates: a JSON-LD key, meta names, an itemprop."""

    json_ld: str
    meta_keys: frozenset[str]


_PUBLISHED = _DateField("datePublished", _META_DATE_KEYS)
_MODIFIED = _DateField("dateModified", _META_MODIFIED_KEYS)


def _json_ld_documents(scripts: list[Tag]) -> list[dict]:
    """Every object of the page's JSON-LD scripts, in page order; broken scripts skipped."""
    objects: list[dict] = []
    for script in scripts:
        try:
            document = json.loads(_text_content(script) or "null")
        except json.JSONDecodeError:
            continue
        objects += _json_ld_objects(document)
    return objects


def _from_json_ld(objects: list[dict], field: _DateField) -> dt.date | None:
    for obj in objects:
        date = iso_date(obj.get(field.json_ld))
        if date:
            return date
    return None


def _meta_key(meta: Tag) -> str:
    """What a ``<meta>`` names: its ``property``, ``name`` or ``itemprop``, lower-cased."""
    return (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()


def _from_meta(metas: list[Tag], dated: list[Tag], field: _DateField) -> dt.date | None:
    """The date of the first meta tag named for ``field``, else of its ``itemprop`` element."""
    for meta in metas:
        if _meta_key(meta) in field.meta_keys:
            date = iso_date(meta.get("content"))
            if date:
                return date
    for node in dated:
        if node.get("itemprop") != field.json_ld:
            continue
        date = iso_date(node.get("datetime") or node.get("content") or _text_content(node))
        if date:
            return date
    return None


def _from_time_element(times: list[Tag]) -> dt.date | None:
    for node in times:
        date = iso_date(node.get("datetime"))
        if date:
            return date
    return None


@dataclass(frozen=True)
class _Header:
    """The visible lines nearest the headline (the first ``<h1>``), each side of it,
    within :data:`HEADER_REACH` characters: where a page shows its byline and date.

    The tags are found in the markup as written and only the markup around
    them is parsed: the metadata parse keeps no text outside its elements.
    """

    before: list[str]
    after: list[str]

    @classmethod
    def of(cls, html: str) -> _Header:
        opening = _H1_OPEN.search(html)
        if opening is None:
            return cls([], [])
        closing = _H1_CLOSE.search(html, opening.end())
        end = closing.end() if closing else opening.end()
        start = max(opening.start() - _HEADER_MARKUP_CHARS, 0)
        start = html.find(">", start) + 1 if start else 0  # not inside a tag
        before = _visible_lines(html[start : opening.start()])
        after = _visible_lines(html[end : end + _HEADER_MARKUP_CHARS])
        return cls(_within_reach(before, nearest_last=True), _within_reach(after))

    def date(self) -> dt.date | None:
        """The date written nearest the headline; one labelled a change's ("Updated:
        Jan 2, 2026") only when the header has no other, as a text page's stamps."""
        before, after = " ".join(self.before), " ".join(self.after)
        nearest = [(updated, len(before) - span[1], date) for date, span, updated in _dates(before)]
        nearest += [(updated, span[0], date) for date, span, updated in _dates(after)]
        return min(nearest, default=(False, 0, None))[2]

    def byline(self) -> str | None:
        """The names of the first byline line ("By Jane Doe"; "Written by" over a line
        of its own with the name), as the line writes them."""
        return first_byline(self.before + self.after)


def _dates(text: str) -> list[tuple[dt.date, tuple[int, int], bool]]:
    """The dates of ``text`` in order, with their spans and whether an update label
    (:data:`UPDATED_LABEL`) stands in the :data:`_LABEL_REACH` characters before
    them (not reaching back past the date before)."""
    dated, previous_end = [], 0
    for date, (start, end) in sorted(text_dates(text), key=lambda date_span: date_span[1]):
        label = text[max(previous_end, start - _LABEL_REACH) : start]
        dated.append((date, (start, end), bool(UPDATED_LABEL.search(label))))
        previous_end = end
    return dated


def _within_reach(lines: list[str], *, nearest_last: bool = False) -> list[str]:
    """The lines nearest the headline that hold :data:`HEADER_REACH` characters, the
    farthest cut to fit; ``nearest_last`` for the lines before it."""
    ordered = lines[::-1] if nearest_last else lines
    kept, room = [], HEADER_REACH
    for line in ordered:
        if room <= 0:
            break
        kept.append(line[-room:] if nearest_last else line[:room])
        room -= len(line) + 1
    return kept[::-1] if nearest_last else kept


def _visible_lines(markup: str) -> list[str]:
    """A fragment's text as a reader sees it, a line per text node, one space between
    words (no scripts)."""
    try:
        text = BeautifulSoup(markup, "lxml").get_text("\n")
    except (ParserRejectedMarkup, UnicodeEncodeError):  # as in _metadata_soup
        return []
    return [line for line in (" ".join(raw.split()) for raw in text.split("\n")) if line]


def _author_entries(objects: list[dict]) -> list[object]:
    """The ``author`` of the page's article object (else of the first object that has one)."""
    with_author = [obj for obj in objects if obj.get("author")]
    article = [obj for obj in with_author if _types(obj) & _AUTHORED_TYPES]
    chosen = (article or with_author)[:1]
    entries = chosen[0]["author"] if chosen else []
    return entries if isinstance(entries, list) else [entries]


def _types(obj: dict) -> set[str]:
    """The object's ``@type``s: one name or a list of them."""
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k for k in kinds if isinstance(k, str)}


class PageMarkup:
    """A page's HTML, parsed once for every metadata finder (headline, dates, authors).

    ``tree`` is the page as lxml parsed it for trafilatura, when the caller
    has it; else the page is parsed here.
    """

    def __init__(self, html: str, *, tree: HtmlElement | None = None) -> None:
        self._html = html
        soup = _metadata_soup(tree if tree is not None else _parse(html))

        elements: dict[str, list[Tag]] = {kind: [] for kind in _ELEMENT_KINDS}
        for tag in soup.find_all(True) if soup is not None else []:  # one walk for all
            for kind, is_kind in _ELEMENT_KINDS.items():
                if is_kind(tag):
                    elements[kind].append(tag)
        self._json_ld = _json_ld_documents(elements["json_ld"])
        self._metas = elements["meta"]
        self._dated = elements["dated"]
        self._times = elements["time"]
        self._headings = elements["h1"]

    def published_date(
        self, *, url: str | None, fallback: Callable[[], str | None] | None
    ) -> tuple[dt.date | None, str | None]:
        """The publication date and where it came from (see the module docstring).

        ``fallback`` guesses a date (htmldate's heuristics); it is called only
        when the page states none of the others.
        """
        for source, date in (
            ("json_ld", lambda: _from_json_ld(self._json_ld, _PUBLISHED)),
            ("html_meta", lambda: _from_meta(self._metas, self._dated, _PUBLISHED)),
            ("html_time", lambda: _from_time_element(self._times)),
        ):
            if found := date():
                return found, source
        if date := url_date(url):
            return date, "url"
        if date := self._header.date():
            return date, "html_header"
        if fallback is not None and (date := iso_date(fallback())):
            return date, "htmldate"
        return None, None

    @functools.cached_property
    def _header(self) -> _Header:
        return _Header.of(self._html)

    def header_byline(self) -> str | None:
        """The byline written by the headline ("By Jane Doe"), as written, if any."""
        return self._header.byline()

    def author_box(self) -> str | None:
        """The names of an author box anywhere on the page ("Written by Jane Doe",
        "Author:" over the name), as written, if any.

        Its label is found in the markup as written, and only the markup from
        each of the first :data:`_MAX_AUTHOR_BOXES` on is parsed, as much as
        is read each side of the headline: a parse of the whole page took
        17 ms on wcxb-dev's pages.
        """
        for label in itertools.islice(_AUTHOR_BOX_MARK.finditer(self._html), _MAX_AUTHOR_BOXES):
            opening = max(self._html.rfind("<", 0, label.start()), 0)
            if _INVISIBLE_OPENING.match(self._html, opening):
                continue  # a theme's stylesheet header ("Author: ..."), a script, a comment
            start = self._html.find(">", opening, label.start()) + 1  # where its text begins
            markup = self._html[start : start + _HEADER_MARKUP_CHARS]
            if names := first_byline(_visible_lines(markup), author_box=True):
                return names
        return None

    def declared_types(self) -> set[str]:
        """The schema.org types of the page's JSON-LD objects ("NewsArticle", "Product")."""
        return set().union(*(_types(obj) for obj in self._json_ld))

    def meta_content(self, key: str) -> str | None:
        """The content of the page's first ``<meta>`` named (or with property) ``key``."""
        for meta in self._metas:
            if _meta_key(meta) == key:
                return meta.get("content")
        return None

    def heading_count(self) -> int:
        """How many ``<h1>`` the page has: one on an article, none or many on a listing."""
        return len(self._headings)

    def modified_date(self) -> dt.date | None:
        """The date the page says it was last changed (JSON-LD, then meta tags), if any."""
        return _from_json_ld(self._json_ld, _MODIFIED) or _from_meta(
            self._metas, self._dated, _MODIFIED
        )

    def declared_authors(self) -> tuple[list[str], list[str]]:
        """The authors the page declares, as stated: by JSON-LD, by meta tags.

        Yoast-style graphs name the author once, as a ``Person`` node, and
        point at it from the article by ``@id``; the link is followed.
        """
        metas = [
            meta.get("content") for meta in self._metas if _meta_key(meta) in _META_AUTHOR_KEYS
        ]
        return self._json_ld_authors(), [content for content in metas if content]

    def labelled_authors(self) -> list[str]:
        """The authors of ``twitter:label1`` "Written by" and ``twitter:data1`` (any N):
        the reading card Yoast and Rank Math put in a post's meta tags."""
        contents = {_meta_key(meta): meta.get("content") or "" for meta in self._metas}
        return [
            contents.get(key.replace("label", "data", 1), "")
            for key, label in contents.items()
            if key.startswith("twitter:label") and label.strip().casefold() in _AUTHOR_LABELS
        ]

    def _json_ld_authors(self) -> list[str]:
        by_id = {
            obj["@id"]: obj
            for obj in self._json_ld
            if isinstance(obj.get("@id"), str) and obj.get("name")
        }
        names: list[str] = []
        for entry in _author_entries(self._json_ld):
            if isinstance(entry, dict):
                entry = entry.get("name") or by_id.get(entry.get("@id"), {}).get("name")
            if isinstance(entry, str) and entry.strip():
                names.append(entry)
        return names

    def headline(self, title: str | None, *, site_name: str | None, url: str | None) -> str | None:
        """The page's visible headline: its ``<h1>``, or the title without the site's name.

        A heading of one or two words is a section's or a site's name, and so
        is one that reads as the site's name. A lone heading must share a word
        (of four letters or more) with the title, or it heads something else:
        an embedded post, a teaser. Of several, the one that shares most words
        with the title, if that is half of its words.
        """
        stated = without_site_name(title, site_name=site_name, url=url)
        names = _site_names(site_name, url)
        headings = [
            text
            for h1 in self._headings
            if len((text := _heading_text(h1)).split()) >= _MIN_HEADLINE_WORDS
            and not _names_site(text, names)
        ]
        if not headings:
            return stated
        if not stated:
            return headings[0] if len(headings) == 1 else stated
        words = set(_fold_words(stated))
        if len(headings) == 1:
            shared = words.intersection(_fold_words(headings[0]))
            keyed = any(len(word) >= 4 for word in shared) or all(len(w) < 4 for w in words)
            return headings[0] if keyed else stated
        share, best = max((_share_in(heading, words), heading) for heading in headings)
        return best if share >= 0.5 else stated


def _heading_text(element: Tag) -> str:
    """A heading's text as it reads: inline markup joins ("<b>C</b>ycle"), ``<br>`` breaks."""
    parts = [
        " " if isinstance(node, Tag) else str(node)
        for node in element.descendants
        if (isinstance(node, Tag) and node.name == "br")
        or (isinstance(node, NavigableString) and not isinstance(node, PreformattedString))
    ]
    return " ".join("".join(parts).split())


def _fold_words(text: str) -> list[str]:
    return _NOT_ALNUM.sub(" ", text.casefold()).split()


def _share_in(text: str, words: set[str]) -> float:
    """The share of ``text``'s words that are among ``words``."""
    own = _fold_words(text)
    return sum(word in words for word in own) / len(own) if own else 0.0


@functools.cache
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def identify_language(text: str) -> str | None:
    """ISO 639-1 code of the text, or None when it is too short or too uncertain."""
    sample = text[:LANGUAGE_SAMPLE_CHARS]
    if count_words(sample) < MIN_LANGUAGE_WORDS:
        return None
    language, probability = _identifier().classify(sample)
    return language if probability >= MIN_LANGUAGE_PROBABILITY else None


#: What sites put between a headline and their own name ("Story - The Post").
_TITLE_SEPARATOR = re.compile(r"(\s+(?:[|\-\u2013\u2014\u00b7\u2022\u00bb/~]|::)\s+|\s*:\s+)")
_NOT_ALNUM = re.compile(r"[\W_]+")
#: Host name parts that name no site.
_HOST_NOISE = frozenset({"www", "m", "amp", "news", "blog", "blogs", "com", "org", "net", "co"})
#: A site's name is a few words; a longer part is the headline's own.
_MAX_SITE_NAME_WORDS = 6
#: Fewer words in an ``<h1>`` and it names a section or a site, not a story.
_MIN_HEADLINE_WORDS = 3


def without_site_name(title: str | None, *, site_name: str | None, url: str | None) -> str | None:
    """The title without the site's name: "Why rents rose - The Example Post" -> "Why rents rose".

    Templates append (or prepend) the site's name to every page's ``<title>``,
    and trafilatura keeps it when the page has no ``og:title``. A part is the
    site's name when it is short and reads as the declared ``og:site_name`` or
    the host's name ("The Example Post" on ``example-post.com``); the title is
    left whole when no part does, or when that would leave nothing.
    """
    if not title:
        return title
    pieces = _TITLE_SEPARATOR.split(title.strip())
    if len(pieces) < 3:
        return title
    names = _site_names(site_name, url)
    if not names:
        return title
    while len(pieces) >= 3 and _names_site(pieces[-1], names):
        pieces = pieces[:-2]
    while len(pieces) >= 3 and _names_site(pieces[0], names):
        pieces = pieces[2:]
    return "".join(pieces).strip() or title


def names_the_site(text: str, *, site_name: str | None, url: str | None) -> bool:
    """Whether ``text`` (a title's part, an author) is the site's own name."""
    return _names_site(text, _site_names(site_name, url))


def _compact(text: str) -> str:
    return _NOT_ALNUM.sub("", text.casefold())


def _site_names(site_name: str | None, url: str | None) -> set[str]:
    """The site's names, compacted: the declared one and the host's distinctive part."""
    names = {_compact(site_name)} if site_name else set()
    host = (url or "").split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0].casefold()
    labels = [label for label in host.split(".")[:-1] if label not in _HOST_NOISE]
    if labels:
        names.add(_compact(labels[-1]))
    return {name for name in names if len(name) >= 3}


def _names_site(part: str, names: set[str]) -> bool:
    """Whether ``part`` of a title is the site's name (or the name with a little more:
    "The Example Post" for ``examplepost``, "ExamplePost.com")."""
    if len(part.split()) > _MAX_SITE_NAME_WORDS:
        return False
    compact = _compact(part.removeprefix("The ").removeprefix("the "))
    if not compact:
        return False
    return any(
        compact == name
        or (name in compact and len(compact) <= len(name) + 6)
        or (compact in name and len(compact) >= 0.6 * len(name))
        for name in names
    )
