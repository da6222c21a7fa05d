"""The source registry as the jobs read it: once per process and version of the file."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from newsflow.acquire.pages import FolderPages
from newsflow.acquire.registry import Source, load_sources
from newsflow.config import Settings
from newsflow.records import SourceConfigError

log = logging.getLogger(__name__)


class UnknownSource(SourceConfigError, KeyError):
    """No source of that id in the registry. A ``KeyError`` too, as it was before it
    became a registry error; its message is the plain text, not a quoted key."""

    __str__ = SourceConfigError.__str__


def registry(settings: Settings) -> Mapping[str, Source]:
    """The registry ``settings`` name, ``id -> Source`` in file order.

    Every step of a run asks for it; it is parsed again only when the file's
    size or modification time changed since (an operator edited it).
    """
    path = settings.sources_file
    try:
        stat = path.stat()
    except OSError:
        version = None  # unreadable: load_sources says why
    else:
        version = (stat.st_mtime_ns, stat.st_size)
    return _read(path, version)


@functools.lru_cache(maxsize=8)
def _read(path: Path, version: tuple[int, int] | None) -> Mapping[str, Source]:
    """``load_sources`` of one version of the file (``version`` is the cache key only)."""
    return MappingProxyType(load_sources(path))


def registered_source(settings: Settings, source_id: str) -> Source:
    """The registry's entry for ``source_id``; :class:`UnknownSource` if there is none."""
    sources = registry(settings)
    if source_id not in sources:
        known = ", ".join(sorted(sources)) or "none"
        raise UnknownSource(
            f"unknown source {source_id!r} in {settings.sources_file}; known: {known}"
        )
    return sources[source_id]


def source_for_run(settings: Settings, source_id: str) -> Source:
    """:func:`registered_source`, and for an archive source, a folder that exists.

    Without the folder a run would find no pages and publish an empty
    partition, as if the site had published nothing that day; checked here,
    when a run needs it, not when the registry is read, so one moved folder
    does not stop the other sources (or imports into this one).
    """
    source = registered_source(settings, source_id)
    if source.kind == "archive" and source.path is not None and not source.path.is_dir():
        raise SourceConfigError(
            f"{settings.sources_file}: source {source.id}: archive folder {source.path}"
            " does not exist"
        )
    return source


def source_ids(*, settings: Settings | None = None) -> list[str]:
    """Ids of every registered source, in registry order (news_daily maps over them)."""
    return list(registry(settings or Settings.current()))


def archive_dates(*, settings: Settings | None = None) -> list[str]:
    """Every partition date any archive source has pages for, sorted (``make run``'s days)."""
    settings = settings or Settings.current()
    dates: set[dt.date] = set()
    for source in registry(settings).values():
        if source.kind != "archive":
            continue
        try:
            source_for_run(settings, source.id)
        except SourceConfigError as e:
            log.warning("no dates of %s: %s", source.id, e)  # its runs fail with this, too
            continue
        dates.update(FolderPages(source, max_page_bytes=settings.max_page_bytes).dates())
    return [d.isoformat() for d in sorted(dates)]
