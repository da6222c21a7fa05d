"""Where extraction reads a partition's raw pages from: local files only, never the network.

Extraction sees :class:`RawPage` objects and nothing else, read by a
:class:`PageReader`, so a new place pages are kept in is one more reader.
Pages are yielded one by one: a partition is never held in memory whole.

* :class:`FolderPages` reads an archive source's folder (``date=<YYYY-MM-DD>/`` pages).
* :class:`RawArchivePages` reads a partition's raw archive (WARC), so
  extraction never needs the network and can be re-run at will.

The network is the fetch step's alone (:class:`newsflow.acquire.crawler.Crawler`),
which keeps every response in the partition's raw archive
(:mod:`newsflow.acquire.rawstore`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from newsflow.acquire.folder import FileKind, PageFolder, PageUnreadable
from newsflow.acquire.http import charset_of
from newsflow.acquire.rawstore import RawArchive, read_failures
from newsflow.acquire.registry import Source
from newsflow.acquire.warc import ArchivedResponse, read_responses

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RawPage:
    """One page as it reached us. ``raw_ref`` says where its bytes are kept.

    ``body`` is None when the page could not be got (``reason`` names the
    failure, ``detail`` says more), so the pipeline can still account
    for it as a reject. ``charset`` is what the server declared, if anything.
    """

    source: str
    date: dt.date
    raw_ref: str
    body: bytes | None
    url: str | None = None
    reason: str | None = None
    detail: str | None = None
    charset: str | None = None
    #: Where redirects ended, when that is not ``url`` (the URL as announced).
    final_url: str | None = None
    #: What put the page in this partition when the page states no date itself.
    date_source: str | None = None


class PageReader(Protocol):
    """Yields the raw pages of one source for one partition date, from local files."""

    def pages(self, date: dt.date) -> Iterator[RawPage]: ...

    def dates(self) -> list[dt.date]:
        """The partition dates this source has pages for (empty if unknown)."""
        ...


class FolderPages:
    """Reads a folder archive laid out as ``<path>/date=<YYYY-MM-DD>/<page>``.

    Which files are pages, and how they are read, is
    :class:`newsflow.acquire.folder.PageFolder`'s rule; here every file of a
    date folder but sidecars, notes and hidden files is a page, so whatever
    was put in a partition comes out as an article or a reject. ``raw_ref``
    is the page's path relative to the source folder
    (``date=2026-11-16/a.html``): stable across machines, so article ids built
    from it are stable too.
    """

    def __init__(self, source: Source, *, max_page_bytes: int) -> None:
        if source.path is None:
            raise ValueError(f"source {source.id} has no archive path")
        self.source = source
        self.root = source.path
        self.folder = PageFolder(source.path, max_bytes=max_page_bytes)

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
        for path in self.folder.files(folder, recursive=False):
            if self.folder.kind(path) in (FileKind.PAGE, FileKind.OTHER):
                yield self._read(path, date)

    def _read(self, path: Path, date: dt.date) -> RawPage:
        raw_ref = path.relative_to(self.root).as_posix()
        try:
            body = self.folder.read(path)
        except PageUnreadable as e:
            return RawPage(self.source.id, date, raw_ref, None, reason=e.reason, detail=e.detail)
        return RawPage(self.source.id, date, raw_ref, body, date_source="archive_path")


class RawArchivePages:
    """Reads a web partition back from its raw archive: no network.

    Responses with a 2xx status are pages; other statuses and the failures
    listed beside the archive (refused by robots.txt, timeouts, ...) come out
    as pages without a body, so they are counted as rejects.
    """

    def __init__(self, source: Source, raw: RawArchive) -> None:
        self.source = source
        self.raw = raw

    def dates(self) -> list[dt.date]:
        return []

    def pages(self, date: dt.date) -> Iterator[RawPage]:
        if self.raw.warc.exists():
            for record in read_responses(self.raw.warc, ref_name=self.raw.ref_name):
                yield self._page(record, date)
        for failure in read_failures(self.raw.failures):
            yield RawPage(
                self.source.id,
                date,
                failure.url,
                None,
                url=failure.url,
                reason=failure.reason,
                detail=failure.detail,
            )

    def _page(self, record: ArchivedResponse, date: dt.date) -> RawPage:
        page = RawPage(
            self.source.id,
            date,
            record.raw_ref,
            record.body,
            url=record.requested_url or record.url,
            charset=charset_of(record.headers),
            final_url=record.url if record.requested_url else None,
            date_source=record.date_source,
        )
        if record.detail or record.body is None:
            return replace(page, body=None, reason="damaged_record", detail=record.detail)
        if not 200 <= (record.status or 0) < 300:
            detail = f"{record.url} answered {record.status}"
            return replace(page, body=None, reason=f"http_{record.status}", detail=detail)
        return page


def page_readers_for(source: Source, *, max_page_bytes: int, raw: RawArchive) -> list[PageReader]:
    """Where a partition's pages are read from for extraction: an archive
    source's own folder, then the partition's raw archive (pages fetched from
    the web or imported from an archive file). No network.
    """
    raw_pages = RawArchivePages(source, raw)
    if source.kind == "archive":
        return [FolderPages(source, max_page_bytes=max_page_bytes), raw_pages]
    return [raw_pages]
