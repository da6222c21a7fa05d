"""The raw archive: every fetched response kept as a WARC record, per partition.

Extraction and enrichment change more often than the news does: keeping what
the network gave us (status, headers, body, fetch time) lets a partition be
re-processed without fetching again, and shows what a site really served.
WARC is the format web archives and their tools (warcio, pywb) read.

One file per partition, gzip-compressed record by record, so each record's
byte offset is a stable address: ``raw_ref`` is ``<ref_name>#<offset>`` (for
example ``raw/source=x/date=2026-11-16.warc.gz#1234``). The file is written
under a temporary hidden name and renamed into place on :meth:`WarcWriter.close`:
readers see the old archive or the new one, never half of one.

Bodies are stored decoded (as :mod:`newsflow.acquire.http` returns them), so the
headers are made to match: ``Content-Encoding``, ``Transfer-Encoding`` and
``Content-Length`` are replaced by a fresh ``Content-Length`` and kept as
``X-Archive-Orig-*`` headers, the way pywb does. Reading decodes chunked and
compressed payloads too, so archives written by other tools work as well.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.limitreader import LimitReader
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import BUFF_SIZE
from warcio.warcwriter import WARCWriter

from newsflow.acquire.decoding import UndecodableBody, decode_all
from newsflow.acquire.urls import redact
from newsflow.files import temp_beside

log = logging.getLogger(__name__)

SOFTWARE = "newsflow"
#: WARC extension field: the URL a feed announced, when redirects ended elsewhere.
REQUESTED_URI = "WARC-Newsflow-Requested-URI"
#: WARC extension field: what put the page in its partition (``feed``, ``warc_date``, ...).
DATE_SOURCE = "WARC-Newsflow-Date-Source"
_REWRITTEN = ("content-encoding", "transfer-encoding", "content-length")
#: Decoded payloads larger than this are not read (the record gets ``detail``)
#: when the caller names no limit: a gzip or brotli bomb in an archive someone
#: else wrote (a few KiB that inflate to gigabytes) must not take the process's
#: memory. Far above any news page (``NEWSFLOW_MAX_PAGE_BYTES``). The folder
#: import reads no page past it either (:class:`newsflow.acquire.readers.FolderArchive`).
MAX_PAYLOAD_BYTES = 32 * 1024 * 1024
# What a damaged record or payload can raise from inside warcio (its header
# parser fails with AttributeError / TypeError on records cut short), or from
# decoding a payload (UndecodableBody is a ValueError).
_READ_ERRORS = (
    ArchiveLoadFailed,
    zlib.error,
    EOFError,
    ValueError,
    OSError,
    AttributeError,
    TypeError,
)


@dataclass(frozen=True)
class ArchivedResponse:
    """One response record read back; ``detail`` is set (and ``body`` None) if it is damaged."""

    url: str
    status: int | None
    headers: list[tuple[str, str]]
    body: bytes | None
    fetched_at: dt.datetime | None
    record_id: str
    raw_ref: str
    detail: str | None = None
    #: The URL asked for, when redirects led to ``url`` (see ``REQUESTED_URI``).
    requested_url: str | None = None
    #: How the page's partition date was decided (see ``DATE_SOURCE``).
    date_source: str | None = None


class WarcWriter:
    """Writes one gzip (``.gz`` suffix) or plain WARC file, atomically.

    ``ref_name`` is what ``raw_ref`` values start with; it defaults to
    ``raw/<file name>`` and should be the path relative to the warehouse root.
    """

    def __init__(self, path: Path, *, ref_name: str | None = None) -> None:
        self.path = Path(path)
        self.ref_name = ref_name or f"raw/{self.path.name}"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # unique, so writers of one file never share (or damage) each other's temp file
        self._temp = temp_beside(self.path)
        self._handle = self._temp.open("wb")
        self._writer = WARCWriter(self._handle, gzip=self.path.suffix == ".gz")
        self.count = 0
        self._write_warcinfo()

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def write_response(
        self,
        *,
        url: str,
        status: int,
        headers: Sequence[tuple[str, str]],
        body: bytes,
        fetched_at: dt.datetime,
        request_headers: Sequence[tuple[str, str]] | None = None,
        requested_url: str | None = None,
        date_source: str | None = None,
    ) -> str:
        """Append a ``response`` record (and a ``request`` one if given); return its raw_ref.

        ``requested_url`` is the URL asked for, if redirects led to ``url``;
        ``date_source`` says how the page's partition date was decided.
        """
        # Credentials in a URL (user:pass@, token=) never reach the archive.
        url = redact(url)
        requested_url = redact(requested_url) if requested_url else requested_url
        offset = self._handle.tell()
        date = _warc_date(fetched_at)
        warc_headers = {"WARC-Date": date}
        if requested_url and requested_url != url:
            warc_headers[REQUESTED_URI] = requested_url
        if date_source:
            warc_headers[DATE_SOURCE] = date_source
        http_headers = StatusAndHeaders(
            f"{status} {_reason(status)}", _stored_headers(headers, len(body)), "HTTP/1.1"
        )
        record = self._writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=http_headers,
            warc_headers_dict=warc_headers,
        )
        self._writer.write_record(record)
        if request_headers is not None:
            self._write_request(url, date, request_headers, record)
        self.count += 1
        return f"{self.ref_name}#{offset}"

    def close(self) -> None:
        """Finish the file and move it into place (replacing any previous one)."""
        if self._handle.closed:
            return
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        os.replace(self._temp, self.path)
        log.info("archived %d responses in %s", self.count, self.path)

    def abort(self) -> None:
        """Drop what was written; any previous archive at ``path`` stays as it was."""
        if not self._handle.closed:
            self._handle.close()
        self._temp.unlink(missing_ok=True)

    def _write_warcinfo(self) -> None:
        info = {"software": SOFTWARE, "format": "WARC File Format 1.0"}
        self._writer.write_record(self._writer.create_warcinfo_record(self.path.name, info))

    def _write_request(
        self, url: str, date: str, headers: Sequence[tuple[str, str]], response: ArcWarcRecord
    ) -> None:
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request_line = StatusAndHeaders(
            f"GET {target} HTTP/1.1", list(headers), is_http_request=True
        )
        record = self._writer.create_warc_record(
            url,
            "request",
            http_headers=request_line,
            warc_headers_dict={
                "WARC-Date": date,
                "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
            },
        )
        self._writer.write_record(record)


def read_responses(
    path: Path,
    *,
    ref_name: str | None = None,
    max_body_bytes: int | None = None,
    offset: int = 0,
) -> Iterator[ArchivedResponse]:
    """Stream the ``response`` records of a WARC (gzip or plain), from ``offset`` on.

    Other record types are skipped. A damaged payload yields an item with
    ``detail`` set and reading goes on; a damaged record structure yields one
    such item and ends the iteration, since nothing after it can be trusted.
    Payloads over ``max_body_bytes`` (default :data:`MAX_PAYLOAD_BYTES`) come
    out with ``detail`` set and no body.
    """
    path = Path(path)
    max_body_bytes = MAX_PAYLOAD_BYTES if max_body_bytes is None else max_body_bytes
    ref_name = ref_name or f"raw/{path.name}"
    with path.open("rb") as handle:
        handle.seek(offset)
        records = ArchiveIterator(handle)
        while True:
            try:
                record = next(records)
            except StopIteration:
                return
            except _READ_ERRORS as e:
                yield _damaged(f"{ref_name}#{records.offset}", f"malformed WARC: {e}")
                return
            if record.format != "warc" or record.rec_type is None:
                yield _damaged(f"{ref_name}#{records.offset}", "not a WARC record")
                return
            if record.rec_type == "response" and record.http_headers is not None:
                yield _response(record, records, ref_name, max_body_bytes)


def read_response_at(path: Path, raw_ref_or_offset: str | int) -> ArchivedResponse:
    """The response record a ``raw_ref`` (or a byte offset) points at."""
    if isinstance(raw_ref_or_offset, str):
        ref_name, _, offset = raw_ref_or_offset.rpartition("#")
        found = read_responses(path, ref_name=ref_name, offset=int(offset))
    else:
        found = read_responses(path, offset=raw_ref_or_offset)
    for response in found:
        return response
    raise LookupError(f"no response record at {raw_ref_or_offset!r} in {path}")


def _response(
    record: ArcWarcRecord, records: ArchiveIterator, ref_name: str, max_body_bytes: int
) -> ArchivedResponse:
    headers = record.http_headers
    # Archives written by other tools may hold credentials in URLs: drop them on the way in.
    url = redact(record.rec_headers.get_header("WARC-Target-URI") or "")
    record_id = record.rec_headers.get_header("WARC-Record-ID") or ""
    status = _status(headers.get_statuscode())
    try:
        body = _payload(record, max_body_bytes)
        detail = _payload_problem(headers, status, body, max_body_bytes)
        if detail is None and _cut_short(record.raw_stream):
            detail = "truncated record: the file ends inside it"
    except _READ_ERRORS as e:
        body, detail = None, f"undecodable payload: {e}"
    if detail:
        body = None
    raw_ref = f"{ref_name}#{records.get_record_offset()}"
    return ArchivedResponse(
        url=url,
        status=status,
        headers=[(str(name), str(value)) for name, value in headers.headers],
        body=body,
        fetched_at=_parse_warc_date(record.rec_headers.get_header("WARC-Date")),
        record_id=record_id,
        raw_ref=raw_ref,
        detail=detail,
        requested_url=_redacted(record.rec_headers.get_header(REQUESTED_URI)),
        date_source=record.rec_headers.get_header(DATE_SOURCE),
    )


def _payload(record: ArcWarcRecord, limit: int) -> bytes | None:
    """The HTTP payload, de-chunked and decompressed; None if over ``limit``.

    warcio decodes gzip and deflate itself, leniently (a payload labelled
    gzip but stored plain, as some crawlers write it, is read as it is); its
    brotli support does not work with brotli 1.2, so ``br`` goes through
    :mod:`newsflow.acquire.decoding`, as the HTTP client's bodies do. Either
    way the decoded size is capped there.
    """
    headers = record.http_headers
    if (headers.get_header("content-encoding") or "").strip().lower() == "br":
        stream, coding = record.raw_stream, "br"
        if (headers.get_header("transfer-encoding") or "").strip().lower() == "chunked":
            stream = ChunkedDataReader(stream)
    else:
        stream, coding = record.content_stream(), None
    chunks = iter(lambda: stream.read(BUFF_SIZE), b"")
    try:
        return decode_all(chunks, content_encoding=coding, limit=limit)
    except UndecodableBody as e:
        if e.reason == "too_large":
            return None
        raise


def _payload_problem(
    headers: StatusAndHeaders, status: int | None, body: bytes | None, limit: int
) -> str | None:
    if status is None:
        return "no HTTP status line"
    if body is None:
        return f"payload over {limit} bytes"
    declared = headers.get_header("content-length") or ""
    plain = not headers.get_header("content-encoding") and not headers.get_header(
        "transfer-encoding"
    )
    if plain and declared.isdigit() and len(body) < int(declared):
        return f"truncated payload: {len(body)} of {declared} bytes"
    return None


def _cut_short(raw_stream: io.RawIOBase) -> bool:
    """Whether the file ended before the record's declared length."""
    while raw_stream.read(BUFF_SIZE):
        pass
    return isinstance(raw_stream, LimitReader) and raw_stream.limit > 0


def _redacted(url: str | None) -> str | None:
    return redact(url) if url else url


def _damaged(raw_ref: str, detail: str) -> ArchivedResponse:
    log.warning("%s: %s", raw_ref, detail)
    return ArchivedResponse("", None, [], None, None, "", raw_ref, detail)


def _stored_headers(headers: Sequence[tuple[str, str]], length: int) -> list[tuple[str, str]]:
    stored = []
    for name, value in headers:
        if name.lower() in _REWRITTEN:
            stored.append((f"X-Archive-Orig-{name}", value))
        else:
            stored.append((name, value))
    stored.append(("Content-Length", str(length)))
    return stored


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _status(code: str | None) -> int | None:
    return int(code) if code and code.isdigit() else None


def _warc_date(when: dt.datetime) -> str:
    if when.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_warc_date(value: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat((value or "").replace("Z", "+00:00"))
    except ValueError:
        return None
