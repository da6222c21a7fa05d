"""Shared fixtures. Airflow gets its own throwaway home before anything imports it."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_ARCHIVE = ROOT / "include" / "sample_archive"
SHARED = ROOT.parent / "shared"

_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="newsflow-test-airflow-"))
atexit.register(shutil.rmtree, _AIRFLOW_HOME, ignore_errors=True)
os.environ.update(
    AIRFLOW_HOME=str(_AIRFLOW_HOME),
    AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "dags"),
    AIRFLOW__CORE__PLUGINS_FOLDER=str(ROOT / "plugins"),
    AIRFLOW__CORE__LOAD_EXAMPLES="False",
    AIRFLOW__CORE__UNIT_TEST_MODE="False",
)
# The DAG files import dags/_common.py; Airflow puts the DAGs folder (the bundle) on
# sys.path before it parses them, and so must tests that parse them with DagBag.
sys.path.append(str(ROOT / "dags"))


#: The DuckDB CLI pinned with the package's DuckDB (``duckdb-cli``), as analysts run it.
DUCKDB_CLI = Path(sys.executable).with_name("duckdb")

#: How an analyst may hold the lake open while runs publish (see :func:`hold_catalog_open`).
ANALYST_HABITS = ("cli-idle", "cli-transaction", "python-unread-result")

_PYTHON_ANALYST = (
    "import duckdb, sys, time; con = duckdb.connect(); con.execute(open(sys.argv[1]).read()); "
    "result = con.execute('SELECT count(*) FROM articles'); "  # read, never fetched to the end
    "print('open', result.fetchone()[0], flush=True); time.sleep(600)"
)


def hold_catalog_open(root: Path, habit: str = "cli-transaction") -> subprocess.Popen:
    """An analyst's process with the lake at ``root`` open through ``attach.sql``, until killed.

    ``habit``: ``cli-idle``, the DuckDB CLI between two queries;
    ``cli-transaction``, the CLI inside ``BEGIN TRANSACTION`` after a query (a
    consistent view over several queries); ``python-unread-result``, Python
    with a query result not read to the end (``fetchone``). Returns once the
    analyst has read ``articles``.
    """
    attach = root / "attach.sql"
    if habit == "python-unread-result":
        holder = subprocess.Popen(
            [sys.executable, "-c", _PYTHON_ANALYST, str(attach)], stdout=subprocess.PIPE, text=True
        )
    else:
        holder = subprocess.Popen(
            [str(DUCKDB_CLI), "-init", str(attach), "-csv", "-noheader"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        begin = "BEGIN TRANSACTION;\n" if habit == "cli-transaction" else ""
        holder.stdin.write(f"{begin}SELECT 'open', count(*) FROM articles;\n")
        holder.stdin.flush()  # stdin stays open: the session goes on
    line = holder.stdout.readline().strip()
    assert line.replace(",", " ").split()[0] == "open", line
    return holder


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """A migrated SQLite metadata database in the test Airflow home."""
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        check=True,
        capture_output=True,
        env=os.environ.copy(),
    )
    return _AIRFLOW_HOME


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty warehouse root that the pipeline (and Airflow tasks) write into."""
    root = tmp_path / "warehouse"
    monkeypatch.setenv("NEWSFLOW_WAREHOUSE", str(root))
    return root


def article_html(
    *,
    title: str,
    paragraphs: list[str],
    author: str = "Jane Roe",
    published: str = "2026-11-16",
    canonical: str | None = None,
    extra: str = "",
) -> str:
    """A news page the way a CMS renders one, with the usual boilerplate around it."""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return textwrap.dedent(f"""\
        <!doctype html><html lang="en"><head><meta charset="utf-8">
        <title>{title} | The Test Gazette</title>{link}
        <meta name="author" content="{author}">
        <meta property="article:published_time" content="{published}T07:30:00Z">
        </head><body>
        <div class="cookie-banner">We use cookies to improve your experience. Accept all</div>
        <nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
        <li><a href="/sport">Sport</a></li></ul></nav>
        <article><h1>{title}</h1><p class="byline">By {author}</p>
        <ul class="share"><li><a href="#">Share on Facebook</a></li>
        <li><a href="#">Share on X</a></li></ul>
        {body}
        {extra}
        <aside><h3>Also read</h3><ul><li><a href="/x">Ferry timetable changes again</a></li>
        </ul></aside></article>
        <section class="comments"><h3>Leave a comment</h3><form><textarea></textarea>
        <button>Post comment</button></form></section>
        <footer><p>© 2026 The Test Gazette. All rights reserved.</p></footer>
        </body></html>""")


STORY = [
    "Mayor Elena Marchetti announced on Monday that the city of Lisbon will rebuild "
    "the old harbour bridge, closed since a storm damaged it in the spring.",
    "The project, estimated at 40 million euros, will be financed by the European "
    "Investment Bank and the city council, Marchetti told reporters at the town hall.",
    "Engineers from the Northwind Shipping Company inspected the structure last week "
    "and found that two of its four pillars had been weakened by the tides.",
    "Residents of the Alfama district have complained for months about the detour, "
    "which adds twenty minutes to the trip between the ferry terminal and the market.",
    "Work is due to start in January and to last eighteen months, during which a "
    "temporary footbridge will carry pedestrians across the channel.",
    "Opposition councillor Tomas Ferreira welcomed the decision but said the city "
    "should publish the full inspection report before the first contract is signed.",
]


@pytest.fixture
def make_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Write a one-source archive ``{date: {filename: content}}`` and point the registry at it."""

    def make(pages: dict[str, dict[str, bytes | str]], source_id: str = "gazette") -> Path:
        root = tmp_path / "archive"
        for date, files in pages.items():
            folder = root / f"source={source_id}" / f"date={date}"
            folder.mkdir(parents=True, exist_ok=True)
            for name, content in files.items():
                data = content.encode("utf-8") if isinstance(content, str) else content
                (folder / name).write_bytes(data)
        registry = tmp_path / "sources.yaml"
        registry.write_text(
            f"sources:\n  - id: {source_id}\n    name: Test Gazette\n    kind: archive\n"
            f"    path: archive/source={source_id}\n"
        )
        monkeypatch.setenv("NEWSFLOW_SOURCES", str(registry))
        return root

    return make
