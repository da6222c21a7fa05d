"""newsflow: raw news pages to clean, entity-enriched, partitioned DuckDB tables.

The package is pure Python and knows nothing about Airflow: DAG tasks, the
``newsflow`` command line, the News page and the tests all call the same
jobs. One subpackage per layer of the data's way, over the records they share;
imports run one way (``tests/unit/test_layers.py``)::

                acquire    registry, discovery, http, archives, raw WARCs
                text       decode, trafilatura + post-pass, plain-text cleaner
    records <-  nlp        spaCy entities, canonical names, duplicate stories  <- jobs <- DAGs,
                warehouse  the DuckLake: schema, catalog, commit, queries          cli, News page

The four layers in the middle import only ``records`` and ``files`` (atomic
file replacement), never each other;
``jobs`` (daily, imports, reprocess, upkeep) joins them.
"""

__version__ = "0.1.0"
