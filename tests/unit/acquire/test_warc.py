"""The raw WARC archive: round trips, stable raw_refs, atomic files, damaged input."""

from __future__ import annotations

import datetime as dt
import gzip
import io
from pathlib import Path

import brotli
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsflow.acquire.warc import WarcWriter, read_response_at, read_responses

FETCHED = dt.datetime(2026, 11, 16, 7, 30, 5, tzinfo=dt.UTC)
PAGE = "<html><body><p>Пример страницы — ünïcode</p></body></html>".encode()


def write_two(path: Path, **options: object) -> list[str]:
    with WarcWriter(path, **options) as writer:
        first = writer.write_response(
            url="https://gazette.example/a",
            status=200,
            headers=[
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Encoding", "gzip"),
                ("Content-Length", "17"),
                ("Set-Cookie", "a=1"),
                ("Set-Cookie", "b=2"),
            ],
            body=PAGE,
            fetched_at=FETCHED,
            request_headers=[("User-Agent", "newsflow-test"), ("Host", "gazette.example")],
        )
        second = writer.write_response(
            url="https://gazette.example/missing",
            status=404,
            headers=[("Content-Type", "text/plain")],
            body=b"not found",
            fetched_at=FETCHED + dt.timedelta(seconds=2),
        )
    return [first, second]


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "raw" / "gazette-2026-11-16.warc.gz"
    refs = write_two(path)
    first, second = list(read_responses(path))
    assert (first.url, first.status, first.body, first.detail) == (
        "https://gazette.example/a",
        200,
        PAGE,
        None,
    )
    assert first.fetched_at == FETCHED
    assert first.record_id.startswith("<urn:uuid:")
    assert [v for k, v in first.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    # the body is stored decoded, so the headers say so; the originals are kept
    names = {k.lower(): v for k, v in first.headers}
    assert "content-encoding" not in names and names["content-length"] == str(len(PAGE))
    assert names["x-archive-orig-content-encoding"] == "gzip"
    assert (second.status, second.body) == (404, b"not found")
    assert [first.raw_ref, second.raw_ref] == refs
    assert refs[0].startswith("raw/gazette-2026-11-16.warc.gz#")


def test_file_is_gzip_member_per_record_and_raw_refs_seek(tmp_path: Path) -> None:
    path = tmp_path / "p.warc.gz"
    refs = write_two(path, ref_name="raw/source=gazette/date=2026-11-16.warc.gz")
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    assert gzip.decompress(path.read_bytes()).startswith(b"WARC/1.0\r\nWARC-Type: warcinfo")
    assert refs[1].startswith("raw/source=gazette/date=2026-11-16.warc.gz#")
    second = read_response_at(path, refs[1])
    assert (second.url, second.raw_ref) == ("https://gazette.example/missing", refs[1])
    offset = int(refs[0].rpartition("#")[2])
    assert read_response_at(path, offset).body == PAGE


def test_request_records_are_written_but_skipped_on_read(tmp_path: Path) -> None:
    path = tmp_path / "p.warc.gz"
    write_two(path)
    raw = gzip.decompress(path.read_bytes())
    assert raw.count(b"WARC-Type: request") == 1
    assert b"GET /a HTTP/1.1" in raw and b"WARC-Concurrent-To" in raw
    assert len(list(read_responses(path))) == 2


def test_plain_warc(tmp_path: Path) -> None:
    path = tmp_path / "p.warc"
    write_two(path)
    assert path.read_bytes().startswith(b"WARC/1.0")
    assert [r.status for r in read_responses(path)] == [200, 404]


def test_written_atomically(tmp_path: Path) -> None:
    path = tmp_path / "p.warc.gz"
    write_two(path)
    before = path.read_bytes()
    writer = WarcWriter(path)
    writer.write_response(
        url="https://x.example/", status=200, headers=[], body=b"new", fetched_at=FETCHED
    )
    assert path.read_bytes() == before  # readers still see the old archive
    temp, final = sorted(p.name for p in tmp_path.iterdir())
    assert (temp.startswith(".p.warc.gz."), temp.endswith(".part"), final) == (
        True,
        True,
        "p.warc.gz",
    )
    writer.close()
    assert [r.body for r in read_responses(path)] == [b"new"]
    assert [p.name for p in tmp_path.iterdir()] == ["p.warc.gz"]


def test_two_writers_of_one_file_never_share_a_temp_file(tmp_path: Path) -> None:
    """Two runs of one partition at once: each writes its own temp file; the file
    ends up whole, as one or the other wrote it."""
    path = tmp_path / "p.warc.gz"
    first, second = WarcWriter(path), WarcWriter(path)
    for writer, body in ((first, b"one"), (second, b"two")):
        writer.write_response(
            url="https://x.example/", status=200, headers=[], body=body, fetched_at=FETCHED
        )
    first.close()
    second.close()
    assert [r.body for r in read_responses(path)] == [b"two"]


def test_failure_inside_the_block_keeps_the_old_archive(tmp_path: Path) -> None:
    path = tmp_path / "p.warc.gz"
    write_two(path)
    before = path.read_bytes()
    with pytest.raises(RuntimeError), WarcWriter(path) as writer:
        writer.write_response(
            url="https://x.example/", status=200, headers=[], body=b"x", fetched_at=FETCHED
        )
        raise RuntimeError("fetch task died")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.warc.gz"]


def test_naive_fetch_time_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timezone"), WarcWriter(tmp_path / "p.warc.gz") as writer:
        writer.write_response(
            url="https://x.example/",
            status=200,
            headers=[],
            body=b"",
            fetched_at=dt.datetime(2026, 1, 1),
        )


def _foreign_warc(path: Path, records: list[tuple[str, list[tuple[str, str]], bytes]]) -> None:
    """A WARC written by another tool, with the payload as it came off the wire."""
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for url, headers, payload in records:
            http_headers = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(payload),
                length=len(payload),
                http_headers=http_headers,
            )
            writer.write_record(record)


def test_reads_chunked_and_compressed_payloads_of_other_tools(tmp_path: Path) -> None:
    chunked = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    path = tmp_path / "foreign.warc.gz"
    _foreign_warc(
        path,
        [
            ("https://o.example/gz", [("Content-Encoding", "gzip")], gzip.compress(PAGE)),
            ("https://o.example/br", [("Content-Encoding", "br")], brotli.compress(PAGE)),
            ("https://o.example/chunked", [("Transfer-Encoding", "chunked")], chunked),
        ],
    )
    bodies = {r.url: r.body for r in read_responses(path)}
    assert bodies == {
        "https://o.example/gz": PAGE,
        "https://o.example/br": PAGE,
        "https://o.example/chunked": b"hello world",
    }


def test_compressed_payloads_are_capped_while_decoded(tmp_path: Path) -> None:
    zeros = b"\0" * 5_000_000
    path = tmp_path / "bombs.warc.gz"
    _foreign_warc(
        path,
        [
            ("https://o.example/br", [("Content-Encoding", "br")], brotli.compress(zeros)),
            ("https://o.example/gz", [("Content-Encoding", "gzip")], gzip.compress(zeros)),
            ("https://o.example/cut", [("Content-Encoding", "br")], brotli.compress(PAGE)[:-4]),
        ],
    )
    results = {r.url: r for r in read_responses(path, max_body_bytes=1_000_000)}
    for bomb in ("https://o.example/br", "https://o.example/gz"):
        assert results[bomb].body is None
        assert results[bomb].detail == "payload over 1000000 bytes"
    cut = results["https://o.example/cut"]
    assert cut.body is None and (cut.detail or "").startswith("undecodable payload")


def test_body_limit(tmp_path: Path) -> None:
    path = tmp_path / "p.warc.gz"
    write_two(path)
    first, second = read_responses(path, max_body_bytes=20)
    assert first.body is None and "over 20 bytes" in (first.detail or "")
    assert second.body == b"not found" and second.detail is None


def test_truncated_archive_reports_an_error(tmp_path: Path) -> None:
    path = tmp_path / "p.warc.gz"
    write_two(path)
    data = path.read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: len(data) - 40])
    results = list(read_responses(cut))
    assert results[0].body == PAGE
    assert results[-1].detail is not None and results[-1].body is None


def test_garbage_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "junk.warc"
    path.write_bytes(b"this is not a WARC file at all\r\n\r\n")
    (only,) = list(read_responses(path))
    assert only.detail == "not a WARC record"
    bad_gzip = tmp_path / "junk.warc.gz"
    bad_gzip.write_bytes(b"\x1f\x8b" + b"garbage" * 10)
    (only,) = list(read_responses(bad_gzip))
    assert only.detail and only.detail.startswith("malformed WARC")


@pytest.mark.parametrize("suffix", [".warc", ".warc.gz"])
def test_any_truncation_is_reported_never_silently_wrong(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"p{suffix}"
    write_two(path)
    data = path.read_bytes()
    expected = {"https://gazette.example/a": PAGE, "https://gazette.example/missing": b"not found"}
    cut = tmp_path / f"cut{suffix}"
    for end in range(len(data) // 3, len(data), 3):
        cut.write_bytes(data[:end])
        for result in read_responses(cut):
            assert result.detail is not None or result.body == expected[result.url], end


def test_the_requested_url_of_a_redirected_fetch_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "r.warc.gz"
    with WarcWriter(path) as writer:
        for requested in ("https://gazette.example/old", "https://gazette.example/a"):
            writer.write_response(
                url="https://gazette.example/a",
                status=200,
                headers=[],
                body=PAGE,
                fetched_at=FETCHED,
                requested_url=requested,
            )
    redirected, direct = read_responses(path)
    assert redirected.requested_url == "https://gazette.example/old"
    assert direct.requested_url is None  # same as the target: nothing extra written
