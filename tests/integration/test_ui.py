"""The News page's FastAPI app against a tiny warehouse of known rows (no Airflow process).

What the page promises: counts per source and day, rejects by reason,
languages, a volume series and entity trends that tell a missing partition
(null) from a day with nothing to count (0), links to the DAG run that wrote a
partition, a friendly page on an empty warehouse, and no entry without the
Airflow UI's credentials.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newsflow.config import Settings
from newsflow.jobs.runs import dag_run_id, task_run_id
from newsflow.jobs.upkeep import index_articles, settle_names
from newsflow.records import Entity, Reject, Stage
from newsflow.warehouse import layout
from newsflow.warehouse.catalog import Lake, SqliteCatalog
from support import tiny_warehouse as rows
from support.paths import ROOT
from support.tiny_warehouse import article, lake_at, publish, replace

sys.path.insert(0, str(ROOT / "plugins"))
from newsflow_ui.app import app, require_reader

D1, D2, D3 = "2026-11-16", "2026-11-17", "2026-11-18"
SCHEDULED = "scheduled__2026-11-18T00:00:00+00:00"
FINISHED = dt.datetime(2026, 11, 19, 6, tzinfo=dt.UTC)


def entity(article_id: str, canonical: str, label: str = "PERSON") -> Entity:
    return rows.entity(
        article_id, text=canonical, label=label, canonical=canonical, end_char=len(canonical)
    )


def run(run_id: str, finished: dt.datetime = FINISHED) -> dict:
    return {"run_id": run_id, "started_at": finished - dt.timedelta(seconds=5)}


def reject(reason: str, stage: Stage = Stage.EXTRACT) -> Reject:
    return rows.reject("raw/x", url="https://news.example/bad", stage=stage, reason=reason)


@pytest.fixture(scope="module")
def tiny_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two sources: ``planet`` on three days, ``herald`` on the first and last only.

    Partitions are published with their runs as the pipeline publishes them;
    ``planet`` on the last day twice (a retried task), ``herald`` on the first
    day without any run (a partition whose history was not kept).
    """
    root = tmp_path_factory.mktemp("ui") / "warehouse"
    lake = lake_at(root)
    publish(
        lake,
        "planet",
        D1,
        articles=[article("p1"), article("p2", language="de")],
        entities=[entity("p1", "Elena Marchetti"), entity("p2", "Elena Marchetti")],
        run_fields=run("manual__20261119T060000_abcd1234"),
    )
    publish(
        lake,
        "planet",
        D2,
        articles=[article("p3", text="The Lisbon harbour strike enters its second week.")],
        entities=[entity("p3", "Lisbon", "GPE"), entity("p3", "Tuesday", "DATE")],
        rejects=[reject("too_short"), reject("too_short"), reject("no_text")],
    )
    last_day = {
        "articles": [article("p4"), article("p5"), article("p6")],
        "entities": [entity("p4", "Elena Marchetti"), entity("p5", "O'Brien & <Sons>")],
    }
    earlier = FINISHED - dt.timedelta(hours=1)
    publish(
        lake,
        "planet",
        D3,
        **last_day,
        run_fields=run(f"manual__{earlier.isoformat()}__planet__try1", earlier),
    )
    publish(lake, "planet", D3, **last_day, run_fields=run(f"{SCHEDULED}__planet__try2"))
    replace(lake, "articles", {("herald", D1): [article("h1")]})
    replace(lake, "entities", {("herald", D1): [entity("h1", "Lisbon", "GPE")]})
    publish(
        lake,
        "herald",
        D3,
        articles=[article("h2"), article("h3")],
        entities=[entity("h2", "Elena Marchetti"), entity("h3", "Tuesday", "DATE")],
        rejects=[reject("http_404", Stage.FETCH)],
    )
    # what the DAGs do after publishing: names settled, the search index rebuilt
    settings = Settings.from_env({**os.environ, "NEWSFLOW_WAREHOUSE": str(root)})
    settle_names(settings=settings)
    index_articles(settings=settings)
    return root


@pytest.fixture
def tiny(tiny_lake: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The tiny lake as the warehouse the settings name."""
    monkeypatch.setenv("NEWSFLOW_WAREHOUSE", str(tiny_lake))
    monkeypatch.delenv("NEWSFLOW_CATALOG", raising=False)
    return tiny_lake


@pytest.fixture
def client() -> Iterator[TestClient]:
    """The app as a logged-in reader sees it (authorization is tested on its own)."""
    app.dependency_overrides[require_reader] = lambda: None
    try:
        yield TestClient(app)
    finally:
        app.dependency_overrides.clear()


def test_volume_series_per_source_with_null_for_missing_partitions(tiny, client):
    volume = client.get("/api/volume").json()
    assert volume["metric"] == "articles"
    assert volume["dates"] == [D1, D2, D3]
    assert volume["series"] == [
        {"source": "herald", "values": [1, None, 2]},
        {"source": "planet", "values": [2, 1, 3]},
    ]


def test_partitions_carry_rejects_languages_and_the_dag_run_that_wrote_them(tiny, client):
    parts = {(p["source"], p["date"]): p for p in client.get("/api/partitions").json()}
    assert next(iter(parts))[1] == D3, "newest first"
    assert len(parts) == 5
    by_reason = parts["planet", D2]["rejects_by_reason"]
    assert by_reason == {"extract/no_text": 1, "extract/too_short": 2}
    assert parts["planet", D2]["rejects"] == 3
    assert parts["planet", D1]["languages"] == {"de": 1, "en": 1}
    assert parts["herald", D3]["rejects_by_reason"] == {"fetch/http_404": 1}

    latest = parts["planet", D3]
    assert latest["runs"] == 2
    assert latest["run_id"] == f"{SCHEDULED}__planet__try2"
    assert latest["dag_run_id"] == SCHEDULED
    assert latest["dag_run_path"] == (
        "dags/news_daily/runs/scheduled__2026-11-18T00%3A00%3A00%2B00%3A00"
    )
    assert parts["planet", D2]["runs"] == 1
    cli_run = parts["planet", D1]
    assert cli_run["run_id"] == "manual__20261119T060000_abcd1234"
    assert cli_run["dag_run_path"] is None
    assert parts["herald", D1]["run_id"] is None


def test_top_entities_are_names_most_mentioned_first(tiny, client):
    top = client.get("/api/top-entities").json()
    assert [e["name"] for e in top] == ["Elena Marchetti", "Lisbon", "O'Brien & <Sons>"]
    assert top[0] == {
        "name": "Elena Marchetti",
        "label": "PERSON",
        "mentions": 4,
        "articles": 4,
        "sources": ["herald", "planet"],
    }
    assert len(client.get("/api/top-entities", params={"limit": 1}).json()) == 1
    assert client.get("/api/top-entities", params={"limit": 0}).status_code == 422


def test_entity_trend_per_source_and_day(tiny, client):
    trend = client.get("/api/entities", params={"name": "Elena Marchetti"}).json()
    assert trend["name"] == "Elena Marchetti"
    assert trend["total"] == 4
    assert trend["dates"] == [D1, D2, D3]
    assert trend["series"] == [
        {"source": "herald", "values": [0, None, 1]},
        {"source": "planet", "values": [2, 0, 1]},
    ]


def test_entity_name_is_a_query_parameter_not_sql(tiny, client):
    trend = client.get("/api/entities", params={"name": "O'Brien & <Sons>"}).json()
    assert trend["total"] == 1
    injected = client.get("/api/entities", params={"name": "x' OR '1'='1"}).json()
    assert injected["total"] == 0
    assert client.get("/api/entities").status_code == 422


def test_page_renders_tables_links_and_chart_slots(tiny, client):
    response = client.get("/")
    assert response.status_code == 200
    page = response.text
    assert 'id="volume-chart"' in page
    assert 'id="entity-chart"' in page
    assert "<b>9</b> articles and <b>4</b> rejects" in page
    assert "extract/too_short 2" in page
    assert (
        'href="../dags/news_daily/runs/scheduled__2026-11-18T00%3A00%3A00%2B00%3A00" target="_top"'
        in page
    )
    assert "(2 runs)" in page
    # the most mentioned entity is chosen for the trend chart
    assert "Mentions per day of “Elena Marchetti”" in page
    # names are escaped, never markup
    assert "O&#39;Brien &amp; &lt;Sons&gt;" in page
    assert "<Sons>" not in page


def test_page_preselects_the_entity_asked_for(tiny, client):
    page = client.get("/", params={"entity": "Lisbon"}).text
    assert "Mentions per day of “Lisbon”" in page
    assert '<option value="Lisbon" selected>' in page
    page = client.get("/", params={"entity": "Nobody Known"}).text
    assert "<option selected>Nobody Known</option>" in page


def test_places_are_counted_per_country_with_their_most_mentioned(tiny, client):
    places = client.get("/api/places").json()
    assert [(c["country_code"], c["country"], c["mentions"], c["top_places"]) for c in places] == [
        ("PT", "Portugal", 2, ["Lisbon"])
    ]
    assert places[0]["lat"] == pytest.approx(38.7, abs=0.1)
    page = client.get("/").text
    assert 'id="places"' in page and "Portugal" in page


def test_the_search_box_finds_articles_by_their_words(tiny, client):
    found = client.get("/api/search", params={"q": "harbour strikes"}).json()
    assert [h["article_id"] for h in found["hits"]] == ["p3"]
    assert "harbour strike" in found["hits"][0]["snippet"]
    page = client.get("/", params={"q": "harbour strikes"}).text
    assert 'id="search-hits"' in page and "The Lisbon harbour strike" in page
    assert "No article matches" in client.get("/", params={"q": "zebra"}).text
    assert client.get("/api/search", params={"q": ""}).status_code == 422


def test_empty_warehouse_is_a_friendly_page_not_an_error(warehouse, client):
    response = client.get("/")
    assert response.status_code == 200
    assert "No news yet" in response.text
    assert str(warehouse) in response.text
    assert client.get("/api/volume").json() == {"metric": "articles", "dates": [], "series": []}
    assert client.get("/api/partitions").json() == []
    assert client.get("/api/top-entities").json() == []
    assert client.get("/api/entities", params={"name": "Lisbon"}).json()["total"] == 0


def test_the_page_reads_the_lake_the_settings_name(tmp_path, monkeypatch, client):
    """A catalog outside the root (``NEWSFLOW_CATALOG``) is found as the pipeline finds it."""
    root, catalog = tmp_path / "warehouse", tmp_path / "news.sqlite"
    lake = Lake(root, SqliteCatalog(catalog), layout.DEFAULT_EXTENSION_DIR)
    publish(lake, "gazette", D2, articles=[article("g1"), article("g2")])
    monkeypatch.setenv("NEWSFLOW_WAREHOUSE", str(root))
    monkeypatch.setenv("NEWSFLOW_CATALOG", f"sqlite:{catalog}")
    [part] = client.get("/api/partitions").json()
    assert (part["source"], part["date"], part["articles"]) == ("gazette", D2, 2)
    monkeypatch.delenv("NEWSFLOW_CATALOG")  # the default: a catalog under the root
    assert client.get("/api/partitions").json() == []
    assert "No news yet" in client.get("/").text


@pytest.mark.parametrize(
    ("run_id", "source", "expected"),
    [
        (
            "manual__2026-11-23T05:39:46.276187+00:00__daily-planet__try1",
            "daily-planet",
            "manual__2026-11-23T05:39:46.276187+00:00",
        ),
        (
            "scheduled__2026-11-18T00:00:00+00:00__harbor-herald__try12",
            "harbor-herald",
            "scheduled__2026-11-18T00:00:00+00:00",
        ),
        ("backfill__2026-11-17__a__b__try1", "a__b", "backfill__2026-11-17"),
        ("manual__20261123T053946_1a2b3c4d", "daily-planet", None),
        ("scheduled__2026-11-18__harbor-herald__try1", "daily-planet", None),
    ],
)
def test_dag_run_id_is_the_part_before_source_and_try(run_id, source, expected):
    assert dag_run_id(run_id, source) == expected


@pytest.mark.parametrize("source", ["daily-planet", "a__b", "try1"])
def test_the_run_id_a_task_writes_reads_back_as_its_dag_run(source):
    """news_daily names its runs with ``task_run_id``; the page reads them with ``dag_run_id``."""
    assert dag_run_id(task_run_id(SCHEDULED, source, 3), source) == SCHEDULED
    assert dag_run_id(task_run_id(SCHEDULED, source, 3), "other") is None


def test_reading_the_dag_run_back_loads_no_pipeline():
    """The page links runs in the api-server: ``newsflow.jobs.runs`` must stay light."""
    code = (
        "import sys; from newsflow.jobs.runs import dag_run_id; "
        "print(sorted({'duckdb', 'pyarrow', 'spacy', 'trafilatura'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[-2] == "[]"


def test_without_airflow_credentials_nothing_is_served(tiny):
    anonymous = TestClient(app)
    assert anonymous.get("/").status_code == 401
    assert anonymous.get("/api/volume").status_code == 401


@pytest.mark.parametrize(
    ("path", "status"),
    [("/openapi.json", 401), ("/docs", 404), ("/docs/oauth2-redirect", 404), ("/redoc", 404)],
)
def test_the_api_schema_and_docs_do_not_answer_without_the_login(tiny, path, status):
    """FastAPI's own routes are not under the app's dependencies: a default app serves them."""
    answer = TestClient(app).get(path)
    assert answer.status_code == status
    assert "/api/volume" not in answer.text


def test_a_reader_gets_the_api_schema_and_no_docs_pages(tiny, client):
    schema = client.get("/openapi.json")
    assert schema.status_code == 200
    assert {"/api/partitions", "/api/volume", "/api/entities"} <= set(schema.json()["paths"])
    assert "/openapi.json" not in schema.json()["paths"]
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404


def test_airflow_loads_the_plugin_and_nothing_else_from_plugins():
    """``.airflowignore`` keeps the loader out of the package; loading stays DuckDB-free."""
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "plugins", "-o", "json"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=True,
    )
    plugins = json.loads(next(line for line in done.stdout.splitlines() if line.startswith("[")))
    assert [p["name"] for p in plugins] == ["newsflow"]
    (plugin,) = plugins
    assert plugin["fastapi_apps"] == [
        {"app": "fastapi.applications.FastAPI", "url_prefix": "/newsflow", "name": "News"}
    ]
    assert plugin["external_views"][0]["href"] == "newsflow/"
    assert plugin["external_views"][0]["url_route"] == "news"

    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import newsflow_plugin; "
        "print(sorted({'duckdb', 'spacy', 'newsflow'} & set(sys.modules)))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "plugins")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")[-2]
    assert loaded == "[]"
