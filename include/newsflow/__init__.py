"""newsflow: raw news pages to clean, entity-enriched, partitioned DuckDB tables.

The package is pure Python and knows nothing about Airflow: DAG tasks, the
``newsflow`` command line, the News page and the tests all call the same
jobs. One subpackage per layer of the data's way, over the records they share;
imports run one way (``tests/unit/test_layers.py``)::

    records <- acquire (registry, discovery, http, archives, raw WARCs)
            <- text    (decode, trafilatura + post-pass, plain-text cleaner, metadata)
            <- nlp     (spaCy entities, canonical names, duplicate stories)
            <- warehouse (the DuckLake: schema, catalog, commit, queries, upkeep)
                 <- jobs (daily, imports, reprocess, upkeep) <- DAGs, cli, News page
"""

__version__ = "0.1.0"
