"""Small text helpers shared by the site templates."""

from __future__ import annotations

import datetime as dt
import html
import re


def e(text: str) -> str:
    """Escape text for HTML content and double-quoted attributes.

    Apostrophes stay as they are: real CMSs leave them, and the manifest's
    boilerplate phrases are matched against the raw page.
    """
    return html.escape(text, quote=False).replace('"', "&quot;")


def long_date(when: dt.date) -> str:
    """``17 November 2026``, the way the fictional newsrooms print dates."""
    return f"{when.day} {when:%B %Y}"


def slugify(text: str) -> str:
    """Lower-case dashed form of ``text`` for URLs."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
