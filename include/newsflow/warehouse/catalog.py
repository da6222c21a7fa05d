"""The lake's catalog and how every connection opens it.

The warehouse is a DuckLake: Parquet files under ``<root>/lake`` and a catalog
database that says which files make up each table at each snapshot. Two
catalogs, one seam (:class:`Catalog`):

- :class:`SqliteCatalog`, the embedded default: one file under the root.
  Readers and a writer work side by side; two writers at once can meet
  "database is locked", which the commit retries.
- :class:`PostgresCatalog`, for many writers on many machines
  (``NEWSFLOW_CATALOG=postgres:dbname=newsflow host=...``); the data path must
  then be storage every worker sees.

Extensions come from the package index's wheels (``duckdb-extension-*``,
pinned with DuckDB itself), installed from those files into a project-local
directory and loaded with auto-install and auto-load off: nothing is
downloaded at run time. Every connection, the pipeline's, ``newsflow query``'s
and an analyst's ``attach.sql``, runs the same statements from
:meth:`Lake.attach_statements`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import importlib.util
import itertools
import logging
import os
import random
import re
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import duckdb

from newsflow.files import replace_bytes
from newsflow.warehouse import layout

log = logging.getLogger(__name__)

#: The name the lake is attached under, in every connection and in ``attach.sql``.
ALIAS = "newsflow"
#: What readers attach the full-text index as (``newsflow.warehouse.search``).
SEARCH_ALIAS = "search"
#: (directory, extensions) this process has checked are installed.
_INSTALLED: set[tuple[Path, tuple[str, ...]]] = set()


class ExtensionMissing(RuntimeError):
    """A DuckDB extension the warehouse needs is not installed."""


class CatalogMissing(FileNotFoundError):
    """A reader asked for a lake whose catalog was never created."""


#: How long a writer's attach keeps retrying collisions with other writers.
ATTACH_RETRY_SECONDS = 120.0
#: What a failure that another writer caused says (DuckDB wraps them in several
#: exception types): a commit conflict, a locked SQLite file, a PostgreSQL
#: serialization failure or two writers creating the catalog's tables at once.
_RETRYABLE = (
    "database is locked",
    "conflict",
    "failed to commit",
    "could not serialize",
    "duplicate key value",
)


def is_conflict(error: duckdb.Error) -> bool:
    """True for failures another writer caused: try again, the change itself is fine."""
    return isinstance(error, duckdb.TransactionException) or any(
        marker in str(error).lower() for marker in _RETRYABLE
    )


def _wheel_module(extension: str) -> str:
    return f"duckdb_extension_{extension}"


def extension_file(extension: str) -> Path:
    """The extension binary that its wheel installed beside DuckDB."""
    module = _wheel_module(extension)
    spec = importlib.util.find_spec(module)
    wanted = f"pip install duckdb-extension-{extension.replace('_', '-')}=={duckdb.__version__}"
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionMissing(f"DuckDB extension {extension!r} is not installed: {wanted}")
    folder = Path(next(iter(spec.submodule_search_locations)))
    path = folder / "extensions" / f"v{duckdb.__version__}" / f"{extension}.duckdb_extension"
    if not path.is_file():
        raise ExtensionMissing(
            f"DuckDB extension {extension!r} does not match DuckDB {duckdb.__version__}"
            f" (no {path.name} for v{duckdb.__version__}): {wanted}"
        )
    return path


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def sql_literal(value: str | Path) -> str:
    """``value`` as a SQL string literal (quotes doubled): how paths go into SQL."""
    return "'" + str(value).replace("'", "''") + "'"


#: What DuckDB's file readers take as a pattern, not a character: ``*``, ``?``, ``[``.
_GLOB_CHARACTER = re.compile(r"[*?\[]")


def glob_literal(path: str | Path) -> str:
    """``path`` as a pattern for DuckDB's file readers (``read_parquet``, ``read_json``)
    that matches that file only.

    They read every path as a glob: ``/srv/wh[1]/x.parquet`` reads
    ``/srv/wh1/x.parquet`` if that exists, ``/srv/w*/x.parquet`` every
    warehouse's. Each glob character is put in a class of its own (``[[]``,
    ``[*]``, ``[?]``), which matches just that character. For reading only: a
    file written to the result would be named with the brackets.
    """
    return _GLOB_CHARACTER.sub(lambda m: f"[{m[0]}]", str(path))


class Catalog(Protocol):
    """Where the lake's metadata lives, and how writers of one partition take turns."""

    #: The DuckDB extension that reads this catalog database.
    scanner: str

    def attach_target(self) -> str:
        """What follows ``ducklake:`` in ``ATTACH``."""

    def readable_paths(self) -> list[Path]:
        """Files a sandboxed reader must still be allowed to open."""

    def prepare(self) -> None:
        """Get the catalog database ready for a writer (before the first ``ATTACH``)."""

    def partition_lock(
        self, root: Path, source: str, date: dt.date, *, scope: str = "publish"
    ) -> contextlib.AbstractContextManager[None]:
        """Serialise the writers of one partition (readers never take it).

        ``scope`` names what they write: ``publish`` its rows in the lake,
        ``raw`` its raw archive (a fetch or an import), so a long fetch does
        not hold up the publish of an earlier run.
        """


@dataclass(frozen=True)
class SqliteCatalog:
    """The embedded catalog: one SQLite file; partition locks are ``flock`` files."""

    path: Path
    scanner: str = "sqlite_scanner"

    def attach_target(self) -> str:
        return f"sqlite:{self.path}"

    def readable_paths(self) -> list[Path]:
        return [self.path]

    def prepare(self) -> None:
        """Put the catalog file in WAL mode (it persists in the file), created if need be.

        In SQLite's default rollback-journal mode a reader's open transaction (an
        analyst's ``BEGIN``, a result not read to its end) blocks every commit;
        in WAL mode readers and one writer never wait for each other.

        Processes prepare one at a time (a ``flock`` in ``_locks`` beside it): SQLite
        answers "database is locked" at once, busy timeout or not, to a switch
        to WAL that another connection's switch or first write races, which
        the first writers of a new warehouse, started together, did.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with (
            _exclusive(self.path.parent / layout.LOCKS / f"{self.path.name}.lock"),
            contextlib.closing(sqlite3.connect(self.path, timeout=60)) as con,
        ):
            (mode,) = con.execute("PRAGMA journal_mode").fetchone()
            if mode.lower() != "wal":
                con.execute("PRAGMA journal_mode = WAL")

    def partition_lock(
        self, root: Path, source: str, date: dt.date, *, scope: str = "publish"
    ) -> contextlib.AbstractContextManager[None]:
        return _exclusive(layout.lock_file(root, source, date, scope=scope))


@dataclass(frozen=True)
class PostgresCatalog:
    """A PostgreSQL catalog (libpq ``dsn``); partition locks are advisory locks in it.

    Advisory locks hold across machines, where a ``flock`` on shared storage
    may not.
    """

    dsn: str
    scanner: str = "postgres_scanner"

    def attach_target(self) -> str:
        return f"postgres:{self.dsn}"

    def readable_paths(self) -> list[Path]:
        return []

    def prepare(self) -> None:
        """Nothing: PostgreSQL's readers and writers do not block each other."""

    @contextlib.contextmanager
    def partition_lock(
        self, root: Path, source: str, date: dt.date, *, scope: str = "publish"
    ) -> Iterator[None]:
        import psycopg2  # only deployments with a PostgreSQL catalog need it

        name = f"{source}:{date.isoformat()}" if scope == "publish" else f"{scope}:{source}:{date}"
        key = f"newsflow:{name}".encode()
        lock_id = int.from_bytes(hashlib.sha256(key).digest()[:8], "big", signed=True)
        with contextlib.closing(psycopg2.connect(self.dsn)) as con:
            con.autocommit = True
            with con.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", (lock_id,))
                try:
                    yield
                finally:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", (lock_id,))


def parse_catalog(spec: str, root: Path) -> Catalog:
    """``NEWSFLOW_CATALOG``: empty (SQLite under the root), ``sqlite:PATH`` or ``postgres:DSN``."""
    kind, sep, target = spec.partition(":")
    if not spec:
        return SqliteCatalog(root / layout.CATALOG_FILE)
    if sep and kind == "sqlite" and target:
        return SqliteCatalog(Path(target).absolute())
    if sep and kind == "postgres" and target:
        return PostgresCatalog(target)
    raise ValueError(f"NEWSFLOW_CATALOG: expected sqlite:PATH or postgres:DSN, got {spec!r}")


@dataclass(frozen=True)
class Lake:
    """One warehouse: its root (data and raw files) and its catalog."""

    root: Path
    catalog: Catalog
    extension_dir: Path

    @classmethod
    def embedded(cls, root: Path, *, extension_dir: Path = layout.DEFAULT_EXTENSION_DIR) -> Lake:
        """The default deployment: a SQLite catalog file under ``root``."""
        return cls(root, SqliteCatalog(root / layout.CATALOG_FILE), extension_dir)

    @property
    def data_path(self) -> Path:
        return layout.data_path(self.root)

    @property
    def extensions(self) -> tuple[str, ...]:
        return ("ducklake", self.catalog.scanner, "fts")

    @property
    def search_path(self) -> Path:
        """The articles' full-text index (``newsflow.warehouse.search``)."""
        return self.root / layout.SEARCH_FILE

    def attach_statements(
        self, *, read_only: bool, at: str | None = None, search: bool = True
    ) -> list[str]:
        """The statements that open the lake, as ``attach.sql`` holds them.

        ``at``: a snapshot id or a timestamp, to read the lake as it was then.
        A reader also gets the full-text index, as ``search``, once one is built
        (``search``: False leaves it out); it is the current one whatever ``at``.
        """
        # The data path is always the root's ``lake/`` (file paths in the catalog are
        # relative to it), so a warehouse moved to another folder or mount still opens.
        options = [
            f"DATA_PATH {sql_literal(f'{self.data_path}{os.sep}')}",
            "OVERRIDE_DATA_PATH TRUE",
        ]
        if read_only:
            options.append("READ_ONLY")
        if at is not None:
            option = "SNAPSHOT_VERSION" if at.isdigit() else "SNAPSHOT_TIME"
            options.append(f"{option} {at if at.isdigit() else sql_literal(at)}")
        target = sql_literal(f"ducklake:{self.catalog.attach_target()}")
        return [
            f"SET extension_directory = {sql_literal(self.extension_dir)}",
            # query results go to stdout (newsflow query, scripts): no progress bar in them
            "SET enable_progress_bar = false",
            "SET autoinstall_known_extensions = false",
            "SET autoload_known_extensions = false",
            *(f"LOAD {name}" for name in self.extensions),
            f"ATTACH IF NOT EXISTS {target} AS {ALIAS} ({', '.join(options)})",
            *self._search_attach(read_only and search),
            f"USE {ALIAS}",
        ]

    def _search_attach(self, wanted: bool) -> list[str]:
        """Attach the full-text index read-only, if ``wanted`` and one is built."""
        if not (wanted and self.search_path.exists()):
            return []
        path = sql_literal(self.search_path)
        return [f"ATTACH IF NOT EXISTS {path} AS {SEARCH_ALIAS} (READ_ONLY)"]

    def attach_sql(self) -> str:
        """``attach.sql``: open the lake read-only (DuckDB CLI ``-init``, Python, ``newsflow``)."""
        lines = [
            "-- The newsflow warehouse, read-only. Written by newsflow; opens the lake in",
            f"-- the DuckDB CLI:  duckdb -init {self.root / layout.ATTACH_FILE}",
            "-- or in Python:    con.execute(open(path).read())",
            *(f"{statement};" for statement in self.attach_statements(read_only=True)),
        ]
        return "\n".join(lines) + "\n"

    def write_attach_file(self) -> Path:
        """Write ``attach.sql`` if it is missing or says something else (atomic)."""
        path = self.root / layout.ATTACH_FILE
        text = self.attach_sql()
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            replace_bytes(path, text.encode())
        return path

    def install_extensions(self) -> None:
        """Copy the extensions from their wheels into the extension directory (once).

        Installed ones are only checked, so a directory the process cannot
        write (a container's, filled at build time) is fine; installing takes
        a lock, so two processes never write one file at once.
        """
        if (self.extension_dir, self.extensions) in _INSTALLED:
            return
        if self._missing_extensions():
            self.extension_dir.mkdir(parents=True, exist_ok=True)
            with _exclusive(self.extension_dir / ".install.lock"):
                missing = self._missing_extensions()
                with duckdb.connect(config=self._config()) as con:
                    for name in missing:
                        con.execute(f"INSTALL {sql_literal(extension_file(name))}")
                        log.info("installed DuckDB extension %s into %s", name, self.extension_dir)
        _INSTALLED.add((self.extension_dir, self.extensions))

    def _missing_extensions(self) -> list[str]:
        with duckdb.connect(config=self._config()) as con:
            installed = {
                name
                for (name,) in con.execute(
                    "SELECT extension_name FROM duckdb_extensions() WHERE installed"
                ).fetchall()
            }
        return [name for name in self.extensions if name not in installed]

    def _config(self) -> dict[str, str | bool]:
        return {
            "extension_directory": str(self.extension_dir),
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        }

    def connect(
        self, *, read_only: bool, at: str | None = None, search: bool = True
    ) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB with the lake attached as ``newsflow`` and in use.

        A read-write attach creates the catalog if there is none; writers that
        do so at the same moment collide ("database is locked", a duplicate
        catalog table), so that attach is retried like a commit conflict.
        """
        self.install_extensions()
        if read_only and not self.has_catalog():
            raise CatalogMissing(self._missing_message())
        if not read_only:
            self.catalog.prepare()
        deadline = time.monotonic() + ATTACH_RETRY_SECONDS
        for attempt in itertools.count(1):
            con = duckdb.connect(config=self._config())
            try:
                for statement in self.attach_statements(read_only=read_only, at=at, search=search):
                    con.execute(statement)
                return con
            except duckdb.Error as e:
                con.close()
                if read_only and "does not exist" in str(e):
                    raise CatalogMissing(self._missing_message()) from e
                if read_only or not is_conflict(e) or time.monotonic() > deadline:
                    raise
                log.info("attaching %s (try %d) met another writer: %s", self.root, attempt, e)
                time.sleep(0.05 * attempt * (0.5 + random.random()))
        raise AssertionError("unreachable")

    def _missing_message(self) -> str:
        return (
            f"warehouse {self.root} has no catalog yet: publish a partition first"
            " (make run, or newsflow run --source ID --date YYYY-MM-DD)"
        )

    def has_catalog(self) -> bool:
        """False only for an embedded catalog that was never written."""
        return not isinstance(self.catalog, SqliteCatalog) or self.catalog.path.exists()

    def sandbox(self, con: duckdb.DuckDBPyConnection) -> None:
        """Make ``con`` read nothing but the lake, for good (``lock_configuration``)."""
        allowed = [f"{self.data_path}{os.sep}", *map(str, self.catalog.readable_paths())]
        con.execute(f"SET allowed_directories = [{', '.join(map(sql_literal, allowed))}]")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
