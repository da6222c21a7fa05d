"""The manifest: what the pipeline must recover from each file of the archive.

Per file it records title, author, date and language, boilerplate phrases
that must be gone from the clean text, body sentences that must survive and
(filled in by :mod:`.entities`) the named entities. Every claim is checked
against the page before anything is written, so a template change cannot
quietly make the tests assert the impossible.
"""

from __future__ import annotations

import html
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .stories import MAX_PARAGRAPHS, MIN_PARAGRAPHS, Story

#: Sentence boundary: after . ! ? and before a capital (German umlauts included).
_SENT_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\u00c4\u00d6\u00dc])")
BODY_SENTENCES = 3
#: Fewer words than this and the test would not be about a real article.
MIN_CHECKED_WORDS = 220


@dataclass
class Page:
    """One file of the archive and its manifest entry."""

    path: str
    data: bytes
    entry: dict[str, Any]
    story: Story | None = None


def body_sentences(story: Story, rng: random.Random, n: int = BODY_SENTENCES) -> list[str]:
    """``n`` plain sentences from different body paragraphs (not the lead, no quotes).

    Sentences with quotation marks and short ones are skipped: they make
    brittle exact-match checks (extractors may retype quotes).
    """
    picks: list[str] = []
    order = list(range(1, len(story.paragraphs)))
    rng.shuffle(order)  # drawn for the RNG stream; the picks go in paragraph order
    for i in sorted(order):
        sentences = [
            s
            for s in _SENT_RE.split(story.paragraphs[i])
            if len(s.split()) >= 8 and not re.search('["\u201c\u201d]', s)
        ]
        if sentences:
            picks.append(rng.choice(sentences))
        if len(picks) == n:
            break
    return picks


def article_entry(
    path: str, source: str, day: str, story: Story, fmt: str, boiler: list[str], rng: random.Random
) -> dict[str, Any]:
    """Manifest entry of an article page (text pages only print the date, not the time)."""
    published = story.published.isoformat() if fmt == "html" else story.published.date().isoformat()
    return {
        "path": path,
        "source": source,
        "date": day,
        "format": fmt,
        "expect": "article",
        "title": story.title,
        "author": story.author,
        "published": published,
        "language": story.language,
        "boilerplate": boiler,
        "body": body_sentences(story, rng),
        "entities": [],
    }


def reject_entry(path: str, source: str, day: str, fmt: str, why: str) -> dict[str, Any]:
    """Manifest entry of a page the pipeline must reject."""
    return {
        "path": path,
        "source": source,
        "date": day,
        "format": fmt,
        "expect": "reject",
        "reason": why,
        "title": None,
        "author": None,
        "published": None,
        "language": None,
        "boilerplate": [],
        "body": [],
        "entities": [],
    }


def check_page(page: Page) -> None:
    """Fail loudly if a manifest claim contradicts the page itself."""
    assert page.story is not None
    raw = page.data.decode("utf-8")
    body = page.story.body
    for phrase in page.entry["boilerplate"]:
        if html.escape(phrase, quote=False) not in raw and phrase not in raw:
            raise AssertionError(f"{page.path}: boilerplate {phrase!r} not in page")
        if phrase in body:
            raise AssertionError(f"{page.path}: boilerplate {phrase!r} is in the body")
    for sentence in page.entry["body"]:
        if sentence not in body:
            raise AssertionError(f"{page.path}: {sentence!r} not in body")
    if len(page.entry["body"]) != BODY_SENTENCES:
        raise AssertionError(f"{page.path}: fewer than {BODY_SENTENCES} body sentences")
    words = len(body.split())
    paragraphs = len(page.story.paragraphs)
    if words < MIN_CHECKED_WORDS or not MIN_PARAGRAPHS <= paragraphs <= MAX_PARAGRAPHS:
        raise AssertionError(f"{page.path}: {words} words, {paragraphs} paras")


def trafilatura_report(root: Path, manifest: Iterable[dict[str, Any]]) -> dict[str, list[str]]:
    """Per HTML article: lost body sentences and boilerplate phrases trafilatura leaves in.

    This is the baseline newsflow's post-pass must beat; the CLI prints it
    with ``--report`` after a template change.
    """
    import trafilatura  # only for the report

    problems: dict[str, list[str]] = {}
    for entry in manifest:
        if entry["expect"] != "article" or entry["format"] != "html":
            continue
        raw = (root / entry["path"]).read_text(encoding="utf-8")
        text = trafilatura.extract(raw, include_comments=False, favor_precision=True) or ""
        issues = [f"LOST body: {s}" for s in entry["body"] if s not in text]
        issues += [f"left in: {b}" for b in entry["boilerplate"] if b in text]
        if issues:
            problems[entry["path"]] = issues
    return problems
