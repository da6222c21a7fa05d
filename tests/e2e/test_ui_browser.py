"""The News page in a real browser, on a real api-server, over the sample warehouse.

``airflow dags test`` runs news_daily once per sample-archive date (as
``make run`` does), so the warehouse holds the sample data *and* the metadata
database holds the DAG runs that wrote it: the page's run links lead to real
run pages. A real ``airflow api-server`` then serves the UI with the plugin
loaded from ``plugins/``; headless Chromium (Debian's, driven by Playwright)
opens the News entry of the UI, checks that both charts were drawn with the
sample's sources and dates, and saves screenshots under ``test-artifacts/``.

Chromium comes from ``tools/install-test-tools.sh`` (``make test`` runs it); the
test fails, rather than skips, without it, so a missing browser is never a
silent green.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from support.paths import ROOT

pytestmark = pytest.mark.slow

SOURCES = ("daily-planet", "harbor-herald", "northwind-wire")
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(args)}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done.stdout


def wait_until_healthy(url: str, server: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(
                f"api-server exited ({server.returncode}):\n{log.read_text()[-3000:]}"
            )
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise TimeoutError(f"api-server not healthy after {timeout:.0f}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An Airflow home of its own, with the sample warehouse written by real news_daily runs."""
    tmp = tmp_path_factory.mktemp("news-ui")
    port = free_port()
    env = os.environ.copy()
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}",
        AIRFLOW_HOME=str(tmp / "airflow"),
        AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "dags"),
        AIRFLOW__CORE__PLUGINS_FOLDER=str(ROOT / "plugins"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS="True",
        AIRFLOW__API__HOST="127.0.0.1",
        AIRFLOW__API__PORT=str(port),
        AIRFLOW__API_AUTH__JWT_SECRET=secrets.token_hex(16),
        NEWSFLOW_SOURCES=str(ROOT / "include" / "sources.yaml"),
        NEWSFLOW_WAREHOUSE=str(tmp / "warehouse"),
    )
    run(env, "airflow", "db", "migrate")
    run(env, "airflow", "pools", "import", str(ROOT / "include" / "pools.json"))
    # A manual run's data interval is the whole day before its logical date.
    for day in run(env, "newsflow", "sources", "--dates").split():
        logical = dt.date.fromisoformat(day) + dt.timedelta(days=1)
        run(env, "airflow", "dags", "test", "news_daily", logical.isoformat())
    return env


@pytest.fixture(scope="module")
def api_server(airflow_env: dict[str, str]) -> Iterator[str]:
    """A running ``airflow api-server`` with the plugin; yields its base URL."""
    base = f"http://127.0.0.1:{airflow_env['AIRFLOW__API__PORT']}"
    log = Path(airflow_env["AIRFLOW_HOME"]) / "api-server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            ["airflow", "api-server"],
            env=airflow_env,
            start_new_session=True,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_healthy(f"{base}/api/v2/monitor/health", server, log, timeout=180)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail(
            "Debian's chromium is not installed: run `bash tools/install-test-tools.sh` "
            "(as root; `make test` does it first)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def page_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_news_page_draws_charts_from_the_sample_warehouse(browser: Browser, api_server: str):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1440, "height": 1000})

    # The News entry of the Airflow UI shows the page inside the UI.
    ui = context.new_page()
    ui_errors = page_errors(ui)
    ui.goto(f"{api_server}/plugin/news")
    frame = ui.frame_locator("iframe")
    expect(frame.locator("#volume-chart path.series")).to_have_count(len(SOURCES), timeout=60_000)
    expect(ui.get_by_role("link", name="News")).to_be_visible()
    ui.screenshot(path=ARTIFACTS / "news-in-airflow.png")

    # The page on its own, as the iframe loads it (same login cookie).
    page = context.new_page()
    errors = page_errors(page)
    page.goto(f"{api_server}/newsflow/")
    volume = page.locator("#volume-chart")
    expect(volume.locator("path.series")).to_have_count(len(SOURCES))
    assert sorted(
        volume.locator("path.series").evaluate_all("ps => ps.map(p => p.dataset.source)")
    ) == list(SOURCES)
    dates = volume.locator("text.x-tick").all_text_contents()
    assert len(dates) == 3, dates
    expect(volume.locator("circle.point")).to_have_count(len(SOURCES) * len(dates))
    assert volume.locator("text.legend-label").all_text_contents() == list(SOURCES)
    assert "articles" in volume.locator("text.axis-title").all_text_contents()

    # The entity trend: the top entity first, then another one picked in the select box.
    entity = page.locator("#entity-chart")
    expect(entity.locator("path.series")).to_have_count(len(SOURCES))
    top = page.locator("#top-entities a.entity-link")
    assert top.count() >= 5
    expect(page.locator("#entity-title")).to_contain_text(top.first.inner_text())
    second = page.locator("#entity-select option").nth(1).get_attribute("value")
    page.select_option("#entity-select", second)
    expect(page.locator("#entity-title")).to_contain_text(f"“{second}”")
    assert f"entity={second.replace(' ', '+')}" in page.url
    assert entity.locator("circle.point").count() >= 1

    # Every partition links to the news_daily run that wrote it.
    rows = page.locator("#partitions tbody tr")
    expect(rows).to_have_count(len(SOURCES) * len(dates))
    links = page.locator("#partitions a.run-link")
    expect(links).to_have_count(len(SOURCES) * len(dates))
    href = links.first.evaluate("a => a.href")
    assert href.startswith(f"{api_server}/dags/news_daily/runs/manual__"), href
    page.screenshot(path=ARTIFACTS / "news-page.png", full_page=True)

    run_id = links.first.inner_text()
    links.first.click()
    page.wait_for_url(f"{api_server}/dags/news_daily/runs/**")
    expect(page.get_by_text(run_id).first).to_be_visible(timeout=30_000)

    assert errors == [] and ui_errors == [], errors + ui_errors
    context.close()
