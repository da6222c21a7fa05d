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
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from newsflow.acquire.discovery import (
    ChildSitemap,
    Document,
    Entry,
    FeedError,
    feeds_in_homepage,
    parse_document,
    parse_url_list,
)
from newsflow.acquire.http import HttpClient, Response, is_transient
from newsflow.acquire.registry import Source
from newsflow.acquire.sitemap_dates import rank_children
from newsflow.acquire.urls import canonical_or_none, redact
from newsflow.files import replace_bytes

log = logging.getLogger(__name__)


#: How deep sitemap indexes may nest (the protocol allows one level; some sites nest).
MAX_SITEMAP_DEPTH = 3

#: Document kinds that count as sitemaps read (``runs.sitemaps_read``).
SITEMAP_KINDS = ("urlset", "sitemapindex")


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

    A sitemap index may list thousands of children: the crawler reads at
    most ``max_sitemaps`` of them, those likeliest to hold the date first
    (:func:`~newsflow.acquire.sitemap_dates.rank_children`), and counts the rest
    in ``sitemaps_skipped``.
    """

    def __init__(
        self,
        source: Source,
        client: HttpClient,
        *,
        cache_dir: Path,
        workers: int,
        max_sitemaps: int,
    ) -> None:
        self.source = source
        self.client = client
        self.cache_dir = cache_dir
        self.workers = workers
        self.max_sitemaps = max_sitemaps
        #: Every discovery response (homepage, feeds, sitemaps), for the raw archive.
        self.documents: list[Response] = []
        self.sitemaps_read = 0
        self.sitemaps_skipped = 0

    def discover(self, date: dt.date) -> list[Entry]:
        """Pages announced for ``date`` (or undated), one per canonical URL."""
        if self.source.kind == "urls":
            entries = parse_url_list("\n".join(self.source.urls))
        elif self.source.kind == "site":
            entries = self._read(self._site_documents(self.source.url or ""), date, required=False)
        else:
            entries = self._read([self.source.url or ""], date, required=True)
        unique: dict[str, Entry] = {}
        for entry in entries:
            key = canonical_or_none(entry.url)
            if key and entry.published in (None, date) and key not in unique:
                unique[key] = entry
        log.info("%s: %d pages announced for %s", self.source.id, len(unique), date)
        return list(unique.values())

    def _site_documents(self, homepage: str) -> list[str]:
        """A site's feeds (linked from its homepage) and sitemaps (named by its robots.txt)."""
        body = self._document(homepage, required=True)
        feeds = feeds_in_homepage(body or b"", base_url=homepage)
        sitemaps = self.client.robots_sitemaps(homepage)
        documents = list(dict.fromkeys([*feeds, *sitemaps]))
        if not documents:
            message = (
                f"{self.source.id}: {redact(homepage)} links no feed,"
                " its robots.txt names no sitemap"
            )
            raise DiscoveryFailed(message, transient=False)
        log.info("%s: %d feeds, %d sitemaps", self.source.id, len(feeds), len(sitemaps))
        return documents

    def fetch(
        self, urls: Iterable[str], *, deadline: float | None = None
    ) -> Iterator[tuple[str, Response]]:
        """``(url, response)`` for ``urls`` in order, the client spacing requests per host.

        No fetch starts after ``deadline`` (``time.monotonic()`` seconds): the
        pages left are not yielded, for the caller to count and leave for the
        next run. Only ``2 * workers`` fetches are queued at a time, so when
        the caller stops early (the exception a stopped task's SIGTERM
        raises) little is left to finish, and nothing queued is sent.
        """

        def started_in_time(url: str) -> Response | None:
            return None if _passed(deadline) else self.client.fetch(url)

        pending: deque[tuple[str, Future[Response | None]]] = deque()
        todo = iter(urls)
        with ThreadPoolExecutor(self.workers, thread_name_prefix="fetch") as pool:
            try:
                while True:
                    while len(pending) < 2 * self.workers and not _passed(deadline):
                        if (url := next(todo, None)) is None:
                            break
                        pending.append((url, pool.submit(started_in_time, url)))
                    if not pending:
                        return
                    url, future = pending.popleft()
                    if (response := future.result()) is not None:
                        yield url, response
            finally:
                for _, future in pending:
                    future.cancel()

    def _read(self, roots: list[str], date: dt.date, *, required: bool) -> list[Entry]:
        """Entries of the ``roots`` and of the sitemaps their indexes name, level by level.

        Each level's children are ranked for ``date``; those ruled out, and
        those past ``max_sitemaps``, are skipped and counted. With
        ``required`` a root that cannot be read fails discovery; else
        discovery fails only if no root could be read.
        """
        entries: list[Entry] = []
        seen, level, read = set(roots), [ChildSitemap(url) for url in roots], 0
        for depth in range(MAX_SITEMAP_DEPTH + 1):
            children: list[ChildSitemap] = []
            for sitemap in level:
                document = self._parsed(sitemap.url, required=required and depth == 0)
                if document is None:
                    continue
                read += 1
                self.sitemaps_read += document.kind in SITEMAP_KINDS
                entries += document.entries
                children += [c for c in document.children if c.url not in seen]
                seen.update(c.url for c in document.children)
            if depth == 0 and not read:
                unread = ", ".join(redact(root) for root in roots)
                message = f"{self.source.id}: none of {unread} could be read"
                raise DiscoveryFailed(message, transient=True)
            level = self._to_read(children, date) if depth < MAX_SITEMAP_DEPTH else []
            self.sitemaps_skipped += len(children) - len(level)
        return entries

    def _to_read(self, children: list[ChildSitemap], date: dt.date) -> list[ChildSitemap]:
        """The children worth reading for ``date``, likeliest first, within the cap."""
        likely, ruled_out = rank_children(children, date)
        room = max(0, self.max_sitemaps - self.sitemaps_read)
        if ruled_out or len(likely) > room:
            log.info(
                "%s: reading %d of %d sitemaps (%d cannot hold %s, cap %d)",
                self.source.id,
                min(room, len(likely)),
                len(children),
                len(ruled_out),
                date,
                self.max_sitemaps,
            )
        return likely[:room]

    def _parsed(self, url: str, *, required: bool) -> Document | None:
        """A feed or sitemap, parsed; None (logged) if it cannot be got or is neither."""
        body = self._document(url, required=required)
        if body is None:
            return None
        try:
            document = parse_document(body, base_url=url, max_bytes=self.client.max_body_bytes)
        except FeedError as e:
            if required:
                message = f"{self.source.id}: {redact(url)}: {e}"
                raise DiscoveryFailed(message, transient=False) from e
            log.warning("%s: %s is not a feed or sitemap: %s", self.source.id, redact(url), e)
            return None
        if document.recovered:
            log.warning("%s: %s is malformed XML, read leniently", self.source.id, redact(url))
        return document

    def _document(self, url: str, *, required: bool) -> bytes | None:
        """A discovery document's body: fresh, or the cached copy on a 304.

        A child sitemap that fails is skipped (logged); the source's own
        document (``required``) failing raises :class:`DiscoveryFailed`. The
        client has redacted credentials from ``detail``; the URL is redacted here.
        """
        cached = self.cache_dir / hashlib.sha256(url.encode()).hexdigest()
        response = self.client.fetch(url, conditional=cached.exists())
        self.documents.append(response)
        if response.reason:
            problem = (
                f"{self.source.id}: cannot get {redact(url)}: {response.reason} {response.detail}"
            )
            if required:
                raise DiscoveryFailed(problem.strip(), transient=is_transient(response.reason))
            log.warning("%s", problem)
            return None
        if response.not_modified:
            return cached.read_bytes()
        replace_bytes(cached, response.body)
        return response.body


def _passed(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline
