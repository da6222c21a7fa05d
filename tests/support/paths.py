"""Where things are: the checkout, the sample archive, the shared corpora, the DuckDB CLI."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: The test tree: on ``sys.path`` (pytest's ``pythonpath``), so ``support`` imports.
TESTS = ROOT / "tests"
SAMPLE_ARCHIVE = ROOT / "include" / "sample_archive"
SHARED = ROOT.parent / "shared"

#: The DuckDB CLI pinned with the package's DuckDB (``duckdb-cli``), as analysts run it.
DUCKDB_CLI = Path(sys.executable).with_name("duckdb")
