"""Measure, on ``wcxb-dev``, what the pipeline keeps and the metadata it finds.

Every page of ``<corpora>/wcxb-dev`` (articles and the other kinds: service,
forum, listing, product, collection, documentation) goes through
``newsflow.text.extract.extract_page``, the pipeline's whole gate, and
``trafilatura.bare_extraction`` (default mode, with metadata) beside it:

* **article or not**: the share of articles kept and of other pages rejected
  by newsflow, per page kind, with the reasons. trafilatura has no such gate;
  its row counts a page as kept when it returns any text.
* **metadata of the articles**: title, author and published date against the
  truth, for the articles the truth names them for. Title and author compare
  after case and punctuation folding; the date compares ``YYYY-MM-DD``.

Nothing is learned from these pages here, so no folds are needed; a tool that
learns from them must report site-grouped folds of its own. When the corpus is
missing the tool says so and exits 0.

Usage: ``python tools/eval_pages.py [--corpora DIR] [--limit N] [--jobs N]``
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import multiprocessing as mp
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import trafilatura

from newsflow.text.extract import PageRejected, decode, extract_page

log = logging.getLogger("eval_pages")

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPORA = REPO.parent / "shared" / "corpora"
FIELDS = ("title", "author", "date")
SYSTEMS = ("newsflow", "trafilatura")
_PUNCTUATION = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class PageOutcome:
    """What each system made of one page."""

    pid: str
    kind: str
    kept: dict[str, bool]
    reason: str | None
    found: dict[str, dict[str, str | None]]


def fold(value: object) -> str:
    """Case, accents' composition and punctuation folded: how titles and names compare."""
    text = unicodedata.normalize("NFKC", str(value or "")).casefold()
    return _PUNCTUATION.sub(" ", text).strip()


def _newsflow(body: bytes) -> tuple[bool, str | None, dict[str, str | None]]:
    try:
        page = extract_page(body)
    except PageRejected as e:
        return False, f"{e.stage}/{e.reason}", dict.fromkeys(FIELDS)
    published = page.published.isoformat() if page.published else None
    return True, None, {"title": page.title, "author": page.author, "date": published}


def _trafilatura(body: bytes) -> tuple[bool, dict[str, str | None]]:
    try:
        document = trafilatura.bare_extraction(
            decode(body), include_comments=False, with_metadata=True
        )
    except PageRejected:
        document = None
    if document is None:
        return False, dict.fromkeys(FIELDS)
    date = (document.date or "")[:10] or None
    return bool(document.text), {"title": document.title, "author": document.author, "date": date}


def judge(task: tuple[str, str, str]) -> PageOutcome:
    """Both systems on one page (in a worker process)."""
    pid, kind, path = task
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    body = gzip.decompress(Path(path).read_bytes())
    kept, reason, ours = _newsflow(body)
    theirs_kept, theirs = _trafilatura(body)
    return PageOutcome(
        pid,
        kind,
        {"newsflow": kept, "trafilatura": theirs_kept},
        reason,
        {"newsflow": ours, "trafilatura": theirs},
    )


def metadata_scores(
    outcomes: list[PageOutcome], truth: dict[str, dict]
) -> dict[str, dict[str, tuple[int, int]]]:
    """``{system: {field: (hits, pages with that field in the truth)}}`` over articles."""
    scores: dict[str, dict[str, list[int]]] = {s: {f: [0, 0] for f in FIELDS} for s in SYSTEMS}
    for outcome in outcomes:
        if outcome.kind != "article":
            continue
        for field in FIELDS:
            expected = truth[outcome.pid].get(field)
            if not expected:
                continue
            for system in SYSTEMS:
                found = outcome.found[system][field]
                hit = found is not None and (
                    str(found)[:10] == str(expected)[:10]
                    if field == "date"
                    else fold(found) == fold(expected)
                )
                scores[system][field][0] += hit
                scores[system][field][1] += 1
    return {s: {f: (h, n) for f, (h, n) in fields.items()} for s, fields in scores.items()}


def print_report(outcomes: list[PageOutcome], truth: dict[str, dict]) -> None:
    """Kept shares per page kind, rejection reasons, metadata accuracy."""
    by_kind: dict[str, list[PageOutcome]] = defaultdict(list)
    for outcome in outcomes:
        by_kind[outcome.kind].append(outcome)
    print(f"wcxb-dev: {len(outcomes)} pages; trafilatura {trafilatura.__version__}")
    print()
    print(f"{'page kind':<15} {'pages':>5} {'newsflow kept':>14} {'trafilatura kept':>17}")
    for kind in sorted(by_kind, key=lambda k: (k != "article", k)):
        rows = by_kind[kind]
        shares = [sum(o.kept[s] for o in rows) / len(rows) for s in SYSTEMS]
        print(f"{kind:<15} {len(rows):5d} {shares[0]:14.1%} {shares[1]:17.1%}")
    others = [o for o in outcomes if o.kind != "article"]
    articles = by_kind.get("article", [])
    if others and articles:
        rejected = sum(not o.kept["newsflow"] for o in others) / len(others)
        kept = sum(o.kept["newsflow"] for o in articles) / len(articles)
        print(
            f"\nnewsflow: {kept:.1%} of articles kept (goal >= 98%), "
            f"{rejected:.1%} of other pages rejected (goal >= 90%)\n"
            "  (in sample: the article-or-not model learned from these pages; its figures\n"
            "  on sites it did not learn from are tools/learn_pagekind.py's, out of fold)"
        )
    reasons = Counter((o.kind == "article", o.reason) for o in outcomes if o.reason)
    print("\nnewsflow rejections (article pages / other pages):")
    for reason in sorted({r for _, r in reasons}):
        print(f"  {reason:<28} {reasons[True, reason]:5d} {reasons[False, reason]:5d}")
    print("\nmetadata of the articles (hits / pages whose truth has the field):")
    scores = metadata_scores(outcomes, truth)
    print(f"{'field':<8} {'newsflow':>16} {'trafilatura':>16}")
    for field in FIELDS:
        cells = []
        for system in SYSTEMS:
            hits, total = scores[system][field]
            cells.append(f"{hits / total if total else 0:.3f} ({hits}/{total})")
        print(f"{field:<8} {cells[0]:>16} {cells[1]:>16}")


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    ap.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    ap.add_argument("--limit", type=int, default=None, help="only the first N pages")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    corpus = args.corpora / "wcxb-dev"
    if not (corpus / "ground-truth.json").is_file():
        print(f"{corpus} not found: nothing to measure")
        return 0
    truth = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    pids = sorted(truth)[: args.limit]
    tasks = [
        (pid, truth[pid]["page_type"], str(corpus / "html" / f"{pid}.html.gz")) for pid in pids
    ]
    with mp.Pool(args.jobs) as pool:
        outcomes = list(pool.imap_unordered(judge, tasks, chunksize=4))
    print_report(sorted(outcomes, key=lambda o: o.pid), truth)
    return 0


if __name__ == "__main__":
    sys.exit(main())
