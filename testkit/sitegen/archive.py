"""Assemble and write an archive: pages per source and date, extras, manifest.

The layout follows the contract in DESIGN.md::

    <root>/source=<id>/date=<YYYY-MM-DD>/<slug>.html | .txt
    <root>/manifest.json

Each page draws from its own RNG, seeded from (seed, source, date, index), so
a page does not change when pages are added before it and the same arguments
always write the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import daily_planet, harbor_herald, northwind
from .entities import EntityChecker
from .manifest import Page, article_entry, check_page, reject_entry
from .rejects import binary_page, not_found_page, tag_index_page
from .sites import DEFAULT_DATES, DEFAULT_MODEL, DEFAULT_SEED, DEFAULT_SOURCES, SITE
from .stories import Story, german_story, make_story

Renderer = Callable[[Story, random.Random], tuple[str, list[str]]]
RENDERERS: dict[str, Renderer] = {
    "daily-planet": daily_planet.render,
    "harbor-herald": harbor_herald.render,
    "northwind-wire": northwind.render,
}
#: Redraws before a duplicate slug in one partition gets a numeric suffix.
_SLUG_RETRIES = 20


def page_rng(seed: int, *parts: object) -> random.Random:
    """An RNG for one page, independent of how many pages came before it."""
    key = ":".join(str(p) for p in (seed, *parts)).encode()
    return random.Random(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))


def build_pages(
    sources: Sequence[str],
    dates: Sequence[str],
    pages_per_day: int,
    seed: int,
    *,
    extras: bool = True,
) -> list[Page]:
    """All pages of an archive, in a stable order (nothing written yet)."""
    pages: list[Page] = []
    for source in sources:
        if source not in SITE:
            raise ValueError(f"unknown source {source!r}; known: {sorted(SITE)}")
        for day in dates:
            pages += _partition(source, day, pages_per_day, seed)
    if extras:
        pages += extra_pages(sources, dates, seed)
    return pages


def _partition(source: str, day: str, pages_per_day: int, seed: int) -> list[Page]:
    """The articles of one source on one date, with slugs unique in the folder."""
    site = SITE[source]
    date = dt.date.fromisoformat(day)
    pages: list[Page] = []
    slugs: set[str] = set()
    for i in range(pages_per_day):
        rng = page_rng(seed, source, day, i)
        story = make_story(rng, source, date)
        for _ in range(_SLUG_RETRIES):
            if story.slug not in slugs:
                break
            story = make_story(rng, source, date)
        slug = story.slug if story.slug not in slugs else f"{story.slug}-{i}"
        slugs.add(slug)
        text, boiler = RENDERERS[source](story, rng)
        path = f"source={source}/date={day}/{slug}{site.extension}"
        entry = article_entry(path, source, day, story, site.format, boiler, rng)
        pages.append(Page(path, text.encode("utf-8"), entry, story))
    return pages


# -- the German article and the pages that must be rejected --------------------


def _german(source: str, day: str, rng: random.Random) -> Page:
    """The German article, in Daily Planet chrome."""
    story = german_story(rng, dt.date.fromisoformat(day))
    text, boiler = daily_planet.render(story, rng)
    path = f"source={source}/date={day}/{story.slug}.html"
    return Page(
        path, text.encode(), article_entry(path, source, day, story, "html", boiler, rng), story
    )


def _empty(source: str, day: str, rng: random.Random) -> Page:
    """A zero-byte file, as an interrupted download leaves."""
    path = f"source={source}/date={day}/untitled-draft{SITE[source].extension}"
    return Page(path, b"", reject_entry(path, source, day, "empty", "empty file"))


def _binary(source: str, day: str, rng: random.Random) -> Page:
    """A PNG saved under an .html name."""
    path = f"source={source}/date={day}/harbour-webcam-still.html"
    reason = "PNG image saved as .html"
    return Page(path, binary_page(rng), reject_entry(path, source, day, "binary", reason))


def _tag(source: str, day: str, rng: random.Random) -> Page:
    """A topic page: headlines and links, no article."""
    path = f"source={source}/date={day}/tag-port.html"
    page = tag_index_page(rng, dt.date.fromisoformat(day)).encode()
    return Page(path, page, reject_entry(path, source, day, "html", "tag index: links only"))


def _missing(source: str, day: str, rng: random.Random) -> Page:
    """A "Page not found" page served as if it were content."""
    path = f"source={source}/date={day}/council-budget-live-updates.html"
    page = not_found_page(rng).encode()
    return Page(path, page, reject_entry(path, source, day, "html", "'Page not found' page"))


#: (source index, date index, RNG key, maker, HTML sources only). Indices wrap
#: around the sources and dates asked for; the key seeds the page's RNG, so it
#: must not change (the committed archive depends on it).
_EXTRAS: tuple[tuple[int, int, str, Callable[[str, str, random.Random], Page], bool], ...] = (
    (0, 1, "german", _german, True),
    (2, 0, "empty", _empty, False),
    (1, 1, "binary", _binary, False),
    (0, 2, "tag", _tag, True),
    (1, 2, "missing", _missing, True),
)


def extra_pages(sources: Sequence[str], dates: Sequence[str], seed: int) -> list[Page]:
    """The German article and the broken pages, spread over sources and dates."""
    out: list[Page] = []
    for n, d, key, make, html_only in _EXTRAS:
        source, day = sources[n % len(sources)], dates[d % len(dates)]
        if html_only and SITE[source].format != "html":
            continue
        out.append(make(source, day, page_rng(seed, "extra", key)))
    return out


# -- writing -------------------------------------------------------------------


def add_entities(pages: Sequence[Page], model: str) -> None:
    """Fill the English articles' ``entities`` with what ``model`` finds in them."""
    articles = [p for p in pages if p.story is not None and p.story.language == "en"]
    checker = EntityChecker(model)
    found = checker.verify([p.story for p in articles if p.story is not None])
    for page, entities in zip(articles, found, strict=True):
        page.entry["entities"] = entities


def write_archive(root: Path, pages: Sequence[Page], *, clean: bool = True) -> list[dict[str, Any]]:
    """Write ``pages`` and ``manifest.json`` under ``root``; return the manifest.

    ``clean`` removes existing ``source=*`` folders first so stale pages never
    linger; anything else under ``root`` (its README) is left alone.
    """
    root.mkdir(parents=True, exist_ok=True)
    if clean:
        for old in root.glob("source=*"):
            shutil.rmtree(old)
    for page in pages:
        target = root / page.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(page.data)
    manifest = sorted((p.entry for p in pages), key=lambda m: m["path"])
    (root / "manifest.json").write_text(
        json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return manifest


def generate_archive(
    root: Path,
    *,
    sources: Sequence[str] = DEFAULT_SOURCES,
    dates: Sequence[str] = DEFAULT_DATES,
    pages_per_day: int = 4,
    seed: int = DEFAULT_SEED,
    extras: bool = True,
    entity_model: str | None = DEFAULT_MODEL,
    clean: bool = True,
) -> list[dict[str, Any]]:
    """Write an archive under ``root`` and return its manifest (also written to disk).

    ``pages_per_day`` articles are drawn per source and date; ``extras`` adds the
    German article and the pages that must be rejected. With ``entity_model``
    the spaCy model is run over the bodies and only entities it finds are listed;
    pass None for large benchmark archives (entities stay empty). ``clean``
    removes existing ``source=*`` folders first so stale pages never linger.
    """
    pages = build_pages(sources, dates, pages_per_day, seed, extras=extras)
    if entity_model:
        add_entities(pages, entity_model)
    for page in pages:
        if page.story is not None:
            check_page(page)
    return write_archive(root, pages, clean=clean)
