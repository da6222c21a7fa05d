"""Text-mode cleaner for pages that arrive as plain text.

Archives, scrapers and browser "save as text" keep only a page's visible text:
navigation, breadcrumbs, share buttons, captions, bylines, author blurbs,
teasers and comment forms arrive mixed into the article. trafilatura needs
HTML, so this package cleans such dumps on its own, with generic line features
(length, stop-word density, terminal punctuation, bullets, repetition and
known boilerplate phrases) rather than rules keyed to particular sites:

1. ``normalise``: what renderers did to the page is undone (hard wraps,
   side-by-side columns, markdown), one logical line per block;
2. ``lines``: every line is classified and scored (prose is positive, menus,
   bullets and boilerplate are negative; the phrases are in
   ``newsflow.text.lexicon``, date and byline lines in ``stamps``);
3. ``region``: the densest contiguous run of prose (a maximum-sum segment) is
   the article region, so headers, menus and teaser tails fall outside it;
4. ``body``: boilerplate lines inside the region (teasers, captions, bylines,
   date lines, prompts) are dropped, and ``meta`` recovers title, author and
   date from the lines they came from.

Only the standard library is used, so the text path works without models.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from newsflow.text.plaintext.body import article_text
from newsflow.text.plaintext.lines import classify, make_line, pick_language
from newsflow.text.plaintext.meta import find_author, find_published, find_title
from newsflow.text.plaintext.normalise import page_lines
from newsflow.text.plaintext.region import anchor_bonus, choose_region, trim_tail

__all__ = ["CleanedText", "clean_text_page"]

#: Below this total score the best region is not an article.
_MIN_REGION_SCORE = 3.0


@dataclass(frozen=True)
class CleanedText:
    """The article found in a plain-text page, with the metadata it carried."""

    text: str
    title: str | None
    author: str | None
    published: dt.date | None
    # Where the date came from: "dateline" ("Beijing, 20 December 2023 (TDI):"),
    # "published_line" (a "Published ..."/"Updated ..." or bare date line) or None.
    published_source: str | None = None


def clean_text_page(raw: str) -> CleanedText:
    """Clean one plain-text page: the article body plus title, author and date.

    A page with no article-like prose yields empty text, so callers can
    reject it instead of storing navigation as an article.
    """
    parts = page_lines(raw or "")
    stops = pick_language(parts)
    lines = [make_line(part, stops) for part in parts]
    for line in lines:
        classify(line, stops)
    anchor_bonus(lines)
    start, end, total = choose_region(lines)
    if total < _MIN_REGION_SCORE or end < start:
        title = find_title(lines, len(lines)) if lines else None
        return CleanedText("", title, None, *find_published(lines, len(lines), len(lines)))
    author = find_author(lines, start, end)
    end = trim_tail(lines, start, end, author=author)
    title = find_title(lines, start)
    published, source = find_published(lines, start, end)
    return CleanedText(
        text=article_text(lines[start : end + 1], lines=lines, title=title),
        title=title,
        author=author,
        published=published,
        published_source=source,
    )
