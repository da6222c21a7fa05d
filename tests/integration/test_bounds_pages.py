"""Bounds on what one page and one partition may cost, tried as a hostile site or a huge
archive would: a page of a million table cells in a real ``newsflow run`` (its peak memory
measured by the kernel), and a web partition whose extraction runs out of time while its
raw archive is rewritten between runs. Figures print with ``pytest -s``."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsflow.acquire.warc import read_response_at
from newsflow.config import Settings
from newsflow.jobs.daily import run_partition
from newsflow.text.extract import MAX_MARKUP
from newsflow.warehouse import layout, queries
from support.pages import STORY, article_html
from support.processes import run_with_peak_rss
from support.webserver import NewsServer, Reply

DAY = "2026-11-16"
HTML = (("Content-Type", "text/html; charset=utf-8"),)
#: The issue's bound on a run's peak memory, whatever its pages.
PEAK_RSS_LIMIT_MB = 1500


def table_page(cells: int) -> bytes:
    """Legal HTML that is all markup: a table of ``cells`` cells (end tags are optional)."""
    row = "<tr>" + "<td>7" * 10
    return ("<!doctype html><html><body><table>" + row * (cells // 10) + "</table>").encode()


def rows(sql: str) -> list[tuple]:
    with queries.analyst(Settings.from_env().lake()) as con:
        return con.execute(sql).fetchall()


def test_a_million_cell_page_costs_a_run_little_time_and_memory(make_archive, warehouse, tmp_path):
    """Before the markup bound: 21 s and 675 MB for this page alone, then extract/timeout."""
    table = table_page(1_000_000)
    assert len(table) < int(os.environ.get("NEWSFLOW_MAX_PAGE_BYTES", 10_000_000))
    bridge = article_html(title="Bridge", paragraphs=STORY, canonical="https://g.example/b")
    make_archive({DAY: {"table.html": table, "bridge.html": bridge}})
    output = tmp_path / "run.log"
    command = [sys.executable, "-m", "newsflow.cli", "run", "--source", "gazette", "--date", DAY]
    started = time.perf_counter()
    with output.open("wb") as log:
        returncode, peak_kb = run_with_peak_rss(command, stdout=log, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - started
    assert returncode == 0, output.read_text()[-3000:]

    peak_mb = peak_kb / 1024  # KiB on Linux
    [(reason, detail)] = rows("SELECT reason, detail FROM rejects")
    [(articles, extract_seconds)] = rows("SELECT articles, seconds_extract FROM runs")
    print(
        f"\n1M-cell page ({len(table)} bytes, {table.count(b'<')} '<'): newsflow run "
        f"{wall:.1f} s wall, extract {extract_seconds:.2f} s for both pages, "
        f"peak RSS {peak_mb:.0f} MB; reject: {reason}: {detail}"
    )
    assert (reason, articles) == ("too_complex", 1)
    assert f"(> {MAX_MARKUP})" in detail
    assert extract_seconds < 2.0
    assert peak_mb < PEAK_RSS_LIMIT_MB


def rss(links: list[str]) -> Reply:
    items = "".join(
        f"<item><title>t</title><link>{link}</link>"
        "<pubDate>Mon, 16 Nov 2026 08:00:00 GMT</pubDate></item>"
        for link in links
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
    return Reply(200, body.encode(), (("Content-Type", "application/rss+xml"),))


@pytest.fixture
def site(news_server: NewsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> NewsServer:
    """A feed of four stories on DAY; a registry pointing at it; one batch per run."""
    for name in "abcde":
        news_server.routes[f"/{name}"] = Reply(
            200, article_html(title=f"Story {name}", paragraphs=STORY).encode(), HTML
        )
    news_server.routes["/rss.xml"] = rss([news_server.url(f"/{n}") for n in "abcd"])
    registry = tmp_path / "sources.yaml"
    registry.write_text(
        "sources:\n  - id: gazette\n    name: Gazette\n    kind: feed\n"
        f"    url: {news_server.url('/rss.xml')}\n"
    )
    monkeypatch.setenv("NEWSFLOW_SOURCES", str(registry))
    monkeypatch.setenv("NEWSFLOW_WAREHOUSE", str(tmp_path / "warehouse"))
    monkeypatch.setenv("NEWSFLOW_ALLOW_HOSTS", "127.0.0.1")
    monkeypatch.setenv("NEWSFLOW_HTTP_DELAY", "0")
    monkeypatch.setenv("NEWSFLOW_HTTP_RETRIES", "0")
    monkeypatch.setenv("NEWSFLOW_PAGE_BATCH_SIZE", "2")
    monkeypatch.setenv("NEWSFLOW_PARTITION_TIME_BUDGET", "0.001")  # spent by the first batch
    return news_server


def test_pages_a_cut_run_kept_are_found_again_after_a_fetch_rewrote_the_archive(site):
    """A fetch writes new pages first, so every earlier page's raw_ref (an offset) moves:
    the kept rows are matched by URL and named by the offset the page has now."""
    run_partition("gazette", DAY)
    first = sorted(url for (url,) in rows("SELECT url FROM articles"))
    assert len(first) == 2
    assert rows("SELECT pages_deferred FROM runs") == [(2,)]

    site.routes["/rss.xml"] = rss([site.url(f"/{n}") for n in "abcde"])  # one more story
    run_partition("gazette", DAY)

    published = dict(rows("SELECT url, raw_ref FROM articles"))
    assert set(first) < set(published) and len(published) == 4
    assert site.url("/e") in published  # new pages come first, with those never extracted
    warc = layout.raw_archive(Settings.from_env().warehouse, "gazette", dt.date(2026, 11, 16))
    for url, raw_ref in published.items():
        assert read_response_at(warc, raw_ref).requested_url in (url, None)
        assert read_response_at(warc, raw_ref).url == url
    deferred = rows("SELECT pages_deferred FROM runs ORDER BY finished_at")
    assert deferred == [(2,), (3,)]  # one never extracted, two kept
