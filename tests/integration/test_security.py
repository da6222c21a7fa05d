"""Security: nothing escapes the warehouse, no SQL is spliced from data, no secret is kept,
and analysts' SQL can only read, and only the warehouse.

Source ids, archive member names, WARC target URIs and sidecar JSON all come
from outside; none of them may choose where a file is read or written. SQL
gets ids and dates as parameters; the few identifiers and paths spliced into
SQL text are reviewed constants or quoted (listed here: a new one fails this
test until someone looks at it). URLs with ``user:password@`` or a token
parameter are stored without them, in the tables, the raw archive and logs.

``newsflow query`` (and the News page) read through a connection attached
read-only and sandboxed; ``newsflow query`` also accepts read statements
only. Each attack an analyst's SQL could make is tried through the command
itself, and the published lake must be byte for byte the same afterwards.
"""

from __future__ import annotations

import ast
import datetime as dt
import gzip
import hashlib
import io
import logging
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsflow import cli
from newsflow.acquire.readers import FolderArchive
from newsflow.acquire.registry import SourceConfigError
from newsflow.config import Settings
from newsflow.jobs import imports
from newsflow.jobs.daily import run_partition
from newsflow.warehouse import commit, layout, queries
from newsflow.warehouse.catalog import Lake
from support.pages import STORY, article_html
from support.paths import ROOT
from support.tiny_warehouse import article, lake_at, publish, run

DAY = dt.date(2026, 11, 16)
SECRET = "hunter2"
TOKEN = "tok3n5ecret"

# --- path traversal ---------------------------------------------------------------

EVIL_IDS = ["../../etc", "..", "a/b", "a\\b", "", "x" * 65, "Gazette", "g\x00", "~root", "g/.."]


@pytest.mark.parametrize("source", EVIL_IDS)
def test_no_warehouse_path_can_be_built_from_a_hostile_source_id(tmp_path, source):
    for build in (
        lambda: layout.staging_dir(tmp_path, source, DAY, "run"),
        lambda: layout.lock_file(tmp_path, source, DAY),
        lambda: layout.raw_archive(tmp_path, source, DAY),
        lambda: layout.discovery_cache(tmp_path, source),
        lambda: layout.http_state(tmp_path, source),
        lambda: layout.imported_dates(tmp_path, source, "x"),
        lambda: layout.mark_imported(tmp_path, source, "x", DAY),
    ):
        with pytest.raises(SourceConfigError):
            build()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("source", ["../../etc", "a/b", "Gazette"])
def test_no_commit_takes_a_hostile_source_id(tmp_path, source):
    """The commit API refuses the id before it touches the lake (the embedded catalog)."""
    lake = lake_at(tmp_path / "warehouse")
    with pytest.raises(SourceConfigError):
        commit.replace_partition(lake, "quality", source, DAY, [])
    with pytest.raises(SourceConfigError):
        commit.publish_partition(lake, tmp_path / "staged", source, DAY, run("r"))
    assert not lake.root.exists() or not any(lake.root.rglob("*.parquet"))


def test_partition_values_cannot_lead_the_lake_s_files_elsewhere(tmp_path):
    """Below the commit API (a PostgreSQL catalog takes no path lock), DuckLake escapes
    the partition values it puts in file names: every file stays in the data path."""
    lake = lake_at(tmp_path / "warehouse")
    with commit.writer(lake) as con:
        con.execute(
            "INSERT INTO articles (article_id, source, date) VALUES "
            "('a', '../../../../escaped', DATE '2026-11-16'), ('b', '/abs', DATE '2026-11-16')"
        )
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    elsewhere = [p for p in files if not p.is_relative_to(lake.data_path)]
    locks = lake.root / layout.LOCKS
    assert {p.name for p in elsewhere if not p.is_relative_to(locks)} <= {
        layout.CATALOG_FILE, layout.ATTACH_FILE}  # fmt: skip
    assert {p.name for p in elsewhere if p.is_relative_to(locks)} <= {f"{layout.CATALOG_FILE}.lock"}
    assert sum(p.suffix == ".parquet" for p in files) == 2  # one per partition, both inside


def test_a_registry_with_a_traversing_id_is_refused(tmp_path, monkeypatch, warehouse):
    registry = tmp_path / "sources.yaml"
    registry.write_text("sources:\n  - id: ../../x\n    name: X\n    kind: archive\n    path: a\n")
    monkeypatch.setenv("NEWSFLOW_SOURCES", str(registry))
    with pytest.raises(SourceConfigError, match="invalid source id"):
        run_partition("../../x", DAY)
    assert not warehouse.exists() or not any(warehouse.rglob("*.parquet"))


def test_folder_archive_members_cannot_lead_outside_the_archive(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("root:x:0:0:the password file of this machine\n" * 20)
    archive = tmp_path / "archive"
    (archive / "2026").mkdir(parents=True)
    (archive / "2026" / "story.html").write_text(article_html(title="Ok", paragraphs=STORY))
    (archive / "2026" / "evil.html").symlink_to(outside)
    (archive / "2026" / "evil-dir").symlink_to(tmp_path, target_is_directory=True)

    folder = FolderArchive(archive)
    records = list(folder.records())
    assert [r.ref for r in records] == ["2026/story.html"]
    assert folder.skipped.get("outside_archive") == 1
    escaped = folder.record_at("../secret.txt")
    assert escaped.body is None and "outside the archive" in (escaped.detail or "")


def test_warc_target_uris_and_sidecars_never_name_a_file(make_archive, warehouse, tmp_path):
    """A WARC record whose target is a path, and a sidecar whose url is one, land
    (or are skipped) by the warehouse's own names: nothing is written elsewhere."""
    make_archive({})
    warc = tmp_path / "in.warc.gz"
    with warc.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for url in ("../../../../tmp/pwned.html", "file:///etc/passwd", "https://g.example/ok"):
            write_record(writer, url, article_html(title="T", paragraphs=STORY).encode())
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a.html").write_text(article_html(title="A", paragraphs=STORY[1:]))
    (folder / "a.html.json").write_text('{"url": "../../../tmp/pwned2", "date": "2026-11-16"}')
    before = set(tmp_path.parent.iterdir())
    for archive in (warc, folder):
        plan = imports.plan_import(archive, "gazette")
        for day in plan["dates"]:
            imports.import_partition(plan, day)
    assert set(tmp_path.parent.iterdir()) == before
    assert not Path("/tmp/pwned.html").exists() and not Path("/tmp/pwned2").exists()
    written = {p.relative_to(warehouse).parts[0] for p in warehouse.rglob("*") if p.is_file()}
    assert written <= {layout.DATA_DIR, layout.RAW, layout.STAGING, layout.LOCKS,
                       layout.CATALOG_FILE, layout.ATTACH_FILE}  # fmt: skip


# --- SQL is never spliced from data ----------------------------------------------

SQL_WORDS = re.compile(
    r"\b(SELECT|CREATE|INSERT|UPDATE|DELETE|COMMENT ON|COPY|ATTACH|DETACH|PRAGMA|ALTER TABLE|"
    r"CALL|DROP|INSTALL|LOAD|SET|USE|FROM|WHERE|JOIN|read_parquet)\b"
)
CATALOG = "include/newsflow/warehouse/catalog.py"
COMMIT = "include/newsflow/warehouse/commit.py"
MAINTENANCE = "include/newsflow/warehouse/maintenance.py"
MIGRATE = "include/newsflow/warehouse/migrate.py"
QUERIES = "include/newsflow/warehouse/queries.py"
SCHEMA = "include/newsflow/warehouse/schema.py"
SEARCH = "include/newsflow/warehouse/search.py"
VIEWS = "include/newsflow/warehouse/views.py"
#: ``(file, function, interpolated expression)`` in SQL text, each reviewed: table
#: and view names come from SCHEMAS / ANALYST_VIEWS / REPLACED_TABLES (constants, or
#: checked against SCHEMAS by ``as_table`` first), the lake's alias is ``ALIAS``, paths
#: and timestamps are quoted by ``catalog.sql_literal`` (or the same doubling of quotes),
#: a snapshot id is all digits, the rest are module constants.
REVIEWED = {
    (CATALOG, "attach_statements", "sql_literal(self.extension_dir)"),
    (CATALOG, "attach_statements", "name"),  # Lake.extensions: "ducklake" and the scanner
    (CATALOG, "attach_statements", "target"),  # sql_literal(...)
    (CATALOG, "attach_statements", "ALIAS"),
    (
        CATALOG,
        "attach_statements",
        "', '.join(options)",
    ),  # sql_literal'd path, digits, sql_literal'd time
    (CATALOG, "_search_attach", "SEARCH_ALIAS"),
    (CATALOG, "_search_attach", "path"),  # sql_literal(...)
    (CATALOG, "install_extensions", "sql_literal(extension_file(name))"),
    (CATALOG, "sandbox", "', '.join(map(sql_literal, allowed))"),
    (COMMIT, "create", "ALIAS"),
    (COMMIT, "_stale_partitioning", "meta"),  # f"__ducklake_metadata_{ALIAS}"
    (COMMIT, "writer", "ALIAS"),
    (COMMIT, "_replace_rows", "table"),
    (COMMIT, "_insert_rows", "table"),
    (COMMIT, "_insert_rows", "relation"),  # a registered name, or _parquet(path) (quoted)
    (COMMIT, "_commit_message", "ALIAS"),
    (COMMIT, "_last_snapshot", "ALIAS"),
    (COMMIT, "_parquet", "literal"),  # glob_literal(path), quoted
    # "c = s.c" and "e.c IS DISTINCT FROM s.c" for c in the constant SETTLED_COLUMNS
    (COMMIT, "set_entity_names", "c"),
    (COMMIT, "update", "assignments"),
    (COMMIT, "update", "differs"),
    (MAINTENANCE, "_data_files", "ALIAS"),
    (MAINTENANCE, "_delete_orphans", "ALIAS"),
    (MAINTENANCE, "_expire_snapshots", "ALIAS"),
    (MAINTENANCE, "_expire_snapshots", "snapshots"),  # f"ducklake_snapshots('{ALIAS}')"
    (MAINTENANCE, "maintain", "ALIAS"),
    (MAINTENANCE, "maintain", "step"),  # a constant tuple of DuckLake function names
    (MIGRATE, "_fingerprint", "columns"),
    (MIGRATE, "_fingerprint", "relation"),  # a table name or _relation(paths) (quoted)
    (MIGRATE, "move", "table"),
    (QUERIES, "check_read_only", "kind.name"),  # an error message, not SQL
    (QUERIES, "check_read_only", "statement.query.strip()[:60]"),  # ditto
    (QUERIES, "table_counts", "table"),  # callers pass table names (constants)
    (QUERIES, "published_rows", "table"),  # checked against the two names
    (SCHEMA, "create_table_sql", "table"),
    # the index's statements: module constants and a quoted temp path
    (SEARCH, "<module>", "ALIAS"),
    (SEARCH, "<module>", "SEARCH_ALIAS"),
    (SEARCH, "<module>", "SEARCH_MACRO"),
    (SEARCH, "<module>", "_FTS"),
    (SEARCH, "build_index", "ALIAS"),
    (SEARCH, "build_index", "SEARCH_ALIAS"),
    (SEARCH, "build_index", "sql_literal(temp)"),
    (SEARCH, "search", "SEARCH_ALIAS"),
    (SEARCH, "search", "SEARCH_MACRO"),
    # a table and column of SCHEMAS, with its type from _DUCKDB_TYPES
    (SCHEMA, "add_column_sql", "table"),
    (SCHEMA, "add_column_sql", "column"),
    (SCHEMA, "add_column_sql", "column_type"),
    (SCHEMA, "create_table_sql", "', '.join(columns)"),
    (SCHEMA, "partition_sql", "table"),
    (SCHEMA, "partition_sql", "', '.join(FILE_PARTITIONING[table])"),
    (VIEWS, "<module>", "NAME_LABELS_SQL"),
    (VIEWS, "<module>", "ALIAS"),
    (VIEWS, "analyst_view_statements", "name"),
    (VIEWS, "analyst_view_statements", "body"),
    (VIEWS, "create_views", "name"),
    (VIEWS, "create_views", "_fingerprint(statement)"),  # a hex digest
    ("plugins/newsflow_ui/queries.py", "top_entities", "NAME_LABELS_SQL"),
}


def spliced_sql(path: Path) -> set[tuple[str, str, str]]:
    """Every expression interpolated into SQL-looking text (f-strings, ``%``,
    ``.format``, ``+``) in one file, with the function it sits in."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[tuple[str, str, str]] = set()
    relative = path.relative_to(ROOT).as_posix()

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
            if SQL_WORDS.search(text):
                for value in node.values:
                    if isinstance(value, ast.FormattedValue):
                        found.add((relative, function, ast.unparse(value.value)))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
            for side, other in ((node.left, node.right), (node.right, node.left)):
                sql = isinstance(side, ast.Constant) and isinstance(side.value, str)
                if sql and SQL_WORDS.search(side.value) and not isinstance(other, ast.Constant):
                    found.add((relative, function, ast.unparse(other)))
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
            and isinstance(node.func.value, ast.Constant)
            and SQL_WORDS.search(str(node.func.value.value))
        ):
            found.add((relative, function, ast.unparse(node)))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "<module>")
    return found


def test_no_sql_is_built_from_data():
    files = [*(ROOT / "include").rglob("*.py"), *(ROOT / "dags").rglob("*.py"),
             *(ROOT / "plugins").rglob("*.py")]  # fmt: skip
    spliced = set().union(*(spliced_sql(f) for f in files))
    unreviewed = {entry for entry in spliced if entry not in REVIEWED}
    assert not unreviewed, (
        "SQL built from expressions nobody reviewed; pass data as parameters "
        f"(?, $name) or add a reviewed constant to REVIEWED: {sorted(unreviewed)}"
    )
    stale = REVIEWED - spliced
    assert not stale, f"REVIEWED names SQL the code no longer builds: {sorted(stale)}"


def test_a_warehouse_path_with_quotes_is_no_injection(tmp_path):
    """Paths are the one thing spliced into SQL (ATTACH, the sandbox, attach.sql);
    a quote in them stays a quote, in the pipeline's connection and the analysts'."""
    root = tmp_path / "o'brien'); DROP VIEW articles; --"
    lake = lake_at(root)
    publish(lake, "s", DAY, articles=[article("a")])
    with queries.analyst(lake) as con:
        assert con.execute("SELECT article_id, source FROM articles").fetchall() == [("a", "s")]
        assert con.execute("SELECT count(*) FROM source_daily").fetchone() == (1,)
    with duckdb.connect() as con:
        con.execute((root / layout.ATTACH_FILE).read_text(encoding="utf-8"))
        assert con.execute("SELECT article_id FROM articles").fetchall() == [("a",)]


# --- secrets never stored or logged ---------------------------------------------


def write_record(writer: WARCWriter, url: str, body: bytes) -> None:
    http = StatusAndHeaders(
        "200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(body)))], "HTTP/1.1"
    )
    record = writer.create_warc_record(
        url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http,
        warc_headers_dict={"WARC-Date": "2026-11-16T08:00:00Z"},
    )  # fmt: skip
    writer.write_record(record)


def test_credentials_in_urls_reach_no_table_archive_or_log(
    make_archive, warehouse, tmp_path, caplog
):
    make_archive({})
    warc = tmp_path / "in.warc.gz"
    with warc.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        write_record(
            writer,
            f"https://editor:{SECRET}@g.example/bridge?id=7&token={TOKEN}&utm_source=x",
            article_html(title="Bridge", paragraphs=STORY).encode(),
        )
        write_record(
            writer, f"https://g.example/stub?api_key={TOKEN}", b"<html><body>stub</body></html>"
        )
    caplog.set_level(logging.DEBUG)
    plan = imports.plan_import(warc, "gazette")
    for day in plan["dates"]:
        imports.import_partition(plan, day)

    with queries.analyst(Settings.from_env().lake()) as con:
        urls = con.execute(
            "SELECT url, canonical_url FROM articles UNION ALL SELECT url, NULL FROM rejects"
        ).fetchall()
        dump = str(con.execute("SELECT * FROM articles").fetchall())
        dump += str(con.execute("SELECT * FROM rejects").fetchall())
        dump += str(con.execute("SELECT * FROM runs").fetchall())
    assert ("https://g.example/bridge?id=7&utm_source=x", "https://g.example/bridge?id=7") in urls
    assert ("https://g.example/stub", None) in urls
    for secret in (SECRET, TOKEN):
        assert secret not in dump, f"{secret} stored in a table"
        assert secret not in caplog.text, f"{secret} logged"
        for path in warehouse.rglob("*"):
            if path.is_file():  # the lake's files and catalog, raw WARC, failure lists, marks
                data = path.read_bytes()
                if path.name.endswith(".gz"):
                    data = gzip.decompress(data)
                assert secret.encode() not in data, f"{secret} in {path}"


# --- newsflow query and the News page can only read, and only the warehouse ------

ARTICLES = 3
OUTSIDE_SECRET = "s3cret-outside-the-warehouse"


def attack_target(base: Path) -> Lake:
    """A published lake, and beside it (outside the root) files an attacker would want."""
    lake = lake_at(base / "warehouse")
    publish(lake, "gazette", DAY, articles=[article("a1"), article("a2")])
    publish(lake, "gazette", DAY + dt.timedelta(days=1), articles=[article("a3")])
    (base / "outside").mkdir()
    (base / "outside" / "secret.txt").write_text(OUTSIDE_SECRET)
    table = pa.table({"secret": [OUTSIDE_SECRET]})
    pq.write_table(table, base / "outside" / "secret.parquet")
    return lake


@pytest.fixture(scope="module")
def shared_lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    return attack_target(tmp_path_factory.mktemp("attacks"))


@pytest.fixture
def lake(request: pytest.FixtureRequest, shared_lake: Lake) -> Lake:
    """The lake the attacks go for: the module's, or (parametrized ``own-lake``) a fresh one."""
    if getattr(request, "param", "shared") is None:
        return request.getfixturevalue("own_lake")
    return shared_lake


@pytest.fixture
def outside(lake: Lake) -> Path:
    return lake.root.parent / "outside"


def fingerprint(lake: Lake) -> dict[str, str]:
    """Every file under the root (lake data, catalog, attach.sql) by content hash."""
    return {
        str(p.relative_to(lake.root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(lake.root.rglob("*"))
        if p.is_file() and layout.LOCKS not in p.parts
    }


def published_file(lake: Lake) -> Path:
    """One Parquet file the current snapshot of ``articles`` reads."""
    return next((lake.data_path / "main" / "articles").rglob("*.parquet"))


Query = Callable[..., tuple[int, str, str]]


@pytest.fixture
def newsflow_query(
    lake: Lake, outside: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> Iterator[Query]:
    """``newsflow query [--at N] SQL`` -> (exit code, stdout, stderr); afterwards the
    lake must be unchanged (every file, the article count) and nothing new outside it."""
    monkeypatch.setenv("NEWSFLOW_WAREHOUSE", str(lake.root))
    monkeypatch.delenv("NEWSFLOW_CATALOG", raising=False)
    before, outside_before = fingerprint(lake), sorted(outside.parent.rglob("*"))

    def run(sql: str, *options: str) -> tuple[int, str, str]:
        code = cli.main(["query", *options, sql])
        out = capsys.readouterr()
        return code, out.out, out.err

    yield run
    assert fingerprint(lake) == before, "the published lake changed"
    assert sorted(outside.parent.rglob("*")) == outside_before, "a file was written"
    assert run("SELECT count(*) AS n FROM articles")[1].split() == ["n", str(ARTICLES)]


REFUSED_BY_TYPE = {
    "copy-over-published-file": "COPY (SELECT * FROM articles LIMIT 0) TO '{published}' "
    "(FORMAT parquet)",
    "copy-table-out": "COPY articles TO '{outside}/dump.csv'",
    "attach": "ATTACH '{outside}/other.duckdb' AS other",
    "attach-read-only": "ATTACH '{outside}/secret.parquet' AS other (READ_ONLY)",
    "install": "INSTALL httpfs",
    "load": "LOAD fts",
    "set-external-access": "SET enable_external_access = true",
    "reset-external-access": "RESET enable_external_access",
    "unlock": "SET lock_configuration = false",
    "create-table": "CREATE TABLE articles2 AS SELECT * FROM articles",
    "create-view": "CREATE VIEW everything AS SELECT * FROM articles",
    "insert": "INSERT INTO articles (article_id, source, date) VALUES ('x', 'x', current_date)",
    "update": "UPDATE articles SET title = 'defaced'",
    "delete": "DELETE FROM articles",
    "drop": "DROP TABLE articles",
    "detach": "DETACH newsflow",
    "call-maintenance": "CALL ducklake_expire_snapshots('newsflow', older_than => now())",
    "one-write-among-reads": "SELECT count(*) FROM articles; DELETE FROM articles; SELECT 1",
    "copy-after-a-read": "SELECT 1; COPY articles TO '{outside}/dump.parquet'",
}


@pytest.mark.parametrize("attack", REFUSED_BY_TYPE)
def test_newsflow_query_refuses_every_statement_that_is_no_read(
    newsflow_query, lake, outside, attack
):
    sql = REFUSED_BY_TYPE[attack].format(published=published_file(lake), outside=outside)
    code, out, err = newsflow_query(sql)
    assert code == 2, (out, err)
    assert "only read statements" in err
    assert out == ""  # not even the reads before the write ran


OUTSIDE_READS = {
    "shadow": "SELECT * FROM read_text('/etc/shadow')",
    "passwd-as-csv": "SELECT * FROM read_csv('/etc/passwd')",
    "root-home": "SELECT * FROM glob('/root/**')",
    "a-file-beside-the-warehouse": "SELECT * FROM read_text('{outside}/secret.txt')",
    "parquet-beside-the-warehouse": "SELECT * FROM read_parquet('{outside}/secret.parquet')",
    "glob-beside-the-warehouse": "SELECT * FROM glob('{outside}/*')",
    "glob-the-parent": "SELECT * FROM glob('{outside}/../**')",
    "traverse-out-of-the-lake": "SELECT * FROM read_text('{data}/../../outside/secret.txt')",
    "blob": "SELECT * FROM read_blob('/etc/hostname')",
}


@pytest.mark.parametrize("attack", OUTSIDE_READS)
def test_newsflow_query_reads_nothing_outside_the_warehouse(newsflow_query, lake, outside, attack):
    sql = OUTSIDE_READS[attack].format(outside=outside, data=lake.data_path)
    code, out, err = newsflow_query(sql)
    assert code == 2, (out, err)
    assert "Permission Error" in err
    assert OUTSIDE_SECRET not in out and "root:" not in out


def test_time_travel_is_sandboxed_too(newsflow_query, outside):
    code, out, err = newsflow_query(f"SELECT * FROM read_text('{outside}/secret.txt')", "--at", "1")
    assert code == 2 and "Permission Error" in err and OUTSIDE_SECRET not in out


EXPLAINED_WRITES = {
    "analyze-delete": "EXPLAIN ANALYZE DELETE FROM articles",
    "analyze-copy-outside": "EXPLAIN ANALYZE COPY (SELECT 1 AS x) TO '{outside}/x.csv'",
    "analyze-copy-over-published-file": "EXPLAIN ANALYZE COPY (SELECT * FROM articles LIMIT 0) "
    "TO '{published}' (FORMAT parquet)",
    "analyze-copy-into-the-lake": "EXPLAIN ANALYZE COPY (SELECT 1 AS x) TO '{data}/extra.csv'",
}


@pytest.fixture
def own_lake(tmp_path: Path) -> Lake:
    """A lake for one test only: an attack that gets through must not spoil the others."""
    return attack_target(tmp_path)


@pytest.mark.parametrize("attack", EXPLAINED_WRITES)
@pytest.mark.parametrize("lake", [pytest.param(None, id="own-lake")], indirect=True)
def test_an_explained_write_changes_nothing(newsflow_query, lake, outside, attack):
    """``EXPLAIN ANALYZE`` runs the statement it explains: a write inside one must fail too
    (the fixture checks that the lake's files are unchanged and that none was added)."""
    sql = EXPLAINED_WRITES[attack].format(
        outside=outside, published=published_file(lake), data=lake.data_path
    )
    code, out, err = newsflow_query(sql)
    assert code != 0, (out, err)


def test_newsflow_query_still_reads_the_whole_lake(newsflow_query, lake):
    """The sandbox lets the lake itself be read: tables, views, its own files, snapshots."""
    code, out, _ = newsflow_query("SELECT count(*) AS n FROM source_daily")
    assert code == 0 and out.split() == ["n", "2"]
    files = (
        f"SELECT count(*) AS rows FROM read_parquet('{lake.data_path}/main/articles/**/*.parquet')"
    )
    assert newsflow_query(files)[1].split() == ["rows", str(ARTICLES)]
    code, out, _ = newsflow_query("SHOW TABLES")
    assert code == 0 and {"articles", "runs", "run_snapshots"} <= set(out.split())
    code, out, _ = newsflow_query("SELECT count(*) AS n FROM articles", "--at", "1")
    assert code == 0 and out.split() == ["n", "0"]  # before the first publish


def test_the_analyst_connection_is_locked_whatever_statement_reaches_it(lake, outside):
    """Below the statement check: the connection itself refuses to open up."""
    with queries.analyst(lake) as con:
        for setting in ("enable_external_access = true", "lock_configuration = false",
                        "allowed_directories = ['/']"):  # fmt: skip
            with pytest.raises(duckdb.Error, match="locked"):
                con.execute(f"SET {setting}")
        with pytest.raises(duckdb.Error, match="disabled"):
            con.execute("LOAD postgres_scanner")
        with pytest.raises(duckdb.Error, match="Permission"):
            con.execute("INSTALL httpfs")
        with pytest.raises(duckdb.Error, match="Permission"):
            con.execute(f"ATTACH '{outside}/other.duckdb' AS other")
        with pytest.raises(duckdb.Error, match=r"read.only"):
            con.execute("DELETE FROM articles")
        assert con.execute("SELECT current_setting('enable_external_access')").fetchone() == (
            False,
        )


def test_the_news_page_connection_is_sandboxed_the_same_way(lake, outside, monkeypatch):
    sys.path.insert(0, str(ROOT / "plugins"))
    from newsflow_ui.app import warehouse

    monkeypatch.setenv("NEWSFLOW_WAREHOUSE", str(lake.root))
    monkeypatch.delenv("NEWSFLOW_CATALOG", raising=False)
    before = fingerprint(lake)
    with warehouse() as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (ARTICLES,)
        for attack in (
            "SELECT * FROM read_text('/etc/shadow')",
            "SELECT * FROM glob('/root/**')",
            f"SELECT * FROM read_text('{outside}/secret.txt')",
            f"COPY articles TO '{outside}/dump.csv'",
            f"ATTACH '{outside}/other.duckdb' AS other",
        ):
            with pytest.raises(duckdb.Error, match="Permission"):
                con.execute(attack)
        with pytest.raises(duckdb.Error, match="locked"):
            con.execute("SET enable_external_access = true")
        with pytest.raises(duckdb.Error, match=r"read.only"):
            con.execute("DELETE FROM articles")
    assert fingerprint(lake) == before
    assert sorted(p.name for p in outside.iterdir()) == ["secret.parquet", "secret.txt"]


LAKE_WRITES_IN_A_SELECT = {
    "orphans": "SELECT * FROM ducklake_delete_orphaned_files('newsflow', cleanup_all => true)",
    "orphans-by-catalog": "SELECT * FROM newsflow.delete_orphaned_files(cleanup_all => true)",
    "old-files": "SELECT path FROM ducklake_cleanup_old_files('newsflow', cleanup_all => true)",
    "in-a-subquery": "SELECT count(*) FROM articles WHERE url IN "
    "(SELECT path FROM ducklake_delete_orphaned_files('newsflow', cleanup_all => true))",
    "explained": "EXPLAIN ANALYZE SELECT * FROM ducklake_expire_snapshots('newsflow')",
}


@pytest.mark.parametrize("attack", LAKE_WRITES_IN_A_SELECT)
def test_a_select_cannot_call_the_lake_s_maintenance(tmp_path, monkeypatch, capsys, attack):
    """A read-only attach stops their catalog writes but not every file deletion: an
    uncommitted publish's files look like orphans, and deleting them would break its
    commit. So a query may not call them, whatever statement wraps them."""
    lake = attack_target(tmp_path)
    in_flight = lake.data_path / "main" / "articles" / "ducklake-in-flight.parquet"
    pq.write_table(pa.table({"x": [1]}), in_flight)
    monkeypatch.setenv("NEWSFLOW_WAREHOUSE", str(lake.root))
    monkeypatch.delenv("NEWSFLOW_CATALOG", raising=False)
    assert cli.main(["query", LAKE_WRITES_IN_A_SELECT[attack]]) == 2
    assert "changes the lake" in capsys.readouterr().err
    assert in_flight.exists()
    assert cli.main(["query", "SELECT count(*) AS n FROM articles"]) == 0
    assert capsys.readouterr().out.split() == ["n", str(ARTICLES)]
