#!/usr/bin/env bash
# newsflow's own PostgreSQL role and database, beside Airflow's `airflow`: the
# DuckLake catalog every worker commits partitions to
# (NEWSFLOW_CATALOG=postgres:dbname=newsflow host=postgres port=5432 user=newsflow).
# A role of its own: the pipeline's connections cannot touch Airflow's
# metadata, and Airflow's cannot touch the lake's.
#
# The postgres image runs every *.sh in /docker-entrypoint-initdb.d once, when
# it initialises an empty data volume (docker-compose.yaml mounts this folder
# there). On a volume initialised before, run it by hand (it is idempotent):
#   docker compose exec postgres /docker-entrypoint-initdb.d/newsflow-database.sh
# `make test-distributed` runs this same file against its own PostgreSQL.
#
# Environment: POSTGRES_USER and POSTGRES_DB (a superuser and a database to
# connect as; the image sets both), NEWSFLOW_DB_PASSWORD (the newsflow role's
# password, read with psql's \getenv so it is on no command line).
set -euo pipefail
: "${NEWSFLOW_DB_PASSWORD:?NEWSFLOW_DB_PASSWORD is not set}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
\getenv newsflow_password NEWSFLOW_DB_PASSWORD
SELECT format('CREATE ROLE newsflow LOGIN PASSWORD %L', :'newsflow_password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'newsflow') \gexec
-- The owner may create the lake's tables in the public schema (PostgreSQL 15+
-- grants that to the database owner only).
SELECT 'CREATE DATABASE newsflow OWNER newsflow ENCODING ''UTF8'''
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'newsflow') \gexec
SQL
echo "newsflow database: role newsflow, database newsflow (owner newsflow)"
