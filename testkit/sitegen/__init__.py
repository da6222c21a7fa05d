"""The sample-site generator: fictional news sites, their pages and the truth about them.

It writes the committed sample archive (``include/sample_archive``) and, for
benchmarks and evaluations, synthetic archives of any size. Three fictional
sources are modelled: ``daily-planet`` (semantic HTML5 CMS), ``harbor-herald``
(an older Drupal-style div soup with a different vocabulary) and
``northwind-wire`` (flat plain-text dumps). Every page carries the boilerplate
real sites carry: menus, breadcrumbs, share buttons, cookie banners, "Also
read" teasers, photo credits, author biographies, comment forms and "Most
popular" lists. A few pages are broken on purpose (empty, binary, a tag
index, a "Page not found" page) and one Daily Planet article is in German.

Everything is derived from a seeded RNG, so the same arguments always write
the same bytes. ``manifest.json`` records, per file, what the pipeline must
recover: title, author, date, language, phrases that must be gone from the
clean text, sentences that must survive and named entities that the spaCy
model really finds in the body (checked here by running the model).

The vocabularies (names, places, the story bank) are data files in ``data/``;
the modules hold the logic: :mod:`.stories` draws articles, one module per
site renders them, :mod:`.rejects` writes the broken pages, :mod:`.manifest`
and :mod:`.entities` the facts, :mod:`.archive` puts it all on disk. The
command line is ``python -m testkit.sitegen``::

    generate_archive(root, pages_per_day=200, seed=7, entity_model=None)
"""

from __future__ import annotations

from .archive import build_pages, generate_archive, page_rng, write_archive
from .manifest import Page, trafilatura_report
from .sites import DEFAULT_DATES, DEFAULT_MODEL, DEFAULT_SEED, DEFAULT_SOURCES, SITE, Site
from .stories import Story, german_story, make_story

__all__ = [
    "DEFAULT_DATES",
    "DEFAULT_MODEL",
    "DEFAULT_SEED",
    "DEFAULT_SOURCES",
    "SITE",
    "Page",
    "Site",
    "Story",
    "build_pages",
    "generate_archive",
    "german_story",
    "make_story",
    "page_rng",
    "trafilatura_report",
    "write_archive",
]
