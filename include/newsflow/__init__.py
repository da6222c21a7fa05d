"""newsflow: raw news pages to clean, entity-enriched, partitioned DuckDB tables.

The package is pure Python and knows nothing about Airflow: DAG tasks, the
``newsflow`` command line and the tests all call the same functions. Data
flows one way through the modules::

    sources -> acquire -> extract (textclean) -> enrich -> store
                      \\_____________ pipeline ____________/
"""

__version__ = "0.1.0"
