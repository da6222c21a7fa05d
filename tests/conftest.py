"""Shared fixtures. Airflow gets its own throwaway home before anything imports it.

Fixtures only: what tests import (paths, pages, servers, lakes) is in ``support/``.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.paths import ROOT
from support.webserver import NewsServer, serve

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


@pytest.fixture
def news_server() -> Iterator[NewsServer]:
    """A real HTTP server on 127.0.0.1 (:mod:`support.webserver`), stopped after the test."""
    with serve() as state:
        yield state
