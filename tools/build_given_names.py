"""Build the given-names table from the pinned data package (``nomquamgender``).

Writes ``include/newsflow/nlp/given_names.txt.gz``, which the pipeline reads
(:mod:`newsflow.nlp.given_names` says why and which names it keeps). Run it
after changing the package's pin or the rules; the unit tests fail while the
shipped table differs from what this builds.

Usage: ``python tools/build_given_names.py`` (``make given-names``).
"""

from __future__ import annotations

import sys

from newsflow.nlp.entities import is_title
from newsflow.nlp.given_names import (
    GIVEN_NAMES_FILE,
    built_names,
    name_data_dir,
    read_name_data,
    write_table,
)


def main() -> int:
    names = built_names(read_name_data(name_data_dir()), is_title=is_title)
    write_table(names)
    size = GIVEN_NAMES_FILE.stat().st_size
    print(f"{GIVEN_NAMES_FILE}: {len(names):,} given names, {size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
