"""Acquisition: get a partition's raw pages, from wherever they live.

Everything downstream sees :class:`RawPage` objects and nothing else, so a new
way of getting pages (HTTP, WARC) is one more :class:`Fetcher`. Pages are
yielded one by one: a partition is never held in memory whole.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from newsflow.sources import Source

log = logging.getLogger(__name__)

#: Files in an archive folder that are not pages (sidecars, notes, hidden files).
_NOT_PAGES = (".json", ".md", ".yaml", ".yml")


@dataclass(frozen=True)
class RawPage:
    """One page as it reached us. ``raw_ref`` says where its bytes are kept.

    ``body`` is None when the page could not be read (``error`` says why), so
    the pipeline can still account for it as a reject.
    """

    source: str
    date: dt.date
    raw_ref: str
    body: bytes | None
    url: str | None = None
    error: str | None = None


class Fetcher(Protocol):
    """Yields the raw pages of one source for one partition date."""

    def pages(self, date: dt.date) -> Iterator[RawPage]: ...

    def dates(self) -> list[dt.date]:
        """The partition dates this source has pages for (empty if unknown)."""
        ...


class ArchiveFetcher:
    """Reads a folder archive laid out as ``<path>/date=<YYYY-MM-DD>/<page>``.

    ``raw_ref`` is the page's path relative to the source folder
    (``date=2026-11-16/a.html``): stable across machines, so article ids built
    from it are stable too.
    """

    def __init__(self, source: Source, *, max_page_bytes: int) -> None:
        if source.path is None:
            raise ValueError(f"source {source.id} has no archive path")
        self.source = source
        self.root = source.path
        self.max_page_bytes = max_page_bytes

    def dates(self) -> list[dt.date]:
        found = []
        for folder in sorted(self.root.glob("date=*")):
            try:
                found.append(dt.date.fromisoformat(folder.name.removeprefix("date=")))
            except ValueError:
                log.warning("ignoring %s: not a date=YYYY-MM-DD folder", folder)
        return found

    def pages(self, date: dt.date) -> Iterator[RawPage]:
        folder = self.root / f"date={date.isoformat()}"
        if not folder.is_dir():
            log.info("source %s has no archive folder for %s", self.source.id, date)
            return
        for path in sorted(folder.iterdir()):
            if path.name.startswith(".") or path.suffix in _NOT_PAGES or not path.is_file():
                continue
            yield self._read(path, date)

    def _read(self, path: Path, date: dt.date) -> RawPage:
        raw_ref = path.relative_to(self.root).as_posix()
        try:
            with path.open("rb") as handle:
                body = handle.read(self.max_page_bytes + 1)
        except OSError as e:
            return RawPage(self.source.id, date, raw_ref, None, error=f"unreadable: {e}")
        if len(body) > self.max_page_bytes:
            error = f"larger than {self.max_page_bytes} bytes"
            return RawPage(self.source.id, date, raw_ref, None, error=error)
        return RawPage(self.source.id, date, raw_ref, body)


def fetcher_for(source: Source, *, max_page_bytes: int) -> Fetcher:
    """The fetcher that knows how to reach ``source``'s pages."""
    if source.kind == "archive":
        return ArchiveFetcher(source, max_page_bytes=max_page_bytes)
    raise NotImplementedError(
        f"source {source.id}: kind {source.kind!r} has no fetcher yet (only 'archive')"
    )
