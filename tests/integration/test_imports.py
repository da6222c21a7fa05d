"""Archive imports: WARC files written by wget, folders, JSON lines; resumable, no overlap."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from newsflow.acquire.readers import ArchiveError, open_archive
from newsflow.config import Settings
from newsflow.jobs.daily import run_partition
from newsflow.jobs.imports import import_partition, plan_import
from newsflow.warehouse import queries
from support.pages import STORY, article_html
from support.paths import ROOT
from support.webserver import NewsServer, Reply

HTML = (("Content-Type", "text/html; charset=utf-8"),)
UNDATED = "<html><body>" + "".join(f"<p>{line}</p>" for line in STORY) + "</body></html>"


def story(title: str, published: str) -> bytes:
    lines = [f"{title}: {line}" for line in STORY]
    return article_html(title=title, paragraphs=lines, published=published).encode()


@pytest.fixture
def site(news_server: NewsServer) -> NewsServer:
    """A small news site as wget sees it: an index linking dated and undated stories."""
    links = ["bridge", "ferry", "tram", "undated", "gone"]
    news_server.routes.update(
        {
            "/index.html": Reply(
                200,
                ("<html><body>" + "".join(f'<a href="/{p}">{p}</a>' for p in links)).encode(),
                HTML,
            ),
            "/bridge": Reply(200, story("Bridge", "2026-11-10"), HTML),
            "/ferry": Reply(200, story("Ferry", "2026-11-10"), HTML, chunked=True),
            "/tram": Reply(
                200,
                gzip.compress(story("Tram", "2026-11-11")),
                (*HTML, ("Content-Encoding", "gzip")),
            ),
            "/undated": Reply(200, UNDATED.encode(), HTML),
            "/gone": Reply(404, b"<html><body>Not found</body></html>", HTML),
        }
    )
    return news_server


@pytest.fixture
def warc(site: NewsServer, tmp_path: Path) -> Path:
    """``wget --warc-file`` of the site, the way archives are made in the field."""
    assert shutil.which("wget"), "wget is needed (apt-get install wget)"
    subprocess.run(
        ["wget", "--quiet", "--recursive", "--level=1", "--warc-file", str(tmp_path / "site"),
         "--directory-prefix", str(tmp_path / "mirror"), site.url("/index.html")],
        check=False,  # wget exits 8 when a page is 404; the archive is what matters
        timeout=60,
    )  # fmt: skip
    return tmp_path / "site.warc.gz"


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, site: NewsServer) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n  - id: site\n    name: Site\n    kind: urls\n"
        f"    urls: [{site.url('/bridge')}]\n"
    )
    monkeypatch.setenv("NEWSFLOW_SOURCES", str(path))
    monkeypatch.setenv("NEWSFLOW_WAREHOUSE", str(tmp_path / "warehouse"))
    monkeypatch.setenv("NEWSFLOW_ALLOW_HOSTS", "127.0.0.1")
    monkeypatch.setenv("NEWSFLOW_HTTP_DELAY", "0")
    return path


def import_all(path: Path, source: str = "site") -> dict:
    plan = plan_import(path, source)
    for date in plan["dates"]:
        import_partition(plan, date)
    return plan


def warehouse_rows() -> tuple[set, set]:
    with queries.analyst(Settings.from_env().lake()) as con:
        articles = set(
            con.execute("SELECT date::VARCHAR, title, date_source FROM articles").fetchall()
        )
        rejects = set(con.execute("SELECT date::VARCHAR, url, reason FROM rejects").fetchall())
    return articles, rejects


def test_a_wget_warc_lands_page_by_page_in_the_right_partitions(warc, registry, site):
    plan = import_all(warc)
    captured = dt.datetime.now(dt.UTC).date().isoformat()  # the WARC-Date of undated pages

    articles, rejects = warehouse_rows()
    assert articles == {
        ("2026-11-10", "Bridge", "html_meta"),
        ("2026-11-10", "Ferry", "html_meta"),
        ("2026-11-11", "Tram", "html_meta"),
        (captured, None, "warc_date"),  # no date in the page: the capture date decides
    }
    reasons = {(date, url.rsplit("/", 1)[-1], reason) for date, url, reason in rejects}
    assert ("index.html", "not_an_article") in {(u, r) for _, u, r in reasons}
    assert (captured, "gone", "http_404") in reasons
    assert plan["records"] == len(articles) + len(rejects)  # every page accounted for
    assert plan["skipped_records"]["request"] >= plan["records"]  # wget keeps requests too


def test_a_rerun_resumes_and_changes_nothing(warc, registry, tmp_path):
    import_all(warc)
    before = warehouse_rows()
    again = plan_import(warc, "site")
    assert again["dates"] == [] and len(again["already_imported"]) == 3
    # a crash after two partitions: the third one is still to do
    marker = next((tmp_path / "warehouse/raw/source=site/_imports").iterdir())
    (marker / "2026-11-11").unlink()
    assert plan_import(warc, "site")["dates"] == ["2026-11-11"]
    import_all(warc)
    assert warehouse_rows() == before


def test_an_archive_overlapping_daily_runs_neither_loses_nor_duplicates(warc, registry):
    run_partition("site", "2026-11-10")  # the daily run fetched /bridge already
    with queries.analyst(Settings.from_env().lake()) as con:
        [(daily_id,)] = con.execute("SELECT article_id FROM articles").fetchall()

    plan = import_all(warc)

    with queries.analyst(Settings.from_env().lake()) as con:
        bridges = con.execute(
            "SELECT article_id, date FROM articles WHERE title = 'Bridge'"
        ).fetchall()
        titles = con.execute("SELECT count(*), count(DISTINCT article_id) FROM articles").fetchone()
        rejects = con.execute("SELECT count(*) FROM rejects").fetchone()[0]
    assert bridges == [(daily_id, dt.date(2026, 11, 10))]  # kept, once
    assert titles[0] == titles[1] == 4
    assert titles[0] + rejects == plan["records"]  # the archive's Bridge was not imported again


def test_folders_with_sidecars_and_jsonl_dumps(registry, tmp_path):
    folder = tmp_path / "saved"
    (folder / "2019").mkdir(parents=True)
    (folder / "2019" / "a.html").write_text(UNDATED)
    (folder / "2019" / "a.json").write_text(
        json.dumps({"url": "https://x.example/a", "date": "2019-05-02"})
    )
    (folder / "2019" / "b.txt").write_text("Ferry service resumes\n\n" + "\n\n".join(STORY))
    (folder / "notes.md").write_text("not a page")
    dump = tmp_path / "dump.jsonl"
    dump.write_text(
        json.dumps(
            {
                "url": "https://x.example/c",
                "html": UNDATED.replace("Lisbon", "Porto"),
                "date": "2019-05-03",
            }
        )
        + "\n{broken\n"
    )
    folder_plan = import_all(folder)
    dump_plan = import_all(dump)

    articles, rejects = warehouse_rows()
    dated = {(date, source) for date, _, source in articles}
    assert ("2019-05-02", "sidecar") in dated and ("2019-05-03", "jsonl") in dated
    assert len(articles) == 3 and folder_plan["skipped_records"] == {"not_a_page": 1}
    assert [reason for _, _, reason in rejects] == ["damaged_record"]  # the broken line
    assert dump_plan["records"] == 2


def test_unknown_inputs_are_a_clear_error(tmp_path):
    (tmp_path / "x.zip").write_bytes(b"PK")
    with pytest.raises(ArchiveError, match="expected a folder"):
        open_archive(tmp_path / "x.zip")


@pytest.mark.slow
def test_news_archive_import_through_airflow(warc, registry, airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(ROOT / "dags")).dags["news_archive_import"]
    run = dag.test(run_conf={"path": str(warc), "source": "site"})
    assert run.state == "success"
    articles, _ = warehouse_rows()
    assert {title for _, title, _ in articles} == {"Bridge", "Ferry", "Tram", None}
