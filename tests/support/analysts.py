"""Analysts holding the lake open while runs publish: real processes, as they work."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support.paths import DUCKDB_CLI

#: How an analyst may hold the lake open while runs publish (see :func:`hold_catalog_open`).
ANALYST_HABITS = ("cli-idle", "cli-transaction", "python-unread-result")

_PYTHON_ANALYST = (
    "import duckdb, sys, time; con = duckdb.connect(); con.execute(open(sys.argv[1]).read()); "
    "result = con.execute('SELECT count(*) FROM articles'); "  # read, never fetched to the end
    "print('open', result.fetchone()[0], flush=True); time.sleep(600)"
)


def hold_catalog_open(root: Path, habit: str = "cli-transaction") -> subprocess.Popen:
    """An analyst's process with the lake at ``root`` open through ``attach.sql``, until killed.

    ``habit``: ``cli-idle``, the DuckDB CLI between two queries;
    ``cli-transaction``, the CLI inside ``BEGIN TRANSACTION`` after a query (a
    consistent view over several queries); ``python-unread-result``, Python
    with a query result not read to the end (``fetchone``). Returns once the
    analyst has read ``articles``.
    """
    attach = root / "attach.sql"
    if habit == "python-unread-result":
        holder = subprocess.Popen(
            [sys.executable, "-c", _PYTHON_ANALYST, str(attach)], stdout=subprocess.PIPE, text=True
        )
    else:
        holder = subprocess.Popen(
            [str(DUCKDB_CLI), "-init", str(attach), "-csv", "-noheader"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        begin = "BEGIN TRANSACTION;\n" if habit == "cli-transaction" else ""
        holder.stdin.write(f"{begin}SELECT 'open', count(*) FROM articles;\n")
        holder.stdin.flush()  # stdin stays open: the session goes on
    line = holder.stdout.readline().strip()
    assert line.replace(",", " ").split()[0] == "open", line
    return holder
