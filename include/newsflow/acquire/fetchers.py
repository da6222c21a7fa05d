"""Acquisition: get a partition's raw pages, from wherever they live.

Extraction sees :class:`RawPage` objects and nothing else, read by a
:class:`Fetcher` from local files only, so a new place pages are kept in is
one more :class:`Fetcher`. Pages are yielded one by one: a partition is never
held in memory whole.

* :class:`ArchiveFetcher` reads a folder archive (``date=<YYYY-MM-DD>/`` pages).
* :class:`RawArchiveFetcher` reads a partition's raw archive (WARC), so
  extraction never needs the network and can be re-run at will.

The network is the fetch step's alone: :class:`WebCrawler` (not a
:class:`Fetcher`) finds a web source's pages (feed, sitemap, URL list) and
fetches them politely with :class:`newsflow.acquire.http.HttpClient`; the
pipeline keeps every response in the partition's raw archive.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Protocol

from newsflow.acquire.discovery import Entry, FeedError, parse_document, parse_url_list
from newsflow.acquire.folder import FileKind, PageFolder, PageUnreadable
from newsflow.acquire.http import HttpClient, Response, charset_of, is_transient
from newsflow.acquire.registry import Source
from newsflow.acquire.urls import InvalidURL, canonicalize
from newsflow.acquire.warc import ArchivedResponse, WarcWriter, read_responses

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RawPage:
    """One page as it reached us. ``raw_ref`` says where its bytes are kept.

    ``body`` is None when the page could not be got (``reason`` names the
    failure, ``error`` gives the detail), so the pipeline can still account
    for it as a reject. ``charset`` is what the server declared, if anything.
    """

    source: str
    date: dt.date
    raw_ref: str
    body: bytes | None
    url: str | None = None
    error: str | None = None
    reason: str | None = None
    charset: str | None = None
    #: Where redirects ended, when that is not ``url`` (the URL as announced).
    final_url: str | None = None
    #: What put the page in this partition when the page states no date itself.
    date_source: str | None = None


class Fetcher(Protocol):
    """Yields the raw pages of one source for one partition date, from local files."""

    def pages(self, date: dt.date) -> Iterator[RawPage]: ...

    def dates(self) -> list[dt.date]:
        """The partition dates this source has pages for (empty if unknown)."""
        ...


class ArchiveFetcher:
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
            return RawPage(self.source.id, date, raw_ref, None, error=e.detail, reason=e.reason)
        return RawPage(self.source.id, date, raw_ref, body, date_source="archive_path")


#: How deep a sitemap index may nest, and how many sitemaps one run reads.
MAX_SITEMAP_DEPTH = 3
MAX_SITEMAPS = 50


class DiscoveryFailed(RuntimeError):
    """The source's feed or sitemap could not be read: nothing to fetch.

    Raised, not turned into rejects, so the orchestrator retries the fetch
    later (a site down for an hour should not cost a day of news) when
    ``transient``; a refused address, a 404 or a document that is no feed
    will not mend by waiting.
    """

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class FetchFailure:
    """A page that was announced but not got: kept so it becomes a reject."""

    url: str
    reason: str
    detail: str


class WebCrawler:
    """Finds a web source's pages for one partition date and fetches them.

    A page belongs to the partition of the date its feed or sitemap gives,
    else to the date being run: a daily run takes the newly announced
    undated pages, a backfill of a past date takes what the sitemap dates to
    it. Feeds and sitemaps are fetched conditionally; on a 304 the copy kept
    in ``cache_dir`` from the last 200 is read instead.
    """

    def __init__(
        self, source: Source, client: HttpClient, *, cache_dir: Path, workers: int = 4
    ) -> None:
        self.source = source
        self.client = client
        self.cache_dir = cache_dir
        self.workers = workers
        #: Every discovery response (feeds, sitemaps), for the raw archive.
        self.documents: list[Response] = []

    def discover(self, date: dt.date) -> list[Entry]:
        """Pages announced for ``date`` (or undated), one per canonical URL."""
        if self.source.kind == "urls":
            entries = parse_url_list("\n".join(self.source.urls))
        else:
            entries = self._entries_of(self.source.url or "", date)
        unique: dict[str, Entry] = {}
        for entry in entries:
            key = canonical_or_none(entry.url)
            if key and entry.published in (None, date) and key not in unique:
                unique[key] = entry
        log.info("%s: %d pages announced for %s", self.source.id, len(unique), date)
        return list(unique.values())

    def fetch(self, urls: Iterable[str]) -> Iterator[Response]:
        """Responses for ``urls`` in order; the client spaces out requests per host."""
        with ThreadPoolExecutor(self.workers, thread_name_prefix="fetch") as pool:
            yield from pool.map(self.client.fetch, urls)

    def _entries_of(self, url: str, date: dt.date) -> list[Entry]:
        """Entries of a feed or sitemap, following sitemap indexes breadth first."""
        entries: list[Entry] = []
        queue, seen = [(url, 0)], {url}
        while queue and len(seen) <= MAX_SITEMAPS:
            current, depth = queue.pop(0)
            body = self._document(current, required=depth == 0)
            if body is None:
                continue
            try:
                found, children = parse_document(body, base_url=current)
            except FeedError as e:
                if depth == 0:
                    message = f"{self.source.id}: {current}: {e}"
                    raise DiscoveryFailed(message, transient=False) from e
                log.warning("%s: %s is not a feed or sitemap: %s", self.source.id, current, e)
                continue
            entries += found
            for child in children if depth < MAX_SITEMAP_DEPTH else ():
                if child not in seen:
                    seen.add(child)
                    queue.append((child, depth + 1))
        return entries

    def _document(self, url: str, *, required: bool) -> bytes | None:
        """A discovery document's body: fresh, or the cached copy on a 304.

        A child sitemap that fails is skipped; the source's own document
        (``required``) failing raises :class:`DiscoveryFailed`.
        """
        cached = self.cache_dir / hashlib.sha256(url.encode()).hexdigest()
        response = self.client.fetch(url, conditional=cached.exists())
        self.documents.append(response)
        if response.error:
            problem = f"{self.source.id}: cannot get {url}: {response.error} {response.detail}"
            if required:
                raise DiscoveryFailed(problem.strip(), transient=is_transient(response.error))
            log.warning("%s", problem)
            return None
        if response.not_modified:
            return cached.read_bytes()
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        partial = cached.with_name(f".{cached.name}.part")
        partial.write_bytes(response.body)
        os.replace(partial, cached)
        return response.body


def canonical_or_none(url: str | None) -> str | None:
    """The canonical form of ``url``, or None if it is not a web URL at all."""
    try:
        return canonicalize(url) if url else None
    except InvalidURL:
        return None


@dataclass(frozen=True)
class RawArchive:
    """Where a partition's raw pages are kept: fetched or imported responses, and
    the pages that could not be got.

    ``ref_name`` is how ``raw_ref`` values name the WARC file. The archive is
    rewritten whole (atomically) whenever pages are added: earlier responses
    are carried over, so a page is fetched or imported once.
    """

    warc: Path
    failures: Path
    ref_name: str

    def writer(self) -> WarcWriter:
        """A writer that replaces the archive when it closes (keeps it on error)."""
        return WarcWriter(self.warc, ref_name=self.ref_name)

    def good_records(self) -> Iterator[tuple[set[str], ArchivedResponse]]:
        """The archive's 2xx responses, each with its canonical URLs."""
        if not self.warc.exists():
            return
        for record in read_responses(self.warc, ref_name=self.ref_name):
            if record.body is not None and 200 <= (record.status or 0) < 300:
                urls = {canonical_or_none(record.url), canonical_or_none(record.requested_url)}
                yield urls - {None}, record

    def urls(self) -> set[str]:
        """Canonical URLs the archive already holds a page for."""
        return {url for urls, _ in self.good_records() for url in urls}

    def carry_over(self, writer: WarcWriter, *, replaced: set[str]) -> None:
        """Copy the earlier responses into ``writer``, but those ``replaced`` anew."""
        for urls, record in self.good_records():
            if not urls & replaced:
                writer.write_response(
                    url=record.url,
                    status=record.status or 0,
                    headers=record.headers,
                    body=record.body or b"",
                    fetched_at=record.fetched_at or dt.datetime.now(dt.UTC),
                    requested_url=record.requested_url,
                    date_source=record.date_source,
                )


class RawArchiveFetcher:
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
                error=failure.detail,
                reason=failure.reason,
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
        if record.error or record.body is None:
            return replace(page, body=None, reason="damaged_record", error=record.error)
        if not 200 <= (record.status or 0) < 300:
            detail = f"{record.url} answered {record.status}"
            return replace(page, body=None, reason=f"http_{record.status}", error=detail)
        return page


def write_failures(path: Path, failures: Iterable[FetchFailure]) -> int:
    """Replace the failure list beside a raw archive (JSON lines, atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.part")
    count = 0
    with partial.open("w", encoding="utf-8") as handle:
        for failure in failures:
            handle.write(json.dumps(asdict(failure)) + "\n")
            count += 1
    os.replace(partial, path)
    return count


def read_failures(path: Path) -> Iterator[FetchFailure]:
    """The failures :func:`write_failures` kept (none if there is no file)."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            yield FetchFailure(**json.loads(line))


def fetchers_for(source: Source, *, max_page_bytes: int, raw: RawArchive) -> list[Fetcher]:
    """Where a partition's pages are read from for extraction: an archive
    source's own folder, then the partition's raw archive (pages fetched from
    the web or imported from an archive file). No network.
    """
    raw_pages = RawArchiveFetcher(source, raw)
    if source.kind == "archive":
        return [ArchiveFetcher(source, max_page_bytes=max_page_bytes), raw_pages]
    return [raw_pages]
