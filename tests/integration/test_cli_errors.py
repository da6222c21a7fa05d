"""User errors through the real ``newsflow`` console script: one line, exit 2, no traceback.

Each bad input of the table runs in its own process, as a user types it: the
script the package installs (``.venv/bin/newsflow``), importing this tree.
What it must print is ``newsflow: error: <what is wrong>``, once, as the last
line on stderr (a run that got as far as logging its stages keeps those
lines above it); ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from newsflow.jobs.runs import as_date
from support.pages import STORY, article_html
from support.paths import ROOT
from support.processes import run_with_peak_rss

DAY = "2026-11-16"
NEWSFLOW = Path(sys.executable).with_name("newsflow")
PREFIX = "newsflow: error: "

REGISTRY = """sources:
  - id: gazette
    name: Gazette
    kind: archive
    path: archive/source=gazette
  - id: ghost
    name: Ghost
    kind: archive
    path: archive/source=ghost
"""


@dataclass(frozen=True)
class Case:
    """A command line, what it runs with, and what its one error line must say."""

    args: tuple[str, ...]
    says: str
    env: dict[str, str] = field(default_factory=dict)
    #: ``sources.yaml`` text instead of :data:`REGISTRY`.
    registry: str | None = None
    #: The command gets as far as logging its stages before it fails.
    logs: bool = False


#: ``{warehouse}`` is a lake with its tables (``warehouse init``), ``{empty}`` a folder
#: without one, ``{tmp}`` the case's folder.
CASES = {
    "unknown-source": Case(("run", "--source", "nope", "--date", DAY), "unknown source 'nope'"),
    "unknown-source-import": Case(
        ("import-archive", "{tmp}/archive", "--source", "nope"), "unknown source 'nope'"
    ),
    "unknown-source-reprocess": Case(("reprocess", "--source", "nope"), "unknown source 'nope'"),
    "date-with-garbage": Case(
        ("run", "--source", "gazette", "--date", "2026-11-16garbage"),
        "invalid date '2026-11-16garbage': expected YYYY-MM-DD",
    ),
    "date-not-iso": Case(
        ("reprocess", "--from", "16/11/2026"), "invalid date '16/11/2026': expected YYYY-MM-DD"
    ),
    "date-out-of-range": Case(
        ("run", "--source", "gazette", "--date", "2026-02-30"), "invalid date '2026-02-30'"
    ),
    "missing-option": Case(("run", "--source", "gazette"), "required: --date"),
    "missing-import-path": Case(
        ("import-archive", "{tmp}/nowhere.warc.gz", "--source", "gazette"),
        "no such file or folder: '{tmp}/nowhere.warc.gz'",
    ),
    "import-path-no-archive": Case(
        ("import-archive", "{tmp}/sources.yaml", "--source", "gazette"),
        "expected a folder, a .warc(.gz) file or a .jsonl dump",
    ),
    "sql-syntax": Case(("query", "SELEC 1"), 'syntax error at or near "SELEC"'),
    "sql-unknown-table": Case(("query", "SELECT * FROM nope"), "Table with name nope"),
    "sql-write": Case(("query", "DELETE FROM articles"), "only read statements"),
    "query-empty-warehouse": Case(
        ("query", "SELECT 1"), "warehouse {empty} has no catalog yet", {"W": "{empty}"}
    ),
    "summary-empty-warehouse": Case(("summary",), "has no catalog yet", {"W": "{empty}"}),
    "status-empty-warehouse": Case(("status",), "has no catalog yet", {"W": "{empty}"}),
    "registry-missing": Case(
        ("sources",),
        "cannot read source registry {tmp}/missing.yaml: No such file",
        {"NEWSFLOW_SOURCES": "{tmp}/missing.yaml"},
    ),
    "registry-malformed": Case(
        ("run", "--source", "gazette", "--date", DAY),
        "cannot read source registry {tmp}/sources.yaml: ",
        registry="sources: [\n",
    ),
    "registry-id-with-newline": Case(
        ("sources",),
        "{tmp}/sources.yaml: entry 1: invalid source id 'ab\\n'",
        registry="sources:\n  - id: |\n      ab\n    kind: archive\n    path: archive\n",
    ),
    "registry-urls-as-a-string": Case(
        ("sources",),
        "{tmp}/sources.yaml: source ab: 'urls' must be a list of URLs",
        registry="sources:\n  - id: ab\n    kind: urls\n    urls: https://news.example/a\n",
    ),
    "registry-path-not-a-string": Case(
        ("sources",),
        "{tmp}/sources.yaml: source ab: 'path' must be a string",
        registry="sources:\n  - id: ab\n    kind: archive\n    path: [a, b]\n",
    ),
    "archive-folder-missing": Case(
        ("run", "--source", "ghost", "--date", DAY),
        "{tmp}/sources.yaml: source ghost: archive folder {tmp}/archive/source=ghost"
        " does not exist",
    ),
    "setting-not-a-number": Case(
        ("sources",),
        "NEWSFLOW_WORKERS: expected a whole number, got 'two'",
        {"NEWSFLOW_WORKERS": "two"},
    ),
    "setting-not-positive": Case(
        ("extract", "{tmp}/sources.yaml"),
        "NEWSFLOW_HTTP_TOTAL_TIMEOUT: expected a number greater than 0, got '0'",
        {"NEWSFLOW_HTTP_TOTAL_TIMEOUT": "0"},
    ),
    "setting-catalog": Case(
        ("status",),
        "NEWSFLOW_CATALOG: expected sqlite:PATH or postgres:DSN, got 'mysql:db'",
        {"NEWSFLOW_CATALOG": "mysql:db"},
    ),
    "os-error": Case(("warehouse", "init"), "{tmp}/sources.yaml", {"W": "{tmp}/sources.yaml"}),
    "ner-model-missing": Case(
        ("run", "--source", "gazette", "--date", DAY),
        "spaCy model 'no_such_model' is not installed",
        {"NEWSFLOW_NER_MODELS": "en=no_such_model"},
        logs=True,
    ),
}


@pytest.fixture(scope="module")
def lake_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse with the lake's tables and views, nothing published."""
    root = tmp_path_factory.mktemp("cli-errors") / "warehouse"
    done = newsflow("--warehouse", str(root), "warehouse", "init", env=clean_env())
    assert done.returncode == 0, done.stderr
    return root


def clean_env(**overrides: str) -> dict[str, str]:
    """This process's environment without its ``NEWSFLOW_*`` settings, importing this tree."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    path = os.pathsep.join(filter(None, [str(ROOT / "include"), env.get("PYTHONPATH")]))
    return {**env, "PYTHONPATH": path, "NEWSFLOW_WORKERS": "1", **overrides}


def newsflow(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(NEWSFLOW), *args], capture_output=True, text=True, env=env, timeout=300
    )


def prepare(case: Case, tmp_path: Path, lake_root: Path) -> tuple[list[str], dict[str, str]]:
    """The case's folder (registry, one archive page) and its command line and environment."""
    folder = tmp_path / "archive" / "source=gazette" / f"date={DAY}"
    folder.mkdir(parents=True)
    (folder / "a.html").write_text(article_html(title="Bridge", paragraphs=STORY))
    (tmp_path / "sources.yaml").write_text(case.registry or REGISTRY)
    names = {"tmp": str(tmp_path), "warehouse": str(lake_root), "empty": str(tmp_path / "empty")}
    env = {k: v.format(**names) for k, v in case.env.items()}
    settings = {
        "NEWSFLOW_SOURCES": str(tmp_path / "sources.yaml"),
        "NEWSFLOW_WAREHOUSE": env.pop("W", str(lake_root)),
        **env,
    }
    return [a.format(**names) for a in case.args], clean_env(**settings)


@pytest.mark.parametrize("name", CASES)
def test_a_user_error_is_one_line_and_exit_2(name, tmp_path, lake_root):
    case = CASES[name]
    args, env = prepare(case, tmp_path, lake_root)
    done = newsflow(*args, env=env)

    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.splitlines()
    errors = [line for line in lines if line.startswith(PREFIX)]
    assert len(errors) == 1 and lines[-1] == errors[0], done.stderr
    if not case.logs:
        assert lines == errors, done.stderr
    says = case.says.format(tmp=tmp_path, empty=tmp_path / "empty")
    assert says in errors[0], errors[0]
    assert done.stdout == ""


def test_an_archive_source_without_its_folder_publishes_nothing(tmp_path, lake_root):
    args, env = prepare(CASES["archive-folder-missing"], tmp_path, lake_root)
    assert newsflow(*args, env=env).returncode == 2
    done = newsflow("query", "SELECT count(*) AS n FROM runs WHERE source = 'ghost'", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["n", "0"]


def test_archive_dates_name_a_source_whose_folder_is_missing(tmp_path, lake_root):
    """``sources --dates`` (``make run``'s days) lists the other sources' dates and
    says which folder is missing, rather than leaving the source out unsaid."""
    _, env = prepare(CASES["archive-folder-missing"], tmp_path, lake_root)
    done = newsflow("sources", "--dates", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [DAY]
    assert "source ghost: archive folder" in done.stderr and "does not exist" in done.stderr


def test_debug_shows_the_traceback_instead(tmp_path, lake_root):
    args, env = prepare(CASES["unknown-source"], tmp_path, lake_root)
    done = newsflow("--debug", *args, env=env)
    assert done.returncode == 2
    assert done.stderr.startswith("Traceback (most recent call last):"), done.stderr
    assert "UnknownSource: unknown source 'nope'" in done.stderr
    assert PREFIX not in done.stderr


def test_extract_rejects_a_file_over_the_page_cap_without_reading_it(tmp_path):
    """A 1 GiB file (sparse) is a ``fetch/too_large`` line, read no further than the cap;
    a file at the cap is read. Memory is the command's own peak (see ``SPAWN``)."""
    huge = tmp_path / "huge.html"
    with huge.open("wb") as handle:
        handle.truncate(1 << 30)
    at_cap = tmp_path / "at-cap.html"
    at_cap.write_text(article_html(title="Bridge", paragraphs=STORY))
    cap = at_cap.stat().st_size
    out, err = tmp_path / "out.jsonl", tmp_path / "err.log"
    with out.open("w") as stdout, err.open("w") as stderr:
        status, peak_kb = run_with_peak_rss(
            [str(NEWSFLOW), "extract", str(huge), str(at_cap)],
            stdout=stdout,
            stderr=stderr,
            env=clean_env(NEWSFLOW_MAX_PAGE_BYTES=str(cap), NEWSFLOW_PAGE_TIME_BUDGET="0"),
        )
    said = err.read_text()[-2000:]
    assert status == 1, said  # ran; one input was no article
    rejected, read = (json.loads(line) for line in out.read_text().splitlines())
    assert rejected == {
        "path": str(huge),
        "text": None,
        "stage": "fetch",
        "reason": "too_large",
        "error": f"fetch/too_large: larger than {cap} bytes",
    }
    assert read.get("title") == "Bridge" and STORY[0] in (read.get("text") or ""), (read, said)
    assert peak_kb < 400 * 1024, f"peak RSS {peak_kb // 1024} MB"


@pytest.mark.parametrize("text", ["2026-11-16garbage", "2026-11-16T00:00", "20261116",
                                  "2026-W47-1", "2026-2-3", " 2026-11-16", "2026-11-16\n",
                                  "２０２６-11-16", "2026-02-30", ""])  # fmt: skip
def test_a_partition_date_is_yyyy_mm_dd_and_nothing_else(text):
    with pytest.raises(ValueError, match="invalid date"):
        as_date(text)


def test_a_partition_date_reads_iso_text_and_passes_dates_through():
    assert as_date("2026-11-16") == dt.date(2026, 11, 16)
    assert as_date(dt.date(2026, 11, 16)) == dt.date(2026, 11, 16)
