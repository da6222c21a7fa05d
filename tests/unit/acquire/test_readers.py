from __future__ import annotations

import datetime as dt

from newsflow.acquire import readers
from newsflow.acquire.pages import FolderPages, page_readers_for
from newsflow.acquire.rawstore import RawArchive
from newsflow.acquire.readers import FolderArchive
from newsflow.acquire.registry import Source

DAY = dt.date(2026, 11, 16)


def test_archive_fetcher_reads_pages_of_one_date_in_name_order(tmp_path):
    folder = tmp_path / "date=2026-11-16"
    folder.mkdir()
    (folder / "b.txt").write_text("second")
    (folder / "a.html").write_text("<p>first</p>")
    (folder / "a.json").write_text("{}")  # a sidecar, not a page
    (folder / ".hidden").write_text("x")
    (tmp_path / "date=2026-11-17").mkdir()
    (tmp_path / "date=junk").mkdir()
    source = Source(id="s", name="S", kind="archive", path=tmp_path)
    fetcher = FolderPages(source, max_page_bytes=100)

    pages = list(fetcher.pages(DAY))

    assert [p.raw_ref for p in pages] == ["date=2026-11-16/a.html", "date=2026-11-16/b.txt"]
    assert pages[0].body == b"<p>first</p>"
    assert {p.source for p in pages} == {"s"} and {p.date for p in pages} == {DAY}
    assert fetcher.dates() == [DAY, dt.date(2026, 11, 17)]
    assert list(fetcher.pages(dt.date(2026, 1, 1))) == []


def test_oversized_pages_are_not_read_whole_but_reported(tmp_path):
    folder = tmp_path / "date=2026-11-16"
    folder.mkdir()
    (folder / "huge.html").write_bytes(b"x" * 1000)
    source = Source(id="s", name="S", kind="archive", path=tmp_path)
    [page] = FolderPages(source, max_page_bytes=999).pages(DAY)
    assert page.body is None
    assert "larger than 999 bytes" in page.detail


def test_links_out_of_the_archive_are_reported_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("password")
    folder = tmp_path / "archive" / "date=2026-11-16"
    folder.mkdir(parents=True)
    (folder / "evil.txt").symlink_to(secret)
    (folder / "ok.txt").write_text("story")
    (folder / "same.txt").symlink_to(folder / "ok.txt")  # a link inside the archive is fine
    source = Source(id="s", name="S", kind="archive", path=tmp_path / "archive")

    evil, ok, same = FolderPages(source, max_page_bytes=100).pages(DAY)

    assert evil.body is None and evil.reason == "outside_archive"
    assert "password" not in (evil.detail or "")
    assert ok.body == same.body == b"story"


def test_partitions_are_read_from_the_folder_and_the_raw_archive(tmp_path):
    raw = RawArchive(tmp_path / "pages.warc.gz", tmp_path / "failures.jsonl", "raw/x")
    web = Source(id="s", name="S", kind="feed", url="https://example.org/rss")
    folder = Source(id="s", name="S", kind="archive", path=tmp_path)
    assert [type(f).__name__ for f in page_readers_for(web, max_page_bytes=10, raw=raw)] == [
        "RawArchivePages"
    ]
    assert [type(f).__name__ for f in page_readers_for(folder, max_page_bytes=10, raw=raw)] == [
        "FolderPages",
        "RawArchivePages",
    ]
    [reader] = page_readers_for(web, max_page_bytes=10, raw=raw)
    assert list(reader.pages(DAY)) == []  # no file yet


def test_both_folder_readers_follow_one_rule_for_names(tmp_path):
    """Suffixes count whatever their case; a partition's other files are read (to be
    judged by their content), an import's are only counted."""
    folder = tmp_path / "date=2026-11-16"
    folder.mkdir()
    for name in ("a.HTML", "b.htm", "c.txt", "d.zip", "e.JSON", "f.md", "g.YML", ".h.html"):
        (folder / name).write_text("x")
    source = Source(id="s", name="S", kind="archive", path=tmp_path)

    daily = [p.raw_ref for p in FolderPages(source, max_page_bytes=100).pages(DAY)]
    archive = FolderArchive(tmp_path)
    imported = [r.ref for r in archive.records()]

    pages = ["date=2026-11-16/a.HTML", "date=2026-11-16/b.htm", "date=2026-11-16/c.txt"]
    assert daily == [*pages, "date=2026-11-16/d.zip"]
    assert imported == pages
    assert archive.skipped == {"not_a_page": 4}  # d.zip, f.md, g.YML, .h.html; e.JSON a sidecar


def test_folder_imports_read_no_page_past_the_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_PAYLOAD_BYTES", 100)
    (tmp_path / "big.html").write_bytes(b"x" * 101)
    (tmp_path / "ok.html").write_bytes(b"x" * 100)

    big, ok = FolderArchive(tmp_path).records()

    assert big.body is None and big.detail == "too_large: larger than 100 bytes"
    assert ok.body == b"x" * 100 and ok.detail is None


def test_a_jsonl_line_over_the_cap_is_a_reject_and_later_lines_keep_their_offsets(tmp_path):
    dump = tmp_path / "dump.jsonl"
    good = b'{"url": "https://example.org/a", "text": "story"}\n'
    endless = b'{"text": "' + b"x" * 5000 + b'"}\n'
    dump.write_bytes(good + endless + b"\n" + good)
    archive = readers.JsonlArchive(dump, max_line_bytes=1000)

    first, too_long, last = archive.records()

    assert first.body == last.body == b"story"
    assert too_long.body is None and too_long.detail == f"a line of {len(endless)} bytes (> 1000)"
    assert last.ref == str(len(good) + len(endless) + 1)
    assert archive.record_at(last.ref).body == b"story"
    assert archive.record_at(too_long.ref).detail == too_long.detail
