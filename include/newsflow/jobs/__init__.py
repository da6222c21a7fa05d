"""The pipeline's jobs: the only functions the DAGs, the command line and the News page call.

- :mod:`~newsflow.jobs.daily`: one partition end to end (fetch, extract, enrich, publish).
- :mod:`~newsflow.jobs.imports`: archives of old pages, one partition at a time.
- :mod:`~newsflow.jobs.reprocess`: partitions made by other versions, redone.
- :mod:`~newsflow.jobs.upkeep`: across partitions: stories, quality, catalog, lake maintenance.
- :mod:`~newsflow.jobs.sources`: the source registry as the jobs read it.
- :mod:`~newsflow.jobs.runs`: run ids (made and read back), provenance, stage log lines.
- :mod:`~newsflow.jobs.batch`: extraction and NER over batches of pages, in worker processes.

Each job takes ``settings`` (default: ``Settings.current()``, resolved once per
process) and hands them down to what it calls.
"""
