"""Where things live under the warehouse root (``NEWSFLOW_WAREHOUSE``).

::

    <root>/catalog.sqlite            the DuckLake catalog (embedded deployments)
    <root>/attach.sql                what analysts run to open the lake read-only
    <root>/search.duckdb             the articles' full-text (BM25) index
    <root>/lake/main/<table>/source=<id>/year=<yyyy>/month=<m>/ducklake-<uuid>.parquet
                                     the data (a day's files, merged by month)
    <root>/raw/source=<id>/date=<day>/pages.warc.gz   every response a fetch got
    <root>/_staging/source=<id>/date=<day>/<run>/
                                     a run's files before its publish commits them
    <root>/_locks/...                the writers' partition locks, and the one that
                                     serialises switching the catalog to WAL (embedded catalog)

The lake's files are DuckLake's: only the catalog says which of them make up
a table now; nothing here reads them by path.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from newsflow.records import validate_source_id

#: Where DuckDB extensions are installed from their wheels: beside the virtualenv's packages.
DEFAULT_EXTENSION_DIR = Path(sys.prefix) / "duckdb_extensions"
CATALOG_FILE = "catalog.sqlite"
ATTACH_FILE = "attach.sql"
#: The full-text index of the articles (newsflow.warehouse.search).
SEARCH_FILE = "search.duckdb"
DATA_DIR = "lake"
STAGING = "_staging"
LOCKS = "_locks"
RAW = "raw"
RAW_FILE = "pages.warc.gz"
FAILURES_FILE = "failures.jsonl"
DISCOVERY_FILE = "discovery.warc.gz"


def data_path(root: Path) -> Path:
    """The lake's Parquet files (DuckLake's ``DATA_PATH``)."""
    return root / DATA_DIR


def _partition(source: str, date: dt.date) -> Path:
    return Path(f"source={validate_source_id(source)}", f"date={date.isoformat()}")


def staging_dir(root: Path, source: str, date: dt.date, run: str) -> Path:
    """Where one run of a partition stages its files."""
    return root / STAGING / _partition(source, date) / run


def staging_runs(root: Path, source: str | None = None, date: dt.date | None = None) -> list[Path]:
    """The runs' staging folders of one partition (``source`` and ``date``), or of all."""
    if source is not None and date is not None:
        folder = root / STAGING / _partition(source, date)
        return [p for p in folder.iterdir() if p.is_dir()] if folder.is_dir() else []
    return [p for p in (root / STAGING).glob("source=*/date=*/*") if p.is_dir()]


def lock_file(root: Path, source: str, date: dt.date, *, scope: str = "publish") -> Path:
    """The ``flock`` that serialises the writers of one partition's tables (``publish``)
    or of its raw archive (``raw``)."""
    suffix = ".lock" if scope == "publish" else f".{scope}.lock"
    return root / LOCKS / _partition(source, date).with_suffix(suffix)


def raw_archive(root: Path, source: str, date: dt.date) -> Path:
    """The partition's raw archive: every response its fetches got, as one WARC."""
    return root / RAW / _partition(source, date) / RAW_FILE


def raw_ref_name(root: Path, path: Path) -> str:
    """How ``raw_ref`` names a file of the warehouse: its path relative to the root."""
    return path.relative_to(root).as_posix()


def discovery_cache(root: Path, source: str) -> Path:
    """Per source, the last copy of each feed or sitemap (read again on a 304)."""
    return root / RAW / f"source={validate_source_id(source)}" / "_discovery"


def http_state(root: Path, source: str) -> Path:
    """Where a source's conditional-GET validators (ETag, Last-Modified) persist."""
    return root / RAW / f"source={validate_source_id(source)}" / "http-validators.json"


def _imports_dir(root: Path, source: str, input_id: str) -> Path:
    return root / RAW / f"source={validate_source_id(source)}" / "_imports" / input_id


def mark_imported(root: Path, source: str, input_id: str, date: dt.date) -> None:
    """Remember that ``date`` of archive input ``input_id`` is published."""
    folder = _imports_dir(root, source, input_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / date.isoformat()).touch()


def imported_dates(root: Path, source: str, input_id: str) -> set[str]:
    """Dates of archive input ``input_id`` already published (resuming an import)."""
    folder = _imports_dir(root, source, input_id)
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()
