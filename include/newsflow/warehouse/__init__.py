"""The warehouse: a DuckLake of tables partitioned by source and date.

- :mod:`~newsflow.warehouse.layout`: where files live under the root.
- :mod:`~newsflow.warehouse.schema`: the tables' columns and partitioning.
- :mod:`~newsflow.warehouse.catalog`: the catalog (SQLite or PostgreSQL),
  the pinned extensions, and how every connection attaches the lake.
- :mod:`~newsflow.warehouse.commit`: changes, one transaction each, retried
  on conflicts with other writers.
- :mod:`~newsflow.warehouse.queries`: reading, sandboxed for analysts.
- :mod:`~newsflow.warehouse.views`: the analyst views and the SQL cookbook.
- :mod:`~newsflow.warehouse.maintenance`: compaction, snapshot expiry, cleanup.
- :mod:`~newsflow.warehouse.migrate`: from the earlier generation layout.
"""
