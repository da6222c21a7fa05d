"""The ``newsflow`` command as users call it: a subprocess, JSON lines on stdout."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from newsflow import cli
from support.pages import STORY, article_html
from support.paths import SHARED

NEWSFLOW = [sys.executable, "-m", "newsflow.cli"]


def newsflow(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*NEWSFLOW, *args], capture_output=True, text=True, env=env)


def test_help_lists_the_subcommands():
    out = newsflow("--help").stdout
    for command in (
        "extract", "run", "sources", "summary", "status", "query", "import-archive", "reprocess",
        "search", "warehouse",
    ):  # fmt: skip
        assert command in out
    query = newsflow("query", "--help").stdout
    assert "--at" in query and "snapshot" in query
    assert "migrate" in newsflow("warehouse", "--help").stdout


def test_extract_prints_one_json_object_per_input(tmp_path):
    html = tmp_path / "bridge.html"
    html.write_text(article_html(title="Bridge", paragraphs=STORY))
    text = tmp_path / "bridge.txt"
    text.write_text(
        "\n\n".join(
            [
                "Home > Lisbon",
                "Bridge to be rebuilt",
                *STORY,
                "Published 16 November 2026",
                "Follow us",
            ]
        )
    )
    done = newsflow("extract", str(html), str(text))
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["path"] for r in records] == [str(html), str(text)]
    for record in records:
        assert set(record) == {
            "path",
            "title",
            "author",
            "authors",
            "published",
            "date_source",
            "modified",
            "site_name",
            "language",
            "text",
        }
        assert STORY[3] in record["text"] and record["language"] == "en"
    assert records[0]["title"] == "Bridge" and records[0]["published"] == "2026-11-16"
    assert records[0]["authors"] == ["Jane Roe"] and records[0]["author"] == "Jane Roe"
    assert records[1]["title"] == "Bridge to be rebuilt"
    assert "Follow us" not in records[1]["text"]


def test_extract_reports_pages_that_are_no_article(tmp_path):
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    done = newsflow("extract", "--mode", "html", str(empty), str(tmp_path / "missing.txt"))
    assert done.returncode == 1
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert "decode/empty" in records[0]["error"] and records[0]["text"] is None
    assert "No such file" in records[1]["error"]


SEEDS = sorted((SHARED / "corpora" / "seeds").glob("*.txt"))


@pytest.mark.skipif(not SEEDS, reason="../shared/corpora/seeds is not beside this checkout")
def test_extract_cleans_the_seed_pages():
    done = newsflow("extract", *map(str, SEEDS))
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(records) == len(SEEDS)
    for record in records:
        assert record["title"] and len(record["text"].split()) > 250
        for phrase in ("Also Read", "Most Popular", "Leave a Reply", "Follow us", "facebook"):
            assert phrase not in record["text"], (Path(record["path"]).name, phrase)


def test_run_prints_a_summary(make_archive, warehouse):
    make_archive({"2026-11-16": {"a.html": article_html(title="A", paragraphs=STORY)}})
    done = newsflow("run", "--source", "gazette", "--date", "2026-11-16")
    assert done.returncode == 0, done.stderr
    assert "gazette 2026-11-16: pages_in=1 articles=1 rejects=0" in done.stdout
    rows = newsflow("query", "SELECT count(*) AS n FROM articles").stdout
    assert rows.split() == ["n", "1"]

    # the snapshot the publish logged is the one summary names for the partition
    [published] = re.findall(r"stage=publish .* snapshot=(\d+)", done.stderr)
    summary = newsflow("summary")
    assert summary.returncode == 0, summary.stderr
    table = summary.stdout.split("\n\n")[0]  # the partitions, before the example query
    [row] = [line.split() for line in table.splitlines() if line.startswith("gazette ")]
    assert row[:4] == ["gazette", "2026-11-16", "1", "1"] and row[-1] == published


def test_query_refuses_a_write_and_changes_nothing(make_archive, warehouse):
    """The command as users call it: a write is refused before anything runs (exit 2)."""
    make_archive({"2026-11-16": {"a.html": article_html(title="A", paragraphs=STORY)}})
    assert newsflow("run", "--source", "gazette", "--date", "2026-11-16").returncode == 0
    done = newsflow("query", "SELECT count(*) FROM articles; DELETE FROM articles")
    assert done.returncode == 2 and done.stdout == ""
    assert "only read statements" in done.stderr and "DELETE" in done.stderr
    assert newsflow("query", "SELECT count(*) AS n FROM articles").stdout.split() == ["n", "1"]


def test_a_warehouse_moved_to_another_folder_still_opens(make_archive, warehouse, tmp_path):
    """The catalog names files relative to the lake's data path, which follows the root."""
    make_archive({"2026-11-16": {"a.html": article_html(title="A", paragraphs=STORY)}})
    assert newsflow("run", "--source", "gazette", "--date", "2026-11-16").returncode == 0
    moved = tmp_path / "moved"
    warehouse.rename(moved)
    env = {"NEWSFLOW_WAREHOUSE": str(moved)}
    assert newsflow("warehouse", "init", env=env).returncode == 0  # attach.sql rewritten
    rows = newsflow("query", "SELECT count(*) AS n FROM articles", env=env)
    assert rows.returncode == 0, rows.stderr
    assert rows.stdout.split() == ["n", "1"]
    assert str(moved / "lake") in (moved / "attach.sql").read_text()


def test_query_before_anything_was_published_says_what_to_do(warehouse):
    done = newsflow("query", "SELECT 1")
    assert done.returncode == 2
    [message] = done.stderr.strip().splitlines()
    assert "no catalog yet" in message and "newsflow run" in message
    assert not warehouse.exists()  # a read creates no warehouse


def test_run_logs_one_structured_line_per_stage_and_status_shows_it(make_archive, warehouse):
    make_archive({"2026-11-16": {"a.html": article_html(title="A", paragraphs=STORY)}})
    done = newsflow("run", "--source", "gazette", "--date", "2026-11-16")
    stages = {}
    for line in done.stderr.splitlines():
        if "stage=" in line:
            fields = dict(f.split("=", 1) for f in line.split("stage=", 1)[1].split(" ")[1:])
            stages[line.split("stage=", 1)[1].split(" ")[0]] = fields
    assert {"fetch", "extract", "enrich", "publish", "quality"} <= set(stages)
    assert json.loads(stages["extract"]["articles"]) == 1
    assert json.loads(stages["extract"]["seconds_staging"]) >= 0
    assert json.loads(stages["enrich"]["entities"]) > 0

    status = newsflow("status").stdout
    assert "gazette" in status and "2026-11-16" in status
    [partition] = [line for line in status.splitlines() if line.startswith("gazette  ")][1:]
    assert partition.split()[2:6] == ["1", "1", "0", stages["enrich"]["entities"]]


def test_options_override_the_environment_without_changing_it(
    make_archive, warehouse, tmp_path, capsys
):
    """``--sources`` and ``--warehouse`` build the command's settings; os.environ stays."""
    make_archive({"2026-11-16": {"a.html": "x"}})  # the environment's registry: gazette
    registry = tmp_path / "other.yaml"
    registry.write_text(
        "sources:\n  - id: herald\n    name: Herald\n    kind: archive\n    path: x\n"
    )
    elsewhere = tmp_path / "elsewhere"
    environment = dict(os.environ)

    assert cli.main(["--sources", str(registry), "sources"]) == 0
    assert capsys.readouterr().out.split() == ["herald"]
    assert cli.main(["--warehouse", str(elsewhere), "warehouse", "init"]) == 0
    assert str(elsewhere) in capsys.readouterr().out
    assert (elsewhere / "attach.sql").exists() and not warehouse.exists()

    assert dict(os.environ) == environment
    assert cli.main(["sources"]) == 0  # without the options, the environment's settings
    assert capsys.readouterr().out.split() == ["gazette"]
