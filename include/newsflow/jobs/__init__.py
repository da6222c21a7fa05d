"""The pipeline's jobs: the only functions the DAGs, the CLI and the News page call."""
