"""Measure entities across the corpus: one label per name, label accuracy, short names, places.

Generates a month of plain-text news from three sources whose planted names
are known (``testkit.entitygen``), runs it through the pipeline as the daily
DAG does (each date's partitions extracted, enriched with the real spaCy
model and published, then names settled across the corpus: ``settle_names``),
and compares every entity row of a planted name with the truth:

- **names with more than one label**: the share of canonical names (people,
  organisations, places, ...) whose rows carry two labels or more; as the
  articles alone leave them (``ner_canonical``, ``ner_label``) and as the corpus
  settled them (``canonical``, ``label``). Goal at most 1%.
- **label accuracy**: of the rows of planted names, the share whose label is
  the truth's, before and after. Goal at least 0.97.
- **short names**: of the lone surnames that stand for the one planted person
  with that surname, the share resolved to that person's full name (goal at
  least 0.95); of every lone surname, the share merged into a wrong person
  (goal at most 0.01: two people with one surname stay apart).
- **places**: of the rows of planted places, the share linked to a GeoNames
  place in the truth's country.

Then the same share of names with more than one label on the warehouse at
``NEWSFLOW_WAREHOUSE`` (``make run``'s sample warehouse), and whether a
well-known place among its top entities carries another label than a place's.

Each figure is the mean over corpora of several seeds (each its own people,
places and organisations), with the lowest and highest seen.

Usage: ``python tools/eval_entities.py [--seeds 1,2,3,4,5] [--days 30] [--per-day 6]``
(``make eval-entities``; ``make eval`` runs it too).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from testkit.entitygen import SOURCES, Corpus, generate, write_archive  # noqa: E402

_ROWS = """
SELECT a.source, a.raw_ref, e.text, e.ner_label, e.label, e.ner_canonical, e.canonical,
       e.country_code
FROM entities AS e JOIN articles AS a USING (source, date, article_id)
"""
_SEVERAL_LABELS = """
SELECT count(*) FILTER (WHERE labels > 1) / count(*), count(*)
FROM (SELECT {name}, count(DISTINCT {label}) AS labels FROM entities
      WHERE {label} IN ('EVENT', 'FAC', 'GPE', 'LAW', 'LOC', 'NORP', 'ORG', 'PERSON',
                        'PRODUCT', 'WORK_OF_ART')
      GROUP BY {name})
"""


def run_corpus(corpus: Corpus, tmp: Path):
    """The corpus through the pipeline into a warehouse under ``tmp``; its settings."""
    from newsflow.config import Settings
    from newsflow.jobs.daily import publish_partition, stage_partition
    from newsflow.jobs.upkeep import settle_names

    archive = tmp / "archive"
    partitions = list(write_archive(corpus.articles, archive))
    registry = tmp / "sources.yaml"
    registry.write_text(
        "sources:\n"
        + "".join(
            f"  - id: {s}\n    kind: archive\n    path: {archive}/source={s}\n" for s in SOURCES
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "NEWSFLOW_SOURCES": str(registry), "NEWSFLOW_WAREHOUSE": str(tmp / "wh")}
    settings = Settings.from_env(env)
    by_date: dict[dt.date, list[str]] = defaultdict(list)
    for source, day in partitions:
        by_date[day].append(source)
    for day, sources in sorted(by_date.items()):
        for source in sources:
            publish_partition(stage_partition(source, day, settings=settings), settings=settings)
        settle_names(settings=settings)
    return settings


def measure(corpus: Corpus, settings) -> dict[str, float]:
    from newsflow.warehouse import queries

    truth = {(a.source, a.raw_ref): a.truth for a in corpus.articles}
    with queries.analyst(settings.lake()) as con:
        rows = con.execute(_ROWS).fetchall()
        before = con.execute(_SEVERAL_LABELS.format(name="ner_canonical", label="ner_label"))
        several_before, _ = before.fetchone()
        several_after, names_after = con.execute(
            _SEVERAL_LABELS.format(name="canonical", label="label")
        ).fetchone()
    counts: dict[str, int] = defaultdict(int)
    for source, raw_ref, text, ner_label, label, _ner_canonical, canonical, country in rows:
        fact = truth.get((source, raw_ref), {}).get(text)
        if fact is None:
            continue
        counts["planted rows"] += 1
        counts["label right before"] += ner_label == fact["label"]
        counts["label right after"] += label == fact["label"]
        if fact["label"] == "GPE":
            counts["place rows"] += 1
            counts["places linked to their country"] += country == fact["country_code"]
        if fact["label"] == "PERSON" and text != fact["full"]:
            counts["short rows"] += 1
            merged = canonical != text
            counts["wrongly merged"] += merged and canonical != fact["full"]
            if len(corpus.people_called(text)) == 1:
                counts["resolvable short rows"] += 1
                counts["resolved"] += canonical == fact["full"]
    return {
        "names": names_after,
        "names with more than one label, article alone": several_before,
        "names with more than one label, corpus": several_after,
        "label accuracy, article alone": counts["label right before"] / counts["planted rows"],
        "label accuracy, corpus": counts["label right after"] / counts["planted rows"],
        "resolvable short names resolved": counts["resolved"] / counts["resolvable short rows"],
        "short names merged wrongly": counts["wrongly merged"] / counts["short rows"],
        "places linked to their country": (
            counts["places linked to their country"] / counts["place rows"]
        ),
        "rows of planted names": counts["planted rows"],
        "lone surname rows": counts["short rows"],
    }


def sample_warehouse() -> dict[str, object] | None:
    """The figures of the warehouse the environment names, if it has one."""
    from newsflow.cli import TOP_ENTITIES_SQL
    from newsflow.config import Settings
    from newsflow.nlp.gazetteer import load_gazetteer
    from newsflow.warehouse import queries

    lake = Settings.current().lake()
    if not lake.has_catalog():
        return None
    gazetteer = load_gazetteer()
    with queries.analyst(lake) as con:
        several, names = con.execute(
            _SEVERAL_LABELS.format(name="canonical", label="label")
        ).fetchone()
        top = con.execute(TOP_ENTITIES_SQL).fetchall()
    mislabelled = [
        f"{name} {label}"
        for _, name, label, *_ in top
        if gazetteer.well_known_label(name) and label not in ("GPE", "LOC", "PERSON")
    ]
    return {
        "warehouse": str(lake.root),
        "names": names,
        "names with more than one label": several or 0.0,
        "top entities": len(top),
        "well-known places among them labelled otherwise": ", ".join(mislabelled) or "none",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2,3,4,5", help="comma-separated corpus seeds")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=6)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    seeds = [int(seed) for seed in args.seeds.split(",")]
    runs = []
    for seed in seeds:
        corpus = generate(seed=seed, days=args.days, per_day=args.per_day)
        with tempfile.TemporaryDirectory(prefix="eval-entities-") as tmp:
            runs.append(measure(corpus, run_corpus(corpus, Path(tmp))))
    print(
        f"generated corpora: seeds {args.seeds}, each {len(corpus.articles)} articles, "
        f"{len(corpus.people)} people, {len(SOURCES)} sources, {args.days} days; "
        "mean (lowest-highest) of the seeds"
    )
    goals = {
        "names with more than one label, corpus": "goal <= 0.01",
        "label accuracy, corpus": "goal >= 0.97",
        "resolvable short names resolved": "goal >= 0.95",
        "short names merged wrongly": "goal <= 0.01",
    }
    for name in runs[0]:
        values = [run[name] for run in runs]
        mean = sum(values) / len(values)
        shown = f"{mean:.3f} ({min(values):.3f}-{max(values):.3f})"
        if not isinstance(values[0], float):
            shown = f"{mean:.0f} ({min(values)}-{max(values)})"
        print(f"  {name:48} {shown:>22}  {goals.get(name, '')}")
    if (sample := sample_warehouse()) is not None:
        print(f"warehouse {sample.pop('warehouse')}:")
        for name, value in sample.items():
            shown = f"{value:.3f}" if isinstance(value, float) else str(value)
            print(f"  {name:56} {shown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
