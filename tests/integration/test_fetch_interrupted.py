"""A web partition's fetch is a transaction: stopped, retried or run twice at once,
it loses no page.

Airflow stops a task with SIGTERM (a timeout, a cleared task, a worker shut
down) and raises ``AirflowTaskTerminated`` inside it; then it retries the
task. Two runs of one partition can overlap (a manual ``newsflow run``
beside the scheduled one). The pages here answer 304 to their own ETag, as
real servers do, so a validator remembered for a page the raw archive does
not hold would lose that page for good if it were believed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsflow.acquire.urls import canonical_or_none
from newsflow.acquire.warc import read_responses
from newsflow.config import Settings
from newsflow.jobs.daily import run_partition
from newsflow.warehouse import commit, layout, queries
from support.bigsite import story
from support.pages import article_html
from support.paths import ROOT
from support.webserver import NewsServer, Reply, Route, Seen

DAY = dt.date(2026, 11, 16)
PAGES = [f"story-{n:02d}" for n in range(1, 11)]
HTML = (("Content-Type", "text/html; charset=utf-8"),)
#: Airflow's SIGTERM handler, in a child that runs news_daily's fetch task.
FETCH_TASK = """
import signal, sys
from newsflow.jobs.daily import fetch_partition

class TaskTerminated(Exception):
    '''What Airflow raises in a task told to stop (AirflowTaskTerminated).'''

def terminate(signum, frame):
    raise TaskTerminated(f"signal {signum}")

signal.signal(signal.SIGTERM, terminate)
fetch_partition(sys.argv[1], sys.argv[2])
"""


def etag(slug: str) -> str:
    return f'"{slug}-v1"'


def page_route(slug: str, *, delay: float) -> Route:
    """The page, or a 304 to a request that names its ETag."""
    body = article_html(title=f"Story {slug}", paragraphs=story(slug)).encode()

    def answer(request: Seen) -> Reply:
        if request.headers.get("If-None-Match") == etag(slug):
            return Reply(304, b"", (("ETag", etag(slug)),), delay=delay)
        return Reply(200, body, (*HTML, ("ETag", etag(slug))), delay=delay)

    return answer


@pytest.fixture
def paper(news_server: NewsServer, tmp_path: Path) -> tuple[NewsServer, dict[str, str]]:
    """A feed of ten pages of DAY, each served 0.3 s late; the environment of runs on it."""
    items = "".join(
        f"<item><title>{slug}</title><link>{news_server.url('/' + slug)}</link>"
        "<pubDate>Mon, 16 Nov 2026 08:00:00 GMT</pubDate></item>"
        for slug in PAGES
    )
    news_server.routes["/rss.xml"] = Reply(
        200, f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode()
    )
    news_server.routes["/robots.txt"] = Reply(404)
    news_server.routes.update({f"/{slug}": page_route(slug, delay=0.3) for slug in PAGES})
    registry = tmp_path / "sources.yaml"
    registry.write_text(
        "sources:\n  - id: paper\n    name: Paper\n    kind: feed\n"
        f"    url: {news_server.url('/rss.xml')}\n"
    )
    env = {
        "NEWSFLOW_SOURCES": str(registry),
        "NEWSFLOW_WAREHOUSE": str(tmp_path / "warehouse"),
        "NEWSFLOW_ALLOW_HOSTS": "127.0.0.1",
        "NEWSFLOW_HTTP_DELAY": "0",
        "NEWSFLOW_HTTP_RETRIES": "0",
    }
    return news_server, env


def child_env(env: dict[str, str]) -> dict[str, str]:
    """A child's environment: this process's, its settings only ``env``, with the package
    and the tests importable."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    path = os.pathsep.join([str(ROOT / "include"), str(ROOT / "tests")])
    return {**inherited, **env, "PYTHONPATH": path}


def page_requests(server: NewsServer) -> list[Seen]:
    with server.lock:
        return [r for r in server.seen if r.path.removeprefix("/") in PAGES]


def bodies_served(server: NewsServer) -> int:
    """Page requests answered 200 (the others named the page's ETag: 304)."""
    return sum(
        1 for r in page_requests(server) if r.headers.get("If-None-Match") != etag(r.path[1:])
    )


def published(settings: Settings) -> list[str]:
    """Canonical URLs of the partition's articles."""
    with queries.analyst(settings.lake()) as con:
        found = con.execute(
            "SELECT canonical_url FROM articles WHERE source = 'paper' AND date = ?", [DAY]
        ).fetchall()
    return sorted(url for (url,) in found)


def archived_pages(settings: Settings) -> list[str | None]:
    """Canonical URLs of the raw archive's 200 responses; fails on a damaged record."""
    archive = layout.raw_archive(settings.warehouse, "paper", DAY)
    records = list(read_responses(archive))
    assert [r.detail for r in records if r.detail] == []
    return sorted(canonical_or_none(r.url) for r in records if r.status == 200)


def remembered_pages(settings: Settings) -> set[str | None]:
    """Pages whose ETag the HTTP state keeps (the feed's own left out)."""
    state = layout.http_state(settings.warehouse, "paper")
    if not state.exists():
        return set()
    urls = json.loads(state.read_text())["urls"]
    return {canonical_or_none(url) for url in urls if not url.endswith("/rss.xml")}


def test_a_fetch_stopped_by_sigterm_and_retried_loses_no_page(paper):
    server, env = paper
    settings = Settings.from_env(env)
    every_page = sorted(canonical_or_none(server.url(f"/{slug}")) for slug in PAGES)
    task = subprocess.Popen(
        [sys.executable, "-c", FETCH_TASK, "paper", DAY.isoformat()],
        env=child_env(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while len(page_requests(server)) < 4:  # some pages got, the others to come
        assert task.poll() is None, task.stderr.read().decode()[-2000:]
        assert time.monotonic() < deadline, "the fetch never reached the pages"
        time.sleep(0.01)
    task.send_signal(signal.SIGTERM)
    _, stderr = task.communicate(timeout=60)
    assert task.returncode != 0 and b"TaskTerminated" in stderr, stderr.decode()[-2000:]
    assert len(page_requests(server)) < len(PAGES), "SIGTERM came after the fetch ended"
    # what the stopped fetch left: validators only for pages its raw archive holds
    archive = layout.raw_archive(settings.warehouse, "paper", DAY)
    held = set(archived_pages(settings)) if archive.exists() else set()
    remembered = remembered_pages(settings)

    retried = run_partition("paper", DAY, settings=settings)  # Airflow's retry

    assert published(settings) == every_page and retried["articles"] == len(PAGES)
    assert archived_pages(settings) == every_page
    assert sorted(remembered - held) == [], "validators kept for pages never archived"

    served = bodies_served(server)
    third = run_partition("paper", DAY, settings=settings)
    assert third["articles"] == len(PAGES) and published(settings) == every_page
    assert bodies_served(server) == served  # skipped, or answered 304


def test_two_runs_of_one_partition_at_once_both_finish_with_every_page(paper):
    server, env = paper
    settings = Settings.from_env(env)
    command = [sys.executable, "-m", "newsflow.cli", "run", "--source", "paper"]
    runs = [
        subprocess.Popen(
            [*command, "--date", DAY.isoformat()],
            env=child_env(env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    errors = "\n".join(run.communicate(timeout=300)[1].decode()[-1500:] for run in runs)

    assert [run.returncode for run in runs] == [0, 0], errors
    every_page = sorted(canonical_or_none(server.url(f"/{slug}")) for slug in PAGES)
    assert published(settings) == every_page
    assert archived_pages(settings) == every_page  # readable, each page once
    source_files = layout.http_state(settings.warehouse, "paper").parent
    assert sorted(p.name for p in source_files.rglob(".*")) == []  # no temp file left
    with queries.analyst(settings.lake()) as con:
        partition = "WHERE source = 'paper' AND date = ?"
        assert con.execute(f"SELECT count(*) FROM rejects {partition}", [DAY]).fetchone() == (0,)
        assert con.execute(f"SELECT count(*) FROM runs {partition}", [DAY]).fetchone() == (2,)


def test_a_page_answering_304_that_the_archive_lacks_is_fetched_again(paper):
    server, env = paper
    settings = Settings.from_env(env)
    run_partition("paper", DAY, settings=settings)
    # the partition is lost (a restore, an operator's mistake); the validators are not
    layout.raw_archive(settings.warehouse, "paper", DAY).unlink()
    for table in ("articles", "rejects"):
        commit.replace_partition(settings.lake(), table, "paper", DAY, [])
    first = len(page_requests(server))

    result = run_partition("paper", DAY, settings=settings)

    assert result["articles"] == len(PAGES)
    again = page_requests(server)[first:]
    unconditional = {r.path for r in again if "If-None-Match" not in r.headers}
    assert unconditional == {f"/{slug}" for slug in PAGES}
