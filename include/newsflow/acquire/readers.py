"""Archive readers: pages someone else collected, in the forms they come in.

Years of news arrive as WARC files (``wget --warc-file``, Common Crawl,
Heritrix), as folders of saved pages, or as JSON-lines dumps. Each reader
streams :class:`ArchiveRecord` objects, one page at a time, and can fetch a
record again by its ``ref`` (a byte offset or a relative path), so an import
can index a huge archive in one pass and copy it partition by partition in a
second, with memory that does not grow with the archive.

* :class:`WarcArchive` — ``.warc`` / ``.warc.gz``: ``response`` records are
  pages (chunked and gzip payloads decoded); ``request``, ``metadata``,
  ``warcinfo`` and ``resource`` records are skipped, ``revisit`` records (a
  capture identical to an earlier one, without a payload) are counted.
* :class:`FolderArchive` — ``.html``, ``.htm`` and ``.txt`` files anywhere
  below a folder (:mod:`newsflow.acquire.folder`); a sidecar ``<page>.json``
  may give ``url`` and ``date``.
* :class:`JsonlArchive` — one JSON object per line: ``url``, ``html`` or
  ``text``, ``date``.

The *record date* is what the archive says about when a page was captured
(``WARC-Date``, the sidecar or JSON ``date``, else the file's mtime); the
import prefers the page's own publication date.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from newsflow.acquire.folder import FileKind, PageFolder, PageUnreadable
from newsflow.acquire.warc import (
    MAX_PAYLOAD_BYTES,
    ArchivedResponse,
    read_response_at,
    read_responses,
)

log = logging.getLogger(__name__)


class ArchiveError(ValueError):
    """The input is not an archive newsflow can read; the message says why."""


@dataclass(frozen=True)
class ArchiveRecord:
    """One page of an archive; ``body`` is None (and ``detail`` set) if it is unreadable."""

    ref: str
    url: str | None
    body: bytes | None
    record_date: dt.date | None
    #: Where ``record_date`` comes from: ``warc_date``, ``sidecar``, ``jsonl``, ``file_mtime``.
    record_date_source: str
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    fetched_at: dt.datetime | None = None
    detail: str | None = None


class Archive(Protocol):
    """A readable archive: stream every record, or get one back by its ref."""

    path: Path
    #: Records that are not pages and were skipped on purpose, by kind.
    skipped: dict[str, int]

    def records(self) -> Iterator[ArchiveRecord]: ...

    def record_at(self, ref: str) -> ArchiveRecord: ...


class WarcArchive:
    """A WARC file, gzip-compressed per record or plain."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.skipped: dict[str, int] = {}

    def records(self) -> Iterator[ArchiveRecord]:
        self._count_other_records()
        for response in read_responses(self.path, ref_name=""):
            yield self._record(response)

    def record_at(self, ref: str) -> ArchiveRecord:
        return self._record(read_response_at(self.path, ref))

    @staticmethod
    def _record(response: ArchivedResponse) -> ArchiveRecord:
        fetched = response.fetched_at
        return ArchiveRecord(
            ref=response.raw_ref,
            url=response.url or None,
            body=response.body,
            record_date=fetched.date() if fetched else None,
            record_date_source="warc_date",
            status=response.status or 0,
            headers=response.headers,
            fetched_at=fetched,
            detail=response.detail,
        )

    def _count_other_records(self) -> None:
        """Tally the records that are not responses, so the import can report them."""
        try:
            with self.path.open("rb") as handle:
                for record in ArchiveIterator(handle):
                    kind = record.rec_type
                    target = record.rec_headers.get_header("WARC-Target-URI") or ""
                    if kind == "response" and not target.startswith(("http:", "https:")):
                        kind = "non_http_response"  # dns:, ftp:, ...: not web pages
                    if kind != "response":
                        self.skipped[kind] = self.skipped.get(kind, 0) + 1
        except ArchiveLoadFailed as e:
            raise ArchiveError(f"{self.path}: not a WARC file: {e}") from e


class FolderArchive:
    """Saved pages below a folder; ``ref`` is the path relative to it.

    Which files are pages, and how they are read, is
    :class:`newsflow.acquire.folder.PageFolder`'s rule; here only page files
    are read (a saved site also holds images, styles and scripts), the others
    but sidecars are counted as ``not_a_page``. A page that leads outside the
    folder is counted as ``outside_archive`` and not read; one over
    :data:`~newsflow.acquire.warc.MAX_PAYLOAD_BYTES` (the cap of the WARC
    reader too) comes out with ``detail`` set.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.skipped: dict[str, int] = {}
        self._folder = PageFolder(path, max_bytes=MAX_PAYLOAD_BYTES)

    def records(self) -> Iterator[ArchiveRecord]:
        for page in self._folder.files(self.path, recursive=True):
            kind = self._folder.kind(page)
            if kind is FileKind.SIDECAR:
                continue
            if kind is not FileKind.PAGE:
                self._skip("not_a_page")
            elif not self._folder.inside(page):
                log.warning("skipping %s: it leads outside the archive %s", page, self.path)
                self._skip("outside_archive")
            else:
                yield self.record_at(page.relative_to(self.path).as_posix())

    def record_at(self, ref: str) -> ArchiveRecord:
        page = self.path / ref
        if not self._folder.inside(page):
            detail = f"{ref!r} is outside the archive"
            return ArchiveRecord(ref, None, None, None, "file_mtime", detail=detail)
        sidecar = _sidecar(page.with_suffix(page.suffix + ".json")) or _sidecar(
            page.with_suffix(".json")
        )
        date = _date(sidecar.get("date"))
        if date is None:
            mtime = dt.datetime.fromtimestamp(page.stat().st_mtime, dt.UTC)
            date, source = mtime.date(), "file_mtime"
        else:
            source = "sidecar"
        try:
            body, detail = self._folder.read(page), None
        except PageUnreadable as e:
            body, detail = None, str(e)
        return ArchiveRecord(ref, sidecar.get("url"), body, date, source, detail=detail)

    def _skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1


#: The longest JSON line read: a page at the payload cap, with room for its
#: escaping (quotes, newlines and non-ASCII as ``\uXXXX`` grow it) and fields.
MAX_JSONL_LINE_BYTES = 2 * MAX_PAYLOAD_BYTES
_SKIP_CHUNK = 1024 * 1024


class JsonlArchive:
    """A JSON-lines dump; ``ref`` is the byte offset of the line.

    A line is read only up to :data:`MAX_JSONL_LINE_BYTES`: a dump with one
    endless line (a broken export, a file that is not JSON lines at all) must
    not take the process's memory. A longer line is skipped in chunks and comes
    out as a record with ``detail`` set, so the import counts it as a reject.
    """

    def __init__(self, path: Path, *, max_line_bytes: int = MAX_JSONL_LINE_BYTES) -> None:
        self.path = path
        self.skipped: dict[str, int] = {}
        self.max_line_bytes = max_line_bytes

    def records(self) -> Iterator[ArchiveRecord]:
        with self.path.open("rb") as handle:
            offset = 0
            while True:
                line, length = _read_line(handle, self.max_line_bytes)
                if not length:
                    return
                if line is None or line.strip():
                    yield self._parse(str(offset), line, length)
                offset += length

    def record_at(self, ref: str) -> ArchiveRecord:
        with self.path.open("rb") as handle:
            handle.seek(int(ref))
            line, length = _read_line(handle, self.max_line_bytes)
            return self._parse(ref, line, length)

    def _parse(self, ref: str, line: bytes | None, length: int) -> ArchiveRecord:
        if line is None:
            detail = f"a line of {length} bytes (> {self.max_line_bytes})"
            return ArchiveRecord(ref, None, None, None, "jsonl", detail=detail)
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("not a JSON object")
        except ValueError as e:
            return ArchiveRecord(ref, None, None, None, "jsonl", detail=f"bad JSON line: {e}")
        content = item.get("html") if item.get("html") is not None else item.get("text")
        body = content.encode("utf-8") if isinstance(content, str) else None
        detail = None if body is not None else "no 'html' or 'text' field"
        date = _date(item.get("date"))
        return ArchiveRecord(ref, item.get("url"), body, date, "jsonl", detail=detail)


def _read_line(handle: BinaryIO, limit: int) -> tuple[bytes | None, int]:
    """The next line and its length in bytes; ``None`` for a line over ``limit``,
    which is read past in chunks (its length still counted, so offsets hold)."""
    line = handle.readline(limit + 1)
    if len(line) <= limit or line.endswith(b"\n"):
        return line, len(line)
    length = len(line)
    while not line.endswith(b"\n"):
        line = handle.readline(_SKIP_CHUNK)
        if not line:
            break
        length += len(line)
    return None, length


def open_archive(path: Path) -> Archive:
    """The reader for ``path``, chosen by what it is."""
    path = Path(path)
    if path.is_dir():
        return FolderArchive(path)
    name = path.name.lower()
    if name.endswith((".warc", ".warc.gz", ".arc.gz")):
        return WarcArchive(path)
    if name.endswith((".jsonl", ".ndjson")):
        return JsonlArchive(path)
    raise ArchiveError(f"{path}: expected a folder, a .warc(.gz) file or a .jsonl dump")


def _sidecar(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        log.warning("ignoring sidecar %s: %s", path, e)
        return {}
    return data if isinstance(data, dict) else {}


def _date(value: object) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
