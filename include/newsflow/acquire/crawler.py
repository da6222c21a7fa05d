"""The fetch step's network side: find a web source's pages and fetch them politely.

:class:`Crawler` reads the source's feed, sitemap or URL list
(:mod:`newsflow.acquire.discovery`) and fetches the announced pages with
:class:`newsflow.acquire.http.HttpClient`; the fetch job keeps every response
in the partition's raw archive (:mod:`newsflow.acquire.rawstore`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from newsflow.acquire.discovery import Entry, FeedError, parse_document, parse_url_list
from newsflow.acquire.http import HttpClient, Response, is_transient
from newsflow.acquire.registry import Source
from newsflow.acquire.urls import canonical_or_none

log = logging.getLogger(__name__)


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


class Crawler:
    """Finds a web source's pages for one partition date and fetches them.

    A page belongs to the partition of the date its feed or sitemap gives,
    else to the date being run: a daily run takes the newly announced
    undated pages, a backfill of a past date takes what the sitemap dates to
    it. Feeds and sitemaps are fetched conditionally; on a 304 the copy kept
    in ``cache_dir`` from the last 200 is read instead. ``workers`` threads
    fetch pages; the client still holds each host to its own concurrency.
    """

    def __init__(
        self, source: Source, client: HttpClient, *, cache_dir: Path, workers: int
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
        if response.reason:
            problem = f"{self.source.id}: cannot get {url}: {response.reason} {response.detail}"
            if required:
                raise DiscoveryFailed(problem.strip(), transient=is_transient(response.reason))
            log.warning("%s", problem)
            return None
        if response.not_modified:
            return cached.read_bytes()
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        partial = cached.with_name(f".{cached.name}.part")
        partial.write_bytes(response.body)
        os.replace(partial, cached)
        return response.body
