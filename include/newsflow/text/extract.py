"""Extraction: from a raw page's bytes to a clean article with metadata.

HTML goes through trafilatura (comments excluded, precision favoured) and a
post-pass for the boilerplate it keeps; plain text goes through our own
text-mode cleaner, since trafilatura needs markup. Anything that is not an
article raises :class:`PageRejected` with a stage and a reason, so the caller
can account for every page.
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import logging
import re
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import charset_normalizer
import trafilatura
from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura import metadata as trafilatura_metadata
from trafilatura.settings import Document, set_date_params
from trafilatura.utils import load_html

from newsflow.records import Stage
from newsflow.text.bylines import author_names, byline
from newsflow.text.characters import visible_nfc
from newsflow.text.lexicon import (
    BIOGRAPHY_PARAGRAPH,
    BYLINE_PARAGRAPH,
    CAPTION_CREDIT,
    PROMPT_PARAGRAPH,
    SENTENCE_END,
    SHARE_PARAGRAPH,
    TEASER_PARAGRAPH,
)
from newsflow.text.metadata import PageMarkup, identify_language, names_the_site
from newsflow.text.pagekind import judge, page_features
from newsflow.text.plaintext import CleanedText, clean_text_page
from newsflow.text.words import count_tokens, count_words

log = logging.getLogger(__name__)

EXTRACTOR_VERSION = f"newsflow-extract/1+trafilatura-{trafilatura.__version__}"

#: Fewer words than this is a stub, an index or an error page, not an article.
MIN_ARTICLE_WORDS = 60
#: Below this many words of precision-mode text, trafilatura's default mode
#: is asked too: precision mode may have cut the story (``_recovers_prose``).
_SECOND_OPINION_WORDS = 200
#: Longer clean texts are not news articles; they would also stall NER.
MAX_ARTICLE_CHARS = 500_000
#: More ``<`` than this in a page's bytes and it is not parsed: rejected as
#: ``extract/too_complex``. Parsing costs in proportion to the elements (lxml
#: builds every one, trafilatura walks them several times): a table of 50,000
#: cells (110,000 ``<``) takes 17 s and 240 MB, one of 1M cells ran into the page
#: time budget after 21 s and 1.2 GB. Of 1,493 real pages measured (two
#: extraction benchmarks, 2025), the busiest had 21,646 ``<`` and the busiest
#: article 9,770: the limit is 4.6 times the first and 10 times the second, and
#: counting costs milliseconds for the largest page allowed.
MAX_MARKUP = 100_000

Mode = Literal["auto", "html", "text"]

_HTML_SNIFF = re.compile(r"<\s*(!doctype\s+html|html|head|body|article|div|p)[\s>]", re.I)
#: Bytes no text holds: C0 controls but tab, line feed, vertical tab, form feed, carriage return.
_CONTROL_BYTES = bytes([*range(9), *range(14, 32)])
#: Bytes charset detection looks at: enough to decide, bounded for huge pages.
_DETECT_BYTES = 64 * 1024
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# What a page with too little text says about itself: sites serve "not found"
# pages and login walls with status 200, and they call for other fixes (a
# broken link list, a subscription) than a section index does.
_NOT_FOUND_PAGE = re.compile(
    r"""\b(?:404|(?:page|article|story)\ (?:was\ )?not\ found|not\ found
        |no\ longer\ (?:available|exists)|(?:does\ not|doesn't|did\ not)\ exist)\b""",
    re.I | re.X,
)
_LOGIN_WALL = re.compile(
    r"""\b(?:sign\ in|log\ ?in|subscribe\ to\ (?:continue|keep)\ reading
        |subscribers?\ only|for\ subscribers|(?:reached|used)\ your\ (?:limit|free)
        |create\ (?:a\ free\ |an\ )?account\ to)""",
    re.I | re.X,
)


def _short_page_reason(text: str, title: str | None) -> str:
    """``not_found_page``, ``login_wall`` or ``not_an_article`` for a page with too few words."""
    said = f"{title or ''}\n{text}"
    if _NOT_FOUND_PAGE.search(said):
        return "not_found_page"
    if _LOGIN_WALL.search(said):
        return "login_wall"
    return "not_an_article"


class PageRejected(Exception):
    """A page that does not become an article. ``stage``/``reason`` land in ``rejects``."""

    def __init__(self, stage: Stage, reason: str, detail: str = "") -> None:
        super().__init__(f"{stage}/{reason}: {detail}" if detail else f"{stage}/{reason}")
        self.stage = stage
        self.reason = reason
        self.detail = detail


class _OverBudget(BaseException):
    """Raised by the alarm. A BaseException, so no ``except Exception`` inside
    trafilatura or lxml can swallow it and carry on."""


@contextlib.contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Raise ``PageRejected(Stage.EXTRACT, "timeout")`` if the block runs over ``seconds``.

    A ``SIGALRM`` timer: the only way to stop pure-Python work (trafilatura,
    the text cleaner, ``re``) from outside without a process per page. It
    works in the main thread (where Airflow tasks, the CLI and process-pool
    workers run the extraction); elsewhere the block runs unguarded. A timer
    set by someone else (Airflow's ``execution_timeout``) is respected: if it
    fires first it is left alone, otherwise it is restored afterwards.
    """
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return
    outer, _ = signal.getitimer(signal.ITIMER_REAL)
    if outer and outer <= seconds:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise _OverBudget

    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _OverBudget:
        raise PageRejected(
            Stage.EXTRACT, "timeout", f"extraction took longer than {seconds:g} s"
        ) from None
    finally:
        signal.signal(signal.SIGALRM, previous)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - started), 1e-3))


@dataclass(frozen=True)
class Extracted:
    """The clean article of one page and the metadata found on it."""

    text: str
    #: Words of ``text`` (:func:`~newsflow.text.words.count_words`), counted once.
    word_count: int
    title: str | None
    #: The authors as a byline reads them ("A, B, and C"); ``authors`` lists them.
    author: str | None
    authors: tuple[str, ...]
    published: dt.date | None
    date_source: str | None
    #: The date the page says it was last changed; its ``og:site_name`` (or JSON-LD publisher).
    modified: dt.date | None
    site_name: str | None
    language: str | None
    canonical_url: str | None
    input_format: Literal["html", "text"]


def decode(body: bytes, *, declared: str | None = None) -> str:
    """Bytes to text, deciding the encoding the way browsers do.

    A byte-order mark wins; then the charset the server declared
    (``Content-Type``), then UTF-8, then the page's ``<meta charset>``, each
    only if the bytes decode cleanly with it; then UTF-8 with replacement
    characters if the bytes are mostly UTF-8 (mixed encodings); then
    statistical detection (charset-normalizer); cp1252, the web's de facto
    default, last.
    """
    if not body.strip():
        raise PageRejected(Stage.DECODE, "empty", f"{len(body)} bytes, no content")
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body.decode(encoding, errors="replace")
    if _looks_binary(body):
        raise PageRejected(Stage.DECODE, "binary", "control bytes; not a text or HTML page")
    meta = _META_CHARSET.search(body[:4096])
    for encoding in (declared, "utf-8", meta.group(1).decode("ascii") if meta else None):
        if encoding:
            try:
                return body.decode(encoding)
            except (LookupError, UnicodeDecodeError):
                continue
    mostly_utf8 = _mostly_utf8(body)
    if mostly_utf8 is not None:
        return mostly_utf8
    guess = charset_normalizer.from_bytes(body[:_DETECT_BYTES]).best()
    return body.decode(guess.encoding if guess else "cp1252", errors="replace")


def _mostly_utf8(body: bytes) -> str | None:
    """The body as UTF-8 with U+FFFD for stray bytes, if UTF-8 is what it mostly is.

    A UTF-8 page with a pasted snippet in cp1252 (an ad, a comment, a quote)
    fails strict decoding; statistical detection then picks a single-byte
    charset and garbles every accented letter of the story. Valid multi-byte
    sequences almost never arise by chance in single-byte text, so when they
    outnumber the invalid bytes the page is UTF-8 and only the snippet suffers.
    """
    text = body.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd")
    valid = sum(1 for char in text if char > "\x7f") - invalid
    return text if valid > invalid else None


def _looks_binary(body: bytes) -> bool:
    """Whether the first 4 KB are more than 5% control bytes (NUL included).

    A stray NUL or two in a text page is debris that :func:`visible_nfc`
    drops; UTF-16 without a byte-order mark (half its bytes NUL) stays out.
    """
    head = body[:4096]
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return control > len(head) * 0.05


def sniff_format(text: str) -> Literal["html", "text"]:
    """Whether a page is HTML (any of the usual tags near the top) or plain text."""
    return "html" if _HTML_SNIFF.search(text[:8192]) else "text"


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _is_boilerplate(paragraph: str) -> bool:
    """A paragraph trafilatura kept that is a prompt, teaser, credit, byline or biography."""
    short = count_tokens(paragraph) <= 60
    return bool(
        (
            short
            and (
                PROMPT_PARAGRAPH.match(paragraph)
                or TEASER_PARAGRAPH.match(paragraph)
                or CAPTION_CREDIT.search(paragraph)
            )
        )
        or SHARE_PARAGRAPH.match(paragraph)
        or BYLINE_PARAGRAPH.match(paragraph)
        or BIOGRAPHY_PARAGRAPH.match(paragraph)
    )


def _trafilatura(tree: HtmlElement, *, favor_precision: bool) -> Document | None:
    """trafilatura's main text of the page's tree, which it copies and leaves as it was."""
    return trafilatura.bare_extraction(
        tree,
        include_comments=False,
        favor_precision=favor_precision,
        deduplicate=False,  # the process-wide cache would make output order-dependent
    )


def _trafilatura_metadata(tree: HtmlElement) -> Document:
    """trafilatura's title, URL and site name of the page, and the author its meta
    tags and JSON-LD name.

    ``extract_metadata``'s steps for those. Its others are left out or left
    for later: categories, tags and the license, which nothing here uses and
    which took 0.9 of its 1.4 s on the bench corpus; its byline heuristics
    (:func:`_trafilatura_byline`) and htmldate (:func:`_htmldate`), which
    took 2.0 and 3.0 s of 22 on 500 wcxb-dev pages and run only for an
    article whose other sources named no author or date.
    """
    metadata = trafilatura_metadata.examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None  # a one-word meta author is a handle or the site
    try:
        metadata = trafilatura_metadata.extract_meta_json(tree, metadata)
    except Exception as e:  # trafilatura guards its JSON-LD reader alike
        log.debug("trafilatura's JSON-LD metadata failed: %s", e)
    metadata.title = metadata.title or trafilatura_metadata.extract_title(tree)
    metadata.url = metadata.url or trafilatura_metadata.extract_url(tree)
    sitename = (metadata.sitename or trafilatura_metadata.extract_sitename(tree) or "").lstrip("@")
    if sitename and "." not in sitename and not sitename[0].isupper():
        sitename = sitename.title()
    host = trafilatura_metadata.META_URL.match(metadata.url or "")
    metadata.sitename = sitename or (host[1] if host else None)
    return metadata


def _trafilatura_byline(tree: HtmlElement) -> str | None:
    """The author trafilatura's heuristics find in the page's markup (bylines, author links)."""
    return trafilatura_metadata.extract_author(tree)


def _htmldate(tree: HtmlElement, url: str | None) -> str | None:
    """htmldate's guess at the page's original publication date, as trafilatura asks it."""
    return find_date(tree, url=url, **set_date_params(extensive=True))


def _recovers_prose(precise: Document, default: Document | None) -> bool:
    """Whether the default mode found the part of an article precision mode cut.

    On some layouts precision mode keeps the lead and drops the rest of the
    story: the default mode then has at least twice the text, and what it
    adds (boilerplate paragraphs aside) is nearly all sentences.
    """
    if default is None or _word_count(default) < 2 * _word_count(precise):
        return False
    kept = set(_paragraphs(precise.text))
    added = [p for p in _paragraphs(default.text) if p not in kept and not _is_boilerplate(p)]
    return _prose_share("\n".join(added)) >= 0.9


def _word_count(document: Document | None) -> int:
    return count_tokens(document.text) if document is not None and document.text else 0


def _prose_share(text: str) -> float:
    """Share of words in sentence-like paragraphs; headline and link lists score low."""
    paragraphs = _paragraphs(text)
    total = sum(count_tokens(p) for p in paragraphs) or 1
    prose = sum(
        count_tokens(p) for p in paragraphs if count_tokens(p) >= 8 and SENTENCE_END.search(p)
    )
    return prose / total


def extract_html(html: str) -> Extracted:
    """trafilatura's main text and metadata, minus the boilerplate it lets through.

    Precision mode scores best overall, but on some layouts it keeps only a
    stub, or only the story's lead; then the default mode's text is used, if
    that one is an article, or if it adds twice the text and nearly all of
    that is sentences. Whether the page is an article at all is :func:`extract_page`'s question.
    """
    return _html_extracted(_read_html(html))


def page_evidence(html: str) -> dict[str, float]:
    """The article-or-not features of an HTML page, as :func:`extract_page` judges them.

    For ``tools/learn_pagekind.py``; raises :class:`PageRejected` for a page
    with no main text, which never reaches the judgement.
    """
    return _read_html(html).features


@dataclass(frozen=True)
class _HtmlPage:
    """An HTML page read as far as the article-or-not judgement needs.

    The rest of its metadata is read for an article only: on the pages
    turned away, the costliest finders (htmldate, trafilatura's byline
    heuristics) would run for nothing.
    """

    tree: HtmlElement
    stated: Document
    markup: PageMarkup
    title: str | None
    text: str
    words: int
    features: dict[str, float]


def _read_html(html: str) -> _HtmlPage:
    """The page's main text, headline and article-or-not features.

    lxml parses the page once: trafilatura extracts from copies of that
    tree, and its metadata and htmldate read it as it is.
    """
    html = visible_nfc(html)
    tree = load_html(html)
    main = _main_text(tree) if tree is not None else None
    if main is None or not main.text:
        raise PageRejected(Stage.EXTRACT, "no_main_text", "trafilatura found no article body")
    stated = _trafilatura_metadata(tree)
    markup = PageMarkup(html, tree=tree)
    title = markup.headline(stated.title, site_name=stated.sitename, url=stated.url)
    text = _article_text(main.text, titles={stated.title, title})
    words = count_words(text)
    _, date_source = markup.published_date(url=stated.url, fallback=None)
    features = page_features(
        html,
        markup=markup,
        title=title,
        text=text,
        words=words,
        url=stated.url,
        date_source=date_source,
    )
    return _HtmlPage(tree, stated, markup, title, text, words, features)


def _html_extracted(page: _HtmlPage) -> Extracted:
    """The article of an HTML page, with all its metadata."""
    url = page.stated.url
    published, date_source = page.markup.published_date(
        url=url, fallback=lambda: _htmldate(page.tree, url)
    )
    authors = _authors(page)
    return Extracted(
        text=page.text,
        word_count=page.words,
        title=page.title,
        author=byline(authors),
        authors=tuple(authors),
        published=published,
        date_source=date_source,
        modified=page.markup.modified_date(),
        site_name=page.stated.sitename,
        language=identify_language(page.text),
        canonical_url=url,
        input_format="html",
    )


def _main_text(tree: HtmlElement) -> Document | None:
    """trafilatura's main text in precision mode, or in its default mode where that
    one has the article precision mode cut (see :func:`extract_html`)."""
    document = _trafilatura(tree, favor_precision=True)
    words = _word_count(document)
    if words < _SECOND_OPINION_WORDS:
        fallback = _trafilatura(tree, favor_precision=False)
        if words < MIN_ARTICLE_WORDS:
            if _word_count(fallback) >= MIN_ARTICLE_WORDS and _prose_share(fallback.text) >= 0.5:
                document = fallback
        elif _recovers_prose(document, fallback):
            document = fallback
    return document


def _article_text(main_text: str, *, titles: set[str | None]) -> str:
    """The main text without a leading copy of the title and without boilerplate paragraphs."""
    paragraphs = _paragraphs(main_text)
    if paragraphs and paragraphs[0] in titles:
        paragraphs = paragraphs[1:]
    return "\n\n".join(p for p in paragraphs if not _is_boilerplate(p))


def _authors(page: _HtmlPage) -> list[str]:
    """The authors of JSON-LD, else of the meta tags, else of a "Written by" meta
    label, else of trafilatura's byline, else of the byline by the headline,
    else of an author box elsewhere on the page.

    Many CMSs put the publisher where an author goes when no person is set:
    a name that is the site's own gives way to a later source that has a
    person, and is the author only when none has.
    """
    site, url = page.stated.sitename, page.stated.url
    site_named: list[str] = []
    for names in _author_sources(page):
        people = [name for name in names if not names_the_site(name, site_name=site, url=url)]
        if people:
            return people
        site_named = site_named or names
    return site_named


def _author_sources(page: _HtmlPage) -> Iterator[list[str]]:
    """Each source's authors in turn, read only when the ones before named no person."""
    for names in (*page.markup.declared_authors(), page.markup.labelled_authors()):
        yield author_names(names)
    yield author_names([page.stated.author or _trafilatura_byline(page.tree)])
    yield author_names([page.markup.header_byline()])
    yield author_names([page.markup.author_box()])


def _clean_text(raw: str) -> CleanedText:
    raw = visible_nfc(raw)
    longest = max((len(line) for line in raw.splitlines()), default=0)
    if longest > MAX_ARTICLE_CHARS:
        raise PageRejected(
            Stage.EXTRACT,
            "not_an_article",
            f"a line of {longest} chars (> {MAX_ARTICLE_CHARS}): not prose",
        )
    return clean_text_page(raw)


def extract_text(raw: str) -> Extracted:
    """The text-mode cleaner's article and metadata.

    A line longer than any article can be (a log, a data dump, a minified
    blob) means the page is not prose; the cleaner would spend seconds per
    megabyte finding that out.
    """
    cleaned = _clean_text(raw)
    authors = author_names([cleaned.author])
    return Extracted(
        text=cleaned.text,
        word_count=count_words(cleaned.text),
        title=cleaned.title,
        author=byline(authors),
        authors=tuple(authors),
        published=cleaned.published,
        date_source=cleaned.published_source,
        modified=None,
        site_name=None,
        language=identify_language(cleaned.text),
        canonical_url=None,
        input_format="text",
    )


def check_markup(body: bytes) -> None:
    """Raise ``PageRejected(Stage.EXTRACT, "too_complex")`` for a page with more markup
    than any article has (:data:`MAX_MARKUP`), before anything parses it.

    Counts ``<`` in the bytes, whatever the encoding (in UTF-16 it is still one
    byte of two), so the bound needs neither a decode nor a parse: a page of a
    million elements is turned away in milliseconds, with no tree in memory.
    """
    tags = body.count(b"<")
    if tags > MAX_MARKUP:
        raise PageRejected(
            Stage.EXTRACT,
            "too_complex",
            f"{tags} '<' in {len(body)} bytes (> {MAX_MARKUP}): more markup than any article",
        )


def page_date(
    body: bytes,
    *,
    charset: str | None = None,
    url: str | None = None,
    budget: float | None = None,
) -> tuple[dt.date | None, str | None]:
    """The publication date a page states and where (``json_ld``, ``dateline``, ...).

    Cheaper than a full extraction: what an archive import needs to put a page
    in its partition. ``(None, None)`` if the page states none or is unreadable.
    """
    try:
        with time_budget(budget):
            check_markup(body)
            text = decode(body, declared=charset)
            if sniff_format(text) == "html":
                return PageMarkup(text).published_date(url=url, fallback=None)
            cleaned = _clean_text(text)
    except PageRejected as e:
        if e.reason in ("timeout", "too_complex"):
            log.warning("no page date for %s: %s", url or "a page", e)
        return None, None
    return cleaned.published, cleaned.published_source


def _check_article(
    text: str, *, words: int, title: str | None, features: dict[str, float] | None
) -> None:
    """Raise :class:`PageRejected` unless the page has an article's ``words`` and, for
    HTML (``features``), the article-or-not model takes it for one."""
    if words < MIN_ARTICLE_WORDS:
        raise PageRejected(
            Stage.EXTRACT,
            _short_page_reason(text, title),
            f"{words} words of clean text (< {MIN_ARTICLE_WORDS})",
        )
    if features is not None and not (verdict := judge(features)).is_article:
        raise PageRejected(
            Stage.EXTRACT,
            "not_an_article",
            f"{verdict.kind} page: article probability {verdict.probability:.2f}"
            f" < {verdict.threshold:.2f}; most against: {verdict.evidence}",
        )


def extract_page(
    body: bytes,
    *,
    mode: Mode = "auto",
    charset: str | None = None,
    budget: float | None = None,
) -> Extracted:
    """Decode, extract and sanity-check one page; raise PageRejected if it is no article.

    No article: too few words (:data:`MIN_ARTICLE_WORDS`, with the reason the
    page gives: not found, a login wall), an HTML page the article-or-not
    model (:mod:`newsflow.text.pagekind`) does not take for one, or a text
    longer than any article.

    ``charset`` is the encoding the server declared, if the page came over HTTP.
    ``budget`` is the time the page may take in seconds (None or 0: no limit;
    the pipeline passes ``NEWSFLOW_PAGE_TIME_BUDGET``, whose default is the one
    truth); over it, the page is rejected as ``timeout``. Ordinary pages take
    well under 2 s; trafilatura and lxml on pathological markup can take minutes,
    and a page with more markup than any article (:func:`check_markup`) is
    rejected as ``too_complex`` before it is decoded or parsed.
    """
    with time_budget(budget):
        check_markup(body)
        text = decode(body, declared=charset)
        kind = sniff_format(text) if mode == "auto" else mode
        if kind == "html":
            page = _read_html(text)
            _check_article(page.text, words=page.words, title=page.title, features=page.features)
            extracted = _html_extracted(page)
        else:
            extracted = extract_text(text)
            _check_article(
                extracted.text, words=extracted.word_count, title=extracted.title, features=None
            )
    if len(extracted.text) > MAX_ARTICLE_CHARS:
        raise PageRejected(
            Stage.EXTRACT, "too_long", f"{len(extracted.text)} chars (> {MAX_ARTICLE_CHARS})"
        )
    return extracted
