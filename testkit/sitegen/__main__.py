"""Write the committed sample archive (or a large synthetic one for benchmarks).

Usage::

    python -m testkit.sitegen                      # rewrites include/sample_archive
    python -m testkit.sitegen --out /tmp/bench --pages-per-day 200 --no-entities
    python -m testkit.sitegen --report             # + trafilatura leftovers
"""

from __future__ import annotations

import argparse
import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .archive import generate_archive
from .manifest import trafilatura_report
from .sites import DEFAULT_DATES, DEFAULT_MODEL, DEFAULT_SEED, DEFAULT_SOURCES

log = logging.getLogger("testkit.sitegen")
#: testkit lives at the top of the checkout, next to include/.
DEFAULT_OUT = Path(__file__).resolve().parents[2] / "include" / "sample_archive"
#: An English article with fewer verified entities is worth a look at the template.
MIN_ENTITIES = 2


def _parser() -> argparse.ArgumentParser:
    """The command line; the flags are those of the former tools/make_sample_archive.py."""
    parser = argparse.ArgumentParser(
        prog="python -m testkit.sitegen", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="archive root")
    parser.add_argument("--pages-per-day", type=int, default=4, help="articles per source/date")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--sources", nargs="+", default=list(DEFAULT_SOURCES))
    parser.add_argument("--dates", nargs="+", default=list(DEFAULT_DATES))
    parser.add_argument("--no-extras", action="store_true", help="no German or broken pages")
    parser.add_argument("--no-entities", action="store_true", help="skip the spaCy check")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="spaCy model for the check")
    parser.add_argument("--report", action="store_true", help="print trafilatura leftovers")
    return parser


def _print_counts(manifest: Sequence[dict[str, Any]]) -> None:
    """Files written per source and date, so a regeneration's size shows at a glance."""
    counts = Counter((entry["source"], entry["date"]) for entry in manifest)
    for (source, day), n in sorted(counts.items()):
        print(f"{source} {day}: {n} pages")


def _warn_few_entities(manifest: Sequence[dict[str, Any]]) -> None:
    """Name English articles whose manifest lists fewer than two verified entities."""
    short = [
        m["path"]
        for m in manifest
        if m["expect"] == "article" and m["language"] == "en" and len(m["entities"]) < MIN_ENTITIES
    ]
    if short:
        log.warning("fewer than %d verified entities:\n  %s", MIN_ENTITIES, "\n  ".join(short))


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: regenerate the sample archive (or a bigger one elsewhere)."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    args = _parser().parse_args(argv)
    manifest = generate_archive(
        args.out,
        sources=args.sources,
        dates=args.dates,
        pages_per_day=args.pages_per_day,
        seed=args.seed,
        extras=not args.no_extras,
        entity_model=None if args.no_entities else args.model,
    )
    _print_counts(manifest)
    if not args.no_entities:
        _warn_few_entities(manifest)
    if args.report:
        for path, issues in trafilatura_report(args.out, manifest).items():
            print(path, *issues, sep="\n  ")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
