"""Measure metadata accuracy: title, author, published date and language.

The shared AEB truth has article bodies and URLs only, so metadata is measured
on pages whose truth is known: a fresh archive from the project's own page
generator (``testkit.sitegen``, three site templates: semantic
HTML5, Drupal-style div soup with JSON-LD, and plain-text dumps), with a
different seed than the committed sample so the figures are not read off the
pages the tests use. Prints accuracy per input format and field, and where
the published dates came from (``date_source``).

Usage: ``python tools/eval_metadata.py [--pages-per-day N] [--seed S]``
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from newsflow.text.extract import PageRejected, extract_page
from testkit.sitegen import generate_archive

log = logging.getLogger("eval_metadata")
FIELDS = ("title", "author", "published", "language")


def _matches(field: str, expected: object, found: object) -> bool:
    if field == "published":
        return found is not None and str(found) == str(expected)[:10]
    if field == "author":
        return isinstance(found, str) and found.casefold() == str(expected).casefold()
    return found == expected


def evaluate(pages_per_day: int, seed: int) -> tuple[dict, Counter]:
    """``{format: {field: [hits, total]}}`` and the date sources seen."""
    scores: dict[str, dict[str, list[int]]] = defaultdict(lambda: {f: [0, 0] for f in FIELDS})
    sources: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(prefix="newsflow-eval-metadata-") as tmp:
        manifest = generate_archive(
            Path(tmp), pages_per_day=pages_per_day, seed=seed, entity_model=None
        )
        for page in (p for p in manifest if p["expect"] == "article"):
            try:
                extracted = extract_page((Path(tmp) / page["path"]).read_bytes())
            except PageRejected as e:
                log.warning("%s rejected: %s", page["path"], e)
                extracted = None
            sources[f"{page['format']}:{extracted.date_source if extracted else 'rejected'}"] += 1
            for field in FIELDS:
                found = getattr(extracted, field, None) if extracted else None
                score = scores[page["format"]][field]
                score[0] += _matches(field, page[field], found)
                score[1] += 1
    return scores, sources


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages-per-day", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    scores, sources = evaluate(args.pages_per_day, args.seed)
    print(f"Metadata accuracy on generated pages (seed {args.seed}, the project's generator)")
    print(f"{'format':8} {'pages':>6} " + " ".join(f"{f:>10}" for f in FIELDS))
    for fmt, fields in sorted(scores.items()):
        total = fields["title"][1]
        print(f"{fmt:8} {total:6d} " + " ".join(f"{h / n:10.3f}" for h, n in fields.values()))
    print("published date sources: " + ", ".join(f"{k}={v}" for k, v in sorted(sources.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
