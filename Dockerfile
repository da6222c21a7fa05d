# newsflow's Airflow image: every Airflow service of docker-compose.yaml runs it
# (api-server, scheduler, dag-processor, triggerer, Celery workers, init).
#
# It holds exactly what `make install` installs and CI tests: requirements.txt
# pinned by the full lock constraints.txt (Airflow 3.3.2, the Celery provider,
# the PostgreSQL drivers, spaCy and its model, ...), then the newsflow package,
# the DAGs, the plugins and the source registry with the sample archive.
#
# Why not `FROM apache/airflow:3.3.2`: that image carries Airflow's own
# constraint set, hundreds of pins that differ from ours; installing our lock on
# top gives a mix of versions no test has seen. And no
# _PIP_ADDITIONAL_REQUIREMENTS: installing at container start is slow, can fail
# at 3 a.m. and gives every worker a possibly different environment.
#
#   docker compose build            # or: docker build -t newsflow-airflow:0.1.0 .

# The Python the lock was resolved with (3.11); a fixed patch release, not a moving tag.
ARG PYTHON_IMAGE=python:3.11.7-slim-bookworm
FROM ${PYTHON_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/newsflow/dags \
    AIRFLOW__CORE__PLUGINS_FOLDER=/opt/newsflow/plugins \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    NEWSFLOW_WAREHOUSE=/opt/newsflow/warehouse \
    NEWSFLOW_SOURCES=/opt/newsflow/include/sources.yaml

# curl for the healthchecks; tini as PID 1, so task processes are reaped and
# SIGTERM reaches the Celery worker (warm shutdown: running tasks finish).
# The user is Airflow's usual one: uid 50000, group 0.
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl tini \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 50000 --gid 0 --home-dir /opt/airflow --create-home --shell /bin/bash airflow

WORKDIR /opt/newsflow

# Dependencies first: this layer is rebuilt only when the pins change.
COPY requirements.txt constraints.txt ./
RUN python -m venv /opt/venv \
    && pip install -r requirements.txt -c constraints.txt \
    && pip check

# The project itself (no dependencies: they are all pinned above).
COPY pyproject.toml README.md ./
COPY include/ include/
COPY dags/ dags/
COPY plugins/ plugins/
RUN pip install --no-deps . \
    && python -c "import newsflow, airflow.providers.celery, psycopg2, asyncpg" \
    # DuckDB's extensions for either catalog (ducklake, the sqlite and postgres
    # scanners), copied from their wheels into the extension directory now: the
    # airflow user cannot write under /opt/venv, and nothing downloads at run time.
    && python -c "import os; from newsflow.config import Settings; [Settings.from_env({**os.environ, 'NEWSFLOW_CATALOG': c}).lake().install_extensions() for c in ('sqlite:/tmp/unused.sqlite', 'postgres:dbname=unused')]" \
    # The mount points of the named volumes: Docker copies this ownership into a
    # new volume, so the airflow user can write the warehouse and the logs.
    && mkdir -p /opt/newsflow/warehouse /opt/airflow/logs \
    && chown -R airflow:0 /opt/newsflow/warehouse /opt/airflow \
    && chmod -R g+rwX /opt/newsflow/warehouse /opt/airflow

USER airflow
WORKDIR /opt/airflow
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["airflow", "version"]
