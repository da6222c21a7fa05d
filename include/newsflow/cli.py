"""The ``newsflow`` command line: the jobs the DAGs run, and the warehouse's reports.

Each subcommand resolves the settings once (the environment, with
``--sources`` and ``--warehouse`` over it) and passes them to the
``newsflow.jobs`` functions the DAGs call too, so a command and a DAG run of
the same work behave alike.

Exit codes: 0 done; 1 done, but some input failed (``extract`` of a page
that is no article); 2 a user error: a bad option, date, source, path,
setting, registry or query, a missing model or warehouse, any ``OSError`` or
DuckDB error. A user error is one line on stderr, ``newsflow: error: ...``;
``--debug`` shows its traceback instead.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from newsflow import __version__

if TYPE_CHECKING:
    from newsflow.config import Settings

SUMMARY_SQL = """
SELECT r.source, r.date, r.pages_in, r.articles, r.rejects, r.entities, s.snapshot_id
FROM latest_runs r LEFT JOIN run_snapshots s USING (run_id)
ORDER BY r.source, r.date
"""

TOP_ENTITIES_SQL = """
SELECT source, canonical, label, count(*) AS mentions, count(DISTINCT article_id) AS articles
FROM entities
WHERE label IN ('PERSON', 'ORG', 'GPE')
GROUP BY source, canonical, label
QUALIFY row_number() OVER (PARTITION BY source ORDER BY mentions DESC, canonical) <= 3
ORDER BY source, mentions DESC, canonical
"""


STATUS_SOURCES_SQL = """
SELECT source, count(*) AS partitions, min(date) AS first_date, max(date) AS last_date,
       sum(articles) AS articles, sum(rejects) AS rejects, sum(entities) AS entities,
       max(finished_at) AS last_run
FROM latest_runs
GROUP BY source ORDER BY source
"""

STATUS_PARTITIONS_SQL = """
WITH checks AS (
    SELECT source, date,
           CASE WHEN bool_or(status = 'fail') THEN 'fail'
                WHEN bool_or(status = 'warn') THEN 'warn' ELSE 'pass' END AS quality,
           string_agg(check_name, ',') FILTER (WHERE status <> 'pass') AS flagged
    FROM quality GROUP BY ALL
)
SELECT l.source, l.date, l.pages_in, l.articles, l.rejects, l.entities,
       coalesce(c.quality, '-') AS quality, coalesce(c.flagged, '') AS flagged,
       strftime(l.finished_at, '%Y-%m-%d %H:%M') AS finished, l.run_id
FROM latest_runs l LEFT JOIN checks c USING (source, date)
WHERE l.date > (SELECT max(date) FROM latest_runs) - ?::INTEGER
ORDER BY l.date DESC, l.source
"""


def _read_page(path: Path, *, max_bytes: int) -> bytes:
    """The file's bytes, at most ``max_bytes`` of them read: a larger file is rejected
    as the pipeline rejects it (``fetch/too_large``), never held in memory whole."""
    from newsflow.records import Stage
    from newsflow.text.extract import PageRejected

    with path.open("rb") as handle:
        body = handle.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise PageRejected(Stage.FETCH, "too_large", f"larger than {max_bytes} bytes")
    return body


def _cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    from newsflow.text.extract import PageRejected, extract_page

    failures = 0
    for path in args.paths:
        record: dict[str, object] = {"path": str(path)}
        try:
            body = _read_page(Path(path), max_bytes=settings.max_page_bytes)
            extracted = extract_page(body, mode=args.mode, budget=settings.page_time_budget)
        except PageRejected as e:
            failures += 1
            record.update(text=None, stage=str(e.stage), reason=e.reason, error=str(e))
        except OSError as e:
            failures += 1
            record.update(text=None, stage="fetch", reason="unreadable", error=str(e))
        else:
            record.update(
                title=extracted.title,
                author=extracted.author,
                authors=list(extracted.authors),
                published=extracted.published.isoformat() if extracted.published else None,
                date_source=extracted.date_source,
                modified=extracted.modified.isoformat() if extracted.modified else None,
                site_name=extracted.site_name,
                language=extracted.language,
                text=extracted.text,
            )
        print(json.dumps(record, ensure_ascii=False))
    return 1 if failures else 0


def _cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from newsflow.jobs.daily import run_partition  # its fetch step checks the source first

    result = run_partition(args.source, args.date, refetch=args.refetch, settings=settings)
    print(
        f"{result['source']} {result['date']}: pages_in={result['pages_in']} "
        f"articles={result['articles']} rejects={result['rejects']} "
        f"entities={result['entities']} reject_reasons={result['reject_reasons']} "
        f"seconds={result['seconds']}"
    )
    return 0


def _cmd_import_archive(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from newsflow.jobs.imports import import_date, plan_import
    from newsflow.jobs.upkeep import refresh_catalog, settle_names

    progress = sys.stderr.isatty()
    plan = plan_import(args.path, args.source, progress=progress, settings=settings)
    print(
        f"{plan['path']}: {plan['records']} pages over "
        f"{len(plan['dates']) + len(plan['already_imported'])} dates "
        f"({len(plan['already_imported'])} already imported); "
        f"records that are no pages: {plan['skipped_records'] or 'none'}"
    )
    print(f"{'date':10}  {'new':>5}  {'held':>5}  {'articles':>8}  {'rejects':>7}")
    for date in tqdm(plan["dates"], desc="partitions", unit=" days", disable=not progress):
        result = import_date(plan, date, settings=settings)
        print(
            f"{date:10}  {result['imported']:5d}  {result['already_held']:5d}  "
            f"{result['articles']:8d}  {result['rejects']:7d}"
        )
    settle_names(settings=settings)
    refresh_catalog(settings=settings)
    return 0


def _cmd_reprocess(args: argparse.Namespace, settings: Settings) -> int:
    from newsflow.jobs.reprocess import plan_reprocess
    from newsflow.jobs.sources import registered_source

    if args.source:  # a typo would find no partitions and say so, as if all were current
        registered_source(settings, args.source)
    todo = plan_reprocess(
        source_id=args.source,
        since=args.since,
        until=args.until,
        force=args.force,
        settings=settings,
    )
    print(f"{len(todo)} partitions made by other versions than the current ones")
    if args.dry_run:
        _preview(todo, settings)
    else:
        _reprocess(todo, settings)
    return 0


def _preview(todo: list[dict], settings: Settings) -> None:
    from tqdm import tqdm

    from newsflow.jobs.reprocess import preview_reprocess

    quiet = not sys.stderr.isatty()
    print(f"{'source':20}  {'date':10}  articles  before -> after  entities  before -> after")
    for item in tqdm(todo, desc="previewing", unit=" partitions", disable=quiet):
        diff = preview_reprocess(item["source"], item["date"], settings=settings)
        print(
            f"{item['source']:20}  {item['date']:10}  "
            f"articles {diff['articles_before']:6d} -> {diff['articles_after']:<6d} "
            f"(changed {diff['articles_changed']}, new {diff['articles_added']}, "
            f"gone {diff['articles_removed']})  "
            f"entities {diff['entities_before']:6d} -> {diff['entities_after']:<6d}"
        )


def _reprocess(todo: list[dict], settings: Settings) -> None:
    from tqdm import tqdm

    from newsflow.jobs.reprocess import cluster_reprocessed, reprocess
    from newsflow.jobs.upkeep import refresh_catalog, settle_names

    quiet = not sys.stderr.isatty()
    done = []
    for item in tqdm(todo, desc="reprocessing", unit=" partitions", disable=quiet):
        result = reprocess(item, settings=settings)
        done.append(result)
        print(
            f"{result['source']} {result['date']}: articles={result['articles']} "
            f"rejects={result['rejects']} entities={result['entities']}"
        )
    cluster_reprocessed(done, settings=settings)
    settle_names(settings=settings)
    refresh_catalog(settings=settings)


def _cmd_sources(args: argparse.Namespace, settings: Settings) -> int:
    from newsflow.jobs.sources import archive_dates, source_ids

    if args.dates:
        print("\n".join(archive_dates(settings=settings)))
    else:
        print("\n".join(source_ids(settings=settings)))
    return 0


def _print_table(cursor) -> list[tuple]:
    """Print a query's result as an aligned table; its rows, for what comes next."""
    columns = [d[0] for d in cursor.description]
    values = cursor.fetchall()
    rows = [[("" if v is None else str(v)) for v in row] for row in values]
    widths = [
        max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(columns)
    ]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
    return values


def _cmd_summary(args: argparse.Namespace, settings: Settings) -> int:
    from newsflow.warehouse import layout, queries, search

    with queries.analyst(settings.lake()) as con:
        print(f"Warehouse {settings.warehouse}: latest run per partition")
        _print_table(con.execute(SUMMARY_SQL))
        print("\nExample query: top entities per source")
        print(TOP_ENTITIES_SQL.strip())
        print()
        top = _print_table(con.execute(TOP_ENTITIES_SQL))
        if top:
            name = top[0][1]
            print(f'\nExample search: newsflow search "{name}" --limit 3')
            try:
                for hit in search.search(con, name, limit=3):
                    print(f"  {hit.score:6.2f}  {hit.source}  {hit.date}  {hit.title}")
            except search.IndexMissing as e:
                print(f"  {e}")
    attach = settings.warehouse / layout.ATTACH_FILE
    print(f'\nMore: newsflow query "SQL", or duckdb -init {attach} (read-only)')
    return 0


def _cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from newsflow.warehouse import queries

    with queries.analyst(settings.lake()) as con:
        print(f"Warehouse {settings.warehouse}")
        _print_table(con.execute(STATUS_SOURCES_SQL))
        print(f"\nPartitions of the last {args.days} days with data (latest run of each)")
        _print_table(con.execute(STATUS_PARTITIONS_SQL, [args.days]))
    return 0


def _cmd_query(args: argparse.Namespace, settings: Settings) -> int:
    from newsflow.warehouse import queries

    statements = queries.check_read_only(args.sql)  # NotReadOnly: before anything runs
    with queries.analyst(settings.lake(), at=args.at) as con:
        for statement in statements:
            _print_table(con.execute(statement))
    return 0


def _cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from newsflow.warehouse import queries, search

    with queries.analyst(settings.lake()) as con:
        hits = search.search(
            con, args.query, source=args.source, since=args.since, until=args.until,
            limit=args.limit,
        )  # fmt: skip
    for rank, hit in enumerate(hits, 1):
        print(f"{rank:2d}. {hit.score:6.2f}  {hit.source}  {hit.date}  {hit.title or '(no title)'}")
        print(f"    {hit.url or hit.article_id}")
        print(f"    {hit.snippet}")
    if not hits:
        print(f"no article matches {args.query!r}")
    return 0


def _cmd_warehouse_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from newsflow.warehouse.migrate import migrate

    report = migrate(settings.lake())
    print(
        f"migrated {report.partitions} partitions, verified row for row: "
        + ", ".join(f"{table}={rows}" for table, rows in report.rows.items())
    )
    if report.moved_to:
        print(f"the generation-layout files are now under {report.moved_to}")
    return 0


def _cmd_warehouse_init(args: argparse.Namespace, settings: Settings) -> int:
    from newsflow.jobs.upkeep import refresh_catalog

    refresh_catalog(settings=settings)
    print(f"the lake's tables and views are in place: {settings.warehouse}")
    return 0


def _cmd_warehouse_maintain(args: argparse.Namespace, settings: Settings) -> int:
    from newsflow.jobs.upkeep import index_articles, maintain_warehouse

    report = maintain_warehouse(settings=settings)
    print(" ".join(f"{key}={value}" for key, value in report.items()))
    index = index_articles(settings=settings)
    print(f"search index: {index['articles']} articles of snapshot {index['snapshot']} "
          f"in {index['seconds']} s")  # fmt: skip
    return 0


class _Parser(argparse.ArgumentParser):
    """A usage error is a user error like any other: one line, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"newsflow: error: {message} (see {self.prog} --help)\n")


def _date(text: str) -> str:
    """``--date``, ``--from``, ``--to``: ``YYYY-MM-DD`` exactly."""
    from newsflow.jobs.runs import as_date

    try:
        return as_date(text).isoformat()
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from e


def _existing_path(text: str) -> Path:
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"no such file or folder: {text!r}")
    return path


def _positive(text: str) -> int:
    wrong = argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    try:
        value = int(text)
    except ValueError:
        raise wrong from None
    if value < 1:
        raise wrong
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="newsflow", description=__doc__)
    parser.add_argument("--version", action="version", version=f"newsflow {__version__}")
    parser.add_argument("--sources", help="source registry (default: $NEWSFLOW_SOURCES)")
    parser.add_argument("--warehouse", help="warehouse root (default: $NEWSFLOW_WAREHOUSE)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument(
        "--debug", action="store_true", help="on an error, show its traceback, not one line"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    extract = commands.add_parser("extract", help="print the clean article of pages as JSON lines")
    extract.add_argument("--mode", choices=("auto", "html", "text"), default="auto")
    extract.add_argument("paths", nargs="+", metavar="PATH")
    extract.set_defaults(func=_cmd_extract)

    run = commands.add_parser("run", help="run one partition end to end, as the DAG does")
    run.add_argument("--source", required=True)
    run.add_argument("--date", required=True, type=_date, help="partition date, YYYY-MM-DD")
    run.add_argument(
        "--refetch",
        action="store_true",
        help="web sources: fetch the announced pages again (conditionally) even if ingested",
    )
    run.set_defaults(func=_cmd_run)

    archive = commands.add_parser(
        "import-archive", help="import a WARC file, a folder of pages or a JSONL dump"
    )
    archive.add_argument(
        "path", type=_existing_path, help=".warc/.warc.gz file, folder of .html/.txt, or .jsonl"
    )
    archive.add_argument("--source", required=True, help="the registered source it belongs to")
    archive.set_defaults(func=_cmd_import_archive)

    reprocess = commands.add_parser(
        "reprocess", help="re-extract and re-enrich partitions made by other versions"
    )
    reprocess.add_argument("--source", help="only this source")
    reprocess.add_argument("--from", dest="since", type=_date, help="first date, YYYY-MM-DD")
    reprocess.add_argument("--to", dest="until", type=_date, help="last date, YYYY-MM-DD")
    reprocess.add_argument("--force", action="store_true", help="redo even if up to date")
    reprocess.add_argument(
        "--dry-run",
        action="store_true",
        help="extract and enrich, but only show what would change (articles, entities)",
    )
    reprocess.set_defaults(func=_cmd_reprocess)

    sources = commands.add_parser("sources", help="list source ids (or --dates in the archives)")
    sources.add_argument("--dates", action="store_true", help="list archive partition dates")
    sources.set_defaults(func=_cmd_sources)

    status = commands.add_parser("status", help="partitions, counts, quality and last runs")
    status.add_argument("--days", type=_positive, default=7, help="partitions of the last N days")
    status.set_defaults(func=_cmd_status)

    summary = commands.add_parser("summary", help="counts per partition and top entities")
    summary.set_defaults(func=_cmd_summary)

    query = commands.add_parser("query", help="run read-only SQL against the warehouse")
    query.add_argument("sql")
    query.add_argument("--at", help="answer as of a lake snapshot id or a timestamp (time travel)")
    query.set_defaults(func=_cmd_query)

    find = commands.add_parser("search", help="full-text (BM25) search of the articles")
    find.add_argument("query", help="words to find, e.g. 'gas pipeline sanctions'")
    find.add_argument("--source", help="only this source")
    find.add_argument("--from", dest="since", type=_date, help="first date, YYYY-MM-DD")
    find.add_argument("--to", dest="until", type=_date, help="last date, YYYY-MM-DD")
    find.add_argument("--limit", type=_positive, default=10, help="at most N articles")
    find.set_defaults(func=_cmd_search)

    warehouse = commands.add_parser("warehouse", help="the lake: init, migrate, maintain")
    actions = warehouse.add_subparsers(dest="action", required=True)
    init = actions.add_parser(
        "init", help="create the lake's tables, views and attach.sql (a deployment's first step)"
    )
    init.set_defaults(func=_cmd_warehouse_init)
    migrate = actions.add_parser(
        "migrate", help="move a generation-layout warehouse into the lake (idempotent)"
    )
    migrate.set_defaults(func=_cmd_warehouse_migrate)
    maintain = actions.add_parser(
        "maintain",
        help="merge small files, expire old snapshots, delete unreferenced files, "
        "rebuild the search index",
    )
    maintain.set_defaults(func=_cmd_warehouse_maintain)
    return parser


def settings_for(args: argparse.Namespace) -> Settings:
    """The process's settings, with ``--sources`` and ``--warehouse`` over the environment's.

    The options build the settings the commands pass down; the environment
    itself is left alone (nothing else in the process reads it behind them).
    """
    from newsflow.config import Settings

    given = {"NEWSFLOW_SOURCES": args.sources, "NEWSFLOW_WAREHOUSE": args.warehouse}
    overrides = {name: value for name, value in given.items() if value}
    if not overrides:
        return Settings.current()
    return Settings.from_env({**os.environ, **overrides})


def _user_errors() -> tuple[type[BaseException], ...]:
    """What a user causes and can mend: the registry, a setting, a path, a query, an
    install. Imported when an error is raised, so ``--help`` loads none of them."""
    import duckdb

    from newsflow.acquire.crawler import DiscoveryFailed
    from newsflow.acquire.readers import ArchiveError
    from newsflow.config import SettingsError
    from newsflow.records import SourceConfigError
    from newsflow.warehouse.catalog import ExtensionMissing
    from newsflow.warehouse.queries import NotReadOnly

    return (
        OSError,
        duckdb.Error,
        SettingsError,
        SourceConfigError,
        ArchiveError,
        NotReadOnly,
        ExtensionMissing,
        DiscoveryFailed,
    )


def _is_user_error(error: BaseException) -> bool:
    """``error`` is a user error, or was raised from one (``raise ... from e``: a missing
    spaCy model is a ``RuntimeError`` from spaCy's ``OSError``)."""
    kinds = _user_errors()
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, kinds):
            return True
        cause = cause.__cause__
    return False


def _error_line(error: BaseException) -> str:
    """``newsflow: error: ...``: the first line of the error's message (DuckDB's
    messages go on with the statement and a caret)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return f"newsflow: error: {lines[0] if lines else type(error).__name__}"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return args.func(args, settings_for(args))
    except Exception as error:
        if not _is_user_error(error):
            raise  # a bug: its traceback is what a report needs
        if args.debug:
            traceback.print_exc()
        else:
            print(_error_line(error), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
