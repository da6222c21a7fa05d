"""Content codings (gzip, deflate, brotli) decoded as a stream, with a cap.

A body from the open web, or from an archive someone else wrote, may be a
bomb: a few KiB that inflate to gigabytes. Each decoder here counts what it
has produced and asks the decompressor for no more than one byte past the
cap, so the cap holds however the input is built. The caller names the cap:
the HTTP client its ``max_body_bytes`` (:mod:`newsflow.acquire.http.client`),
the WARC reader its ``max_body_bytes`` (default
:data:`newsflow.acquire.warc.MAX_PAYLOAD_BYTES`).

A failure raises :class:`UndecodableBody`, whose ``reason`` is one of
``too_large``, ``decode`` or ``unsupported_encoding``: the HTTP client turns
it into a fetch failure of that reason, the WARC reader into a damaged record.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from typing import Protocol

import brotli


class UndecodableBody(ValueError):
    """A body over its cap, damaged, or in a coding not decoded here."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class Decoder(Protocol):
    """Fed the body chunk by chunk; returns what each chunk decodes to."""

    def feed(self, data: bytes) -> bytes: ...

    def finish(self) -> bytes: ...


def decoder_for(content_encoding: str | None, limit: int) -> Decoder:
    """The decoder for a ``Content-Encoding`` value that refuses to grow past ``limit``."""
    coding = (content_encoding or "identity").strip().lower()
    if coding in ("identity", ""):
        return _Identity(limit)
    if coding in ("gzip", "x-gzip", "deflate"):
        return _Zlib(limit, gzip=coding != "deflate")
    if coding == "br":
        return _Brotli(limit)
    raise UndecodableBody("unsupported_encoding", f"Content-Encoding {coding!r}")


def decode_all(chunks: Iterable[bytes], *, content_encoding: str | None, limit: int) -> bytes:
    """The whole decoded body of ``chunks``; raises :class:`UndecodableBody`."""
    decoder = decoder_for(content_encoding, limit)
    parts = [decoder.feed(chunk) for chunk in chunks]
    parts.append(decoder.finish())
    return b"".join(parts)


class _Limited:
    """Counts decoded bytes and refuses to grow past ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0

    def room(self) -> int:
        return self.limit - self.size + 1

    def take(self, data: bytes) -> bytes:
        self.size += len(data)
        if self.size > self.limit:
            raise UndecodableBody("too_large", f"decompressed body over {self.limit} bytes")
        return data


class _Identity(_Limited):
    def feed(self, data: bytes) -> bytes:
        return self.take(data)

    def finish(self) -> bytes:
        return b""


class _Zlib(_Limited):
    """gzip or deflate (zlib-wrapped or, as some servers send it, raw)."""

    def __init__(self, limit: int, *, gzip: bool) -> None:
        super().__init__(limit)
        self.gzip = gzip
        self.obj: zlib._Decompress | None = None

    def feed(self, data: bytes) -> bytes:
        if self.obj is None:
            self.obj = zlib.decompressobj(self._wbits(data))
        out = []
        try:
            while data:
                out.append(self.take(self.obj.decompress(data, self.room())))
                data = self.obj.unconsumed_tail
        except zlib.error as e:
            raise UndecodableBody("decode", f"bad compressed body: {e}") from e
        return b"".join(out)

    def _wbits(self, first: bytes) -> int:
        if self.gzip:
            return zlib.MAX_WBITS | 16
        zlib_header = (
            len(first) >= 2 and first[0] & 0x0F == 8 and (first[0] << 8 | first[1]) % 31 == 0
        )
        return zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS

    def finish(self) -> bytes:
        if self.obj is not None and not self.obj.eof:
            raise UndecodableBody("decode", "truncated compressed body")
        return b""


class _Brotli(_Limited):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.obj = brotli.Decompressor()

    def feed(self, data: bytes) -> bytes:
        try:
            out = [self.take(self.obj.process(data, output_buffer_limit=self.room()))]
            while not self.obj.can_accept_more_data():
                out.append(self.take(self.obj.process(b"", output_buffer_limit=self.room())))
        except brotli.error as e:
            raise UndecodableBody("decode", f"bad brotli body: {e}") from e
        return b"".join(out)

    def finish(self) -> bytes:
        if not self.obj.is_finished():
            raise UndecodableBody("decode", "truncated brotli body")
        return b""
