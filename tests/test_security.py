"""Security: nothing escapes the warehouse, no SQL is spliced from data, no secret is kept.

Source ids, archive member names, WARC target URIs and sidecar JSON all come
from outside; none of them may choose where a file is read or written. SQL
gets ids and dates as parameters; the few identifiers and paths spliced into
view definitions are reviewed constants (listed here: a new one fails this
test until someone looks at it). URLs with ``user:password@`` or a token
parameter are stored without them, in the tables, the raw archive and logs.
"""

from __future__ import annotations

import ast
import datetime as dt
import gzip
import io
import logging
import re
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from conftest import ROOT, STORY, article_html
from newsflow import imports, store
from newsflow.archives import FolderArchive
from newsflow.pipeline import run_partition
from newsflow.sources import SourceConfigError

DAY = dt.date(2026, 11, 16)
SECRET = "hunter2"
TOKEN = "tok3n5ecret"

# --- path traversal ---------------------------------------------------------------

EVIL_IDS = ["../../etc", "..", "a/b", "a\\b", "", "x" * 65, "Gazette", "g\x00", "~root", "g/.."]


@pytest.mark.parametrize("source", EVIL_IDS)
def test_no_store_path_can_be_built_from_a_hostile_source_id(tmp_path, source):
    for build in (
        lambda: store.partition_dir(tmp_path, "articles", source, DAY),
        lambda: store.generations_dir(tmp_path, source, DAY),
        lambda: store.raw_archive(tmp_path, source, DAY),
        lambda: store.discovery_cache(tmp_path, source),
        lambda: store.http_state(tmp_path, source),
        lambda: store.imported_dates(tmp_path, source, "x"),
    ):
        with pytest.raises(SourceConfigError):
            build()


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
    assert escaped.body is None and "outside the archive" in (escaped.error or "")


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
    assert written <= {"articles", "entities", "rejects", "runs", "quality", "raw",
                       "_partitions", "_staging"}  # fmt: skip


# --- SQL is never spliced from data ----------------------------------------------

SQL_WORDS = re.compile(r"\b(SELECT|CREATE|INSERT|UPDATE|DELETE|COMMENT ON|COPY|ATTACH|PRAGMA)\b")
#: ``(file, function, interpolated expression)`` in SQL text, each reviewed:
#: table and view names come from SCHEMAS / ANALYST_VIEWS (constants), paths are
#: quoted by ``store._quote``, the rest are module constants.
REVIEWED = {
    ("include/newsflow/store.py", "_view_sql", "table"),
    ("include/newsflow/store.py", "_view_sql", "files"),
    ("include/newsflow/store.py", "_view_sql", "pointers"),
    ("include/newsflow/store.py", "_view_sql", "_HIVE"),
    ("include/newsflow/store.py", "_view_sql", "LEGACY_GENERATION"),
    ("include/newsflow/store.py", "_empty_view_sql", "table"),
    ("include/newsflow/store.py", "_empty_view_sql", "columns"),
    ("include/newsflow/store.py", "_empty_view_sql", "_DUCKDB_TYPES[str(field.type)]"),
    ("include/newsflow/store.py", "_empty_view_sql", "field.name"),
    ("include/newsflow/store.py", "ensure_catalog", "table"),
    ("include/newsflow/store.py", "ensure_catalog", "_fingerprint(sql)"),
    ("include/newsflow/views.py", "analyst_view_statements", "name"),
    ("include/newsflow/views.py", "analyst_view_statements", "body"),
    ("include/newsflow/views.py", "<module>", "NAME_LABELS_SQL"),
    ("include/newsflow/pipeline.py", "cluster_stories", "columns"),
    ("include/newsflow/pipeline.py", "warehouse_counts", "table"),
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


def test_a_warehouse_path_with_quotes_is_no_injection(tmp_path):
    """Paths are the one thing spliced into view SQL; a quote in them stays a quote."""
    root = tmp_path / "o'brien'); DROP VIEW articles; --"
    staging = root / store.STAGING / "x"
    with store.PartitionWriter(staging) as writer:
        writer.write("articles", [{"article_id": "a"}])
    store.publish(staging, root, "s", DAY)
    assert store.ensure_catalog(root)
    with store.connect(root) as con:
        assert con.execute("SELECT article_id, source FROM articles").fetchall() == [("a", "s")]


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

    with store.open_views(warehouse) as con:
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
            if path.is_file():  # partitions, raw WARC, failure lists, the import index
                data = path.read_bytes()
                if path.name.endswith(".gz"):
                    data = gzip.decompress(data)
                assert secret.encode() not in data, f"{secret} in {path}"
