"""NER bounded by construction: memory whatever the articles, a time budget per article.

Four articles of about 490 KB (allowed: under ``MAX_ARTICLE_CHARS``) took
3.2 GB and 35 s of NER when each went to spaCy whole. Here they go through
the enrich path (``article_batches`` -> ``enrich_batch`` -> staged Parquet)
in a child process with the default settings, and its peak RSS is measured.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import random
import re
import subprocess
import sys
import time

import pyarrow as pa
import pyarrow.parquet as pq

from newsflow.acquire.pages import RawPage
from newsflow.config import Settings
from newsflow.jobs.batch import EnrichOptions, article_batches, enrich_batch, raw_size
from newsflow.nlp.bounds import batched, chunk_spans
from newsflow.records import Article
from newsflow.text.extract import MAX_ARTICLE_CHARS
from newsflow.warehouse.schema import as_table
from support.paths import ROOT

ARTICLE_CHARS = 490_000
PEAK_LIMIT_MB = 1500

#: Words the sentences draw from (a space between them), so no name repeats much.
_WORDS = {
    "first": "Elena Tomas Maria Ahmed Chen Olga Pierre Fatima Jonas Priya Kwame Ingrid Mateo "
    "Yuki Samuel Leila Dmitri Anika Rafael Noor Henrik Sofia Kenji Amara Lucas Zofia Omar Hana",
    "last": "Marchetti Ferreira Lopes Okafor Novak Lindqvist Haddad Tanaka Kowalski Mendes "
    "Brennan Sato Dubois Petrov Alvarez Nakamura Schneider Osei Rahman Costa Moreau Jensen Ibrahim",
    "city": "Lisbon Madrid Nairobi Oslo Warsaw Lagos Seoul Lima Hanoi Vienna Dublin Accra",
    "country": "Portugal Spain Kenya Norway Poland Nigeria Japan Peru Vietnam Ireland",
    "month": "January March April June August September November December",
    "day": "Monday Tuesday Wednesday Thursday Friday",
}
_ORGS = (
    "the European Investment Bank",
    "the World Health Organization",
    "Northwind Shipping",
    "the Central Statistics Office",
    "Atlas Energy",
    "the International Monetary Fund",
    "Meridian Bank",
    "the United Nations",
)
_SENTENCES = (
    "{p} told reporters in {c} on {d} that talks with {o} would resume in {m}.",
    "The agreement, worth {n} million euros, was signed by {p} and {q} in {c}.",
    "According to {o}, exports from {k} rose by {s} percent in {m}, the most since {y}.",
    "{q} said the plan was unrealistic and called on {o} to publish its figures.",
    "Residents of {c} waited for hours on {d} as the strike closed the airport.",
    "In a statement, {o} said it had opened an office in {c} and hired {n} staff.",
    "Minister {p} flew to {k} on {d} for a two-day visit, her first since {y}.",
    "Critics, among them {q}, warned that the deal left {k} exposed to rising prices.",
    "{p}, who has led the negotiations since {y}, is expected to meet {q} in {c} in {m}.",
    "Shares of {o} fell {s} percent on {d} after the company cut its forecast.",
    "Trade between {k} and {l} has doubled since {y}, figures from {o} show.",
)


def prose(chars: int, seed: int) -> str:
    """About ``chars`` characters of news paragraphs, many names in varied sentences."""
    rng = random.Random(seed)
    words = {kind: spaced.split() for kind, spaced in _WORDS.items()}

    def pick(kind: str) -> str:
        return rng.choice(words[kind])

    def person() -> str:
        return f"{pick('first')} {pick('last')}"

    paragraphs, size = [], 0
    while size < chars:
        paragraph = " ".join(
            rng.choice(_SENTENCES).format(
                p=person(),
                q=person(),
                c=pick("city"),
                k=pick("country"),
                l=pick("country"),
                o=rng.choice(_ORGS),
                d=pick("day"),
                m=pick("month"),
                n=rng.randint(2, 900),
                s=rng.randint(2, 40),
                y=rng.randint(1990, 2025),
            )
            for _ in range(rng.randint(2, 6))
        )
        paragraphs.append(paragraph[0].upper() + paragraph[1:])
        size += len(paragraph) + 2
    return "\n\n".join(paragraphs)[:chars]


def article(i: int, text: str) -> Article:
    """An extracted article, not yet enriched, as the extract step stages it."""
    return Article(
        article_id=f"long-{i}",
        url=f"https://gazette.example/long-{i}",
        canonical_url=None,
        title=f"Long read {i}",
        author=None,
        authors=[],
        published_at=dt.date(2026, 11, 16),
        modified_at=None,
        date_source="meta",
        site_name=None,
        language="en",
        text=text,
        word_count=len(text.split()),
        content_hash=str(i),
        input_format="html",
        extractor_version="test",
        pipeline_version="test",
        ner_model=None,
        entity_count=0,
        ingested_at=dt.datetime(2026, 11, 16, tzinfo=dt.UTC),
        raw_ref=f"long-{i}.html",
        fingerprint=b"",
        cluster_id=None,
        duplicate_of=None,
    )


#: The enrich path of a partition with the child's settings; prints what the test checks.
CHILD = """
import json, sys, time
from pathlib import Path
import pyarrow.parquet as pq
from newsflow.config import Settings
from newsflow.jobs.batch import EnrichOptions, article_batches, enrich_batch
from newsflow.warehouse.commit import PartitionWriter

settings = Settings.from_env()
started = time.perf_counter()
extracted = pq.ParquetFile(sys.argv[1])
batches = article_batches(
    extracted.iter_batches(batch_size=settings.page_batch_size),
    max_chars=settings.page_batch_chars,
)
cut = []
with PartitionWriter(Path(sys.argv[2]), ["articles", "entities"]) as out:
    for batch in batches:
        enriched = enrich_batch(batch, EnrichOptions.from_settings(settings))
        out.write("articles", enriched.articles)
        out.write("entities", enriched.entities)
        cut += enriched.ner_cut
seconds = time.perf_counter() - started
peak_kb = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0])
print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, "cut": cut}))
"""


def test_four_articles_of_490_kb_stay_under_the_memory_bound(tmp_path):
    """Peak RSS of the enrich path stays under 1.5 GB; every article is read to its end."""
    texts = [prose(ARTICLE_CHARS, seed=i) for i in range(4)]
    assert all(len(t) < MAX_ARTICLE_CHARS for t in texts)
    pq.write_table(
        as_table("articles", [article(i, t) for i, t in enumerate(texts)]),
        tmp_path / "extracted.parquet",
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "include"),
        "NEWSFLOW_WORKERS": "1",
        "NEWSFLOW_NER_TIME_BUDGET": "0",  # read every chunk, however slow the machine
    }
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "extracted.parquet"), str(tmp_path / "out")],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.splitlines()[-1])
    settings = Settings.from_env(env)
    print(
        f"\nNER of 4 x {ARTICLE_CHARS:,} chars: peak RSS {figures['peak_mb']:.0f} MB, "
        f"enrich {figures['seconds']:.1f} s (child {time.monotonic() - started:.1f} s); "
        f"chunks of {settings.ner_chunk_chars:,} chars, batches of "
        f"{settings.ner_batch_tokens:,} tokens"
    )
    assert figures["peak_mb"] < PEAK_LIMIT_MB
    assert figures["cut"] == []

    articles = pq.read_table(tmp_path / "out" / "articles.parquet").to_pylist()
    entities = pq.read_table(tmp_path / "out" / "entities.parquet").to_pylist()
    by_article: dict[str, list[dict]] = {}
    for e in entities:
        by_article.setdefault(e["article_id"], []).append(e)
    for a, text in zip(articles, texts, strict=True):
        found = by_article[a["article_id"]]
        assert a["entity_count"] == len(found) and a["ner_model"]
        assert all(text[e["start_char"] : e["end_char"]] == e["text"] for e in found)
        last_chunk = chunk_spans(text, settings.ner_chunk_chars)[-1][0]
        assert max(e["start_char"] for e in found) >= last_chunk


def test_an_article_over_its_time_budget_keeps_its_first_entities_and_is_recorded(caplog):
    long_text, short_text = prose(6_000, seed=7), "Maria Lopes of Reuters reported from Madrid."
    table = as_table("articles", [article(0, long_text), article(1, short_text)])
    options = EnrichOptions.from_settings(Settings.from_env({}))
    options = dataclasses.replace(
        options,
        ner_limits=dataclasses.replace(
            options.ner_limits, chunk_chars=1_000, batch_tokens=1, time_budget=1e-9
        ),
    )
    with caplog.at_level(logging.WARNING, logger="newsflow.jobs.batch"):
        enriched = enrich_batch(table, options)
    assert enriched.ner_cut == ["long-0"]
    counts = dict(
        zip(
            enriched.articles.column("article_id").to_pylist(),
            enriched.articles.column("entity_count").to_pylist(),
            strict=True,
        )
    )
    first_chunk_end = chunk_spans(long_text, 1_000)[0][1]
    mine = [e for e in enriched.entities if e.article_id == "long-0"]
    assert mine and counts["long-0"] == len(mine)
    assert all(e.end_char <= first_chunk_end for e in mine)
    assert counts["long-1"] >= 2
    [warning] = [r.getMessage() for r in caplog.records]
    assert re.search(rf"^article long-0: NER stopped at character {first_chunk_end}", warning)


def test_article_batches_are_bounded_in_characters_and_keep_every_row_in_order():
    texts = ["a" * 300, "b" * 300, "c" * 900, "d" * 100, "e" * 100, "f" * 100]
    rows = as_table("articles", [article(i, t) for i, t in enumerate(texts)]).to_batches()
    tables = list(article_batches(rows, max_chars=600))
    assert (
        [t.column("text").to_pylist() for t in tables]
        == [
            texts[0:2],
            texts[2:3],  # longer than the bound: a batch alone
            texts[3:6],
        ]
    )
    assert all(isinstance(t, pa.Table) for t in tables)
    [whole] = article_batches(rows, max_chars=0)
    assert whole.num_rows == len(texts)


def test_raw_pages_weigh_their_bytes_in_a_batch():
    pages = [
        RawPage(source="s", date=dt.date(2026, 11, 16), raw_ref=str(i), body=body)
        for i, body in enumerate([b"x" * 400, None, b"x" * 700, b"x" * 100])
    ]
    batches = batched(pages, 64, max_weight=800, weight=raw_size)
    sizes = [[len(p.body or b"") for p in batch] for batch in batches]
    assert sizes == [[400, 0, 700], [100]]  # a batch ends once it reaches 800 bytes
