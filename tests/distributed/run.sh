#!/usr/bin/env bash
# make test-distributed: the docker-compose topology without Docker.
#
# No Docker engine runs on our machines, so this starts the same services from
# Debian packages and the project's virtualenv, all on 127.0.0.1:
#   PostgreSQL with two databases: Airflow's metadata (`airflow`) and the
#   DuckLake catalog (`newsflow`, made by docker/postgres-init/, the script the
#   compose file's postgres service runs), Redis (Celery broker), airflow db
#   migrate + the pools of include/pools.json + the lake's tables (what
#   airflow-init does), scheduler, dag-processor, api-server and three Celery
#   workers with distinct hostnames (w1, w2 on queue default; n1 on nlp). Every
#   Airflow process runs with NEWSFLOW_CATALOG=postgres:... (libpq keywords,
#   password in PGPASSWORD) and the same data path, NEWSFLOW_WAREHOUSE: the
#   folder all workers share.
# Then drive.py triggers news_daily through the REST API and checks the runs
# through the lake: both workers committed partitions to the PostgreSQL
# catalog, at the same time; a worker SIGKILLed mid-task and the task retried on
# the other, the partition holding exactly one version, equal to an undisturbed
# run's.
# Everything started here is stopped on exit, whatever happens.
#
# State lives in .distributed/ (git-ignored), recreated on every run; logs of
# every service in .distributed/logs/ (printed on failure).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/tests/distributed"
STATE="${NEWSFLOW_DISTRIBUTED_DIR:-$ROOT/.distributed}"
BIN="$ROOT/.venv/bin"
LOGS="$STATE/logs"
WORKER_CONCURRENCY="${WORKER_CONCURRENCY:-2}"
SOURCES=(daily-planet harbor-herald northwind-wire)

log() { printf '%s [distributed] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() { log "ERROR: $*"; exit 1; }
free_port() { "$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
secret() { "$BIN/python" -c 'import secrets; print(secrets.token_hex(24))'; }

# ---------------------------------------------------------------- packages
pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

install_packages() {
  if command -v redis-server >/dev/null && [ -n "$(pg_bindir)" ] && [ -x "$(pg_bindir)/initdb" ]; then
    return
  fi
  [ "$(id -u)" = 0 ] || die "postgresql and redis-server are missing; run as root or apt-get install them"
  log "installing postgresql and redis-server from Debian packages (apt-get; log: $STATE/apt.log)"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get -o DPkg::Lock::Timeout=600 update -qq \
      && apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends postgresql redis-server
  } >"$STATE/apt.log" 2>&1 || { tail -30 "$STATE/apt.log"; die "apt-get failed"; }
}

# ---------------------------------------------------------------- cleanup
PIDS=()      # process groups we started (each service runs in its own session)
PG_DATA=""
AS_PG=()
OWN_STATE=0  # 1 once this run holds $STATE (another run's state is left alone)

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  set +e
  if [ "$status" -ne 0 ] && [ "$OWN_STATE" = 1 ] && [ -d "$LOGS" ]; then
    for f in "$LOGS"/*.log; do
      [ -s "$f" ] || continue
      echo "----- last lines of $f"
      tail -40 "$f"
    done
  fi
  log "stopping everything this run started"
  local pid
  for pid in "${PIDS[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null
  done
  local deadline=$((SECONDS + 30))
  for pid in "${PIDS[@]}"; do
    while kill -0 -- "-$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.5; done
    if kill -0 -- "-$pid" 2>/dev/null; then
      log "process group $pid still alive after 30s: SIGKILL"
      kill -KILL -- "-$pid" 2>/dev/null
    fi
  done
  if [ -n "$PG_DATA" ] && [ -f "$PG_DATA/postmaster.pid" ]; then
    "${AS_PG[@]}" "$(pg_bindir)/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 \
      || log "pg_ctl stop failed"
  fi
  [ "$OWN_STATE" = 1 ] && rm -f "$STATE/run.lock"
  if [ "$status" -eq 0 ]; then
    log "PASSED in ${SECONDS}s"
  else
    log "FAILED (exit $status) after ${SECONDS}s; logs in $LOGS"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME CMD...: a service in its own session (process group = its pid), logging to $LOGS/NAME.log
start() {
  local name=$1; shift
  setsid "$@" >"$LOGS/$name.log" 2>&1 < /dev/null &
  local pid=$!
  disown "$pid"   # no "Killed" job notice when drive.py kills a worker on purpose
  PIDS+=("$pid")
  eval "PID_${name//-/_}=$pid"
  log "started $name (pid $pid)"
}

all_alive() {  # a service that died while we wait is a failure now, not at the timeout
  local pid
  for pid in "${PIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null || die "a service died (pid $pid): see $LOGS"
  done
}

wait_for() {  # wait_for SECONDS WHAT CMD...
  local timeout=$1 what=$2; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || die "gave up after ${timeout}s waiting for $what"
    all_alive
    sleep 1
  done
}

# ---------------------------------------------------------------- setup
[ -x "$BIN/airflow" ] || die "no virtualenv: run make install first (make test-distributed does)"
[ ! -e "$STATE/run.lock" ] || ! kill -0 "$(cat "$STATE/run.lock")" 2>/dev/null \
  || die "another test-distributed (pid $(cat "$STATE/run.lock")) is running on $STATE"
rm -rf "$STATE"
mkdir -p "$STATE" "$LOGS"
echo $$ >"$STATE/run.lock"
OWN_STATE=1
install_packages

export PATH="$BIN:$PATH"

# ---- PostgreSQL: the metadata database (initdb refuses root: run as postgres)
PG_DATA="$STATE/postgres/data"
PG_SOCKET="$STATE/postgres/socket"
PG_PORT=$(free_port)
PG_PASSWORD=$(secret)
NEWSFLOW_DB_PASSWORD=$(secret)
mkdir -p "$PG_DATA" "$PG_SOCKET"
if [ "$(id -u)" = 0 ]; then
  AS_PG=(runuser -u postgres --)
  chown -R postgres: "$STATE/postgres"
  "${AS_PG[@]}" test -w "$PG_DATA" || die "user postgres cannot reach $PG_DATA (a parent folder is not world-searchable)"
fi
log "PostgreSQL: initdb + start on 127.0.0.1:$PG_PORT"
"${AS_PG[@]}" "$(pg_bindir)/initdb" -D "$PG_DATA" -U postgres -E UTF8 --auth-local=trust \
  --auth-host=scram-sha-256 >"$LOGS/initdb.log" 2>&1 || { cat "$LOGS/initdb.log"; die "initdb failed"; }
# fsync off: a throw-away test cluster, and the machine has 2 cores to spare
# the server log is written by user postgres: keep it in its folder, link it from logs/
ln -s "$STATE/postgres/server.log" "$LOGS/postgres.log"
"${AS_PG[@]}" "$(pg_bindir)/pg_ctl" -D "$PG_DATA" -l "$STATE/postgres/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_SOCKET -c fsync=off -c max_connections=200" \
  start >/dev/null
"${AS_PG[@]}" psql -h "$PG_SOCKET" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -q \
  -c "CREATE ROLE airflow LOGIN PASSWORD '$PG_PASSWORD'" \
  -c "CREATE DATABASE airflow OWNER airflow" >/dev/null
# newsflow's role and database (the lake's catalog), by the very script the
# compose file's postgres service runs at its first start; fed on stdin, so
# user postgres needs no access to the checkout. Its settings go in the
# environment (runuser keeps it): the password is on no command line.
( export POSTGRES_USER=postgres POSTGRES_DB=postgres PGHOST="$PG_SOCKET" PGPORT="$PG_PORT" NEWSFLOW_DB_PASSWORD
  "${AS_PG[@]}" bash -s <"$ROOT/docker/postgres-init/newsflow-database.sh" >"$LOGS/newsflow-database.log" 2>&1
) || { cat "$LOGS/newsflow-database.log"; die "creating the newsflow database failed"; }
log "PostgreSQL: databases airflow (Airflow's metadata) and newsflow (the DuckLake catalog)"

# ---- Redis: the Celery broker
REDIS_PORT=$(free_port)
REDIS_PASSWORD=$(secret)
mkdir -p "$STATE/redis"
start redis redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --requirepass "$REDIS_PASSWORD" \
  --save '' --appendonly no --dir "$STATE/redis"
export REDISCLI_AUTH="$REDIS_PASSWORD"
wait_for 30 "redis on 127.0.0.1:$REDIS_PORT" redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping
log "Redis: up on 127.0.0.1:$REDIS_PORT"

# ---- Airflow: the configuration docker-compose.yaml sets, pointed at 127.0.0.1
API_PORT=$(free_port)
export AIRFLOW_HOME="$STATE/airflow"
export AIRFLOW__CORE__EXECUTOR=CeleryExecutor
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="postgresql+psycopg2://airflow:$PG_PASSWORD@127.0.0.1:$PG_PORT/airflow"
export AIRFLOW__CELERY__RESULT_BACKEND="db+postgresql+psycopg2://airflow:$PG_PASSWORD@127.0.0.1:$PG_PORT/airflow"
export AIRFLOW__CELERY__BROKER_URL="redis://:$REDIS_PASSWORD@127.0.0.1:$REDIS_PORT/0"
# Tasks are acknowledged when done; a message is redelivered after this (6 h).
export AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT=21600
export AIRFLOW__CELERY__WORKER_CONCURRENCY="$WORKER_CONCURRENCY"
export AIRFLOW__CORE__DAGS_FOLDER="$ROOT/dags"
export AIRFLOW__CORE__PLUGINS_FOLDER="$ROOT/plugins"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=True   # drive.py unpauses it through the API
export AIRFLOW__CORE__FERNET_KEY="$("$BIN/python" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://127.0.0.1:$API_PORT/execution/"
export AIRFLOW__API__HOST=127.0.0.1
export AIRFLOW__API__PORT="$API_PORT"
export AIRFLOW__API__WORKERS=1
export AIRFLOW__API__SECRET_KEY="$(secret)"
export AIRFLOW__API_AUTH__JWT_SECRET="$(secret)"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="admin:admin"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE="$AIRFLOW_HOME/passwords.json"
export AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL=5
# Only the runs drive.py triggers: the timetable's own (today's) run would
# compete for the two workers. Manual runs still run.
export AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE=False
# A killed worker's task stops heartbeating; the scheduler fails it (and retries
# it) after this many seconds instead of the default 300.
export AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT=30
# A message lost with a killed worker before its task started is re-queued
# after this many seconds instead of 600.
export AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT=180
export NEWSFLOW_WAREHOUSE="$STATE/warehouse"          # the data path: the volume every worker shares
# The lake's catalog: libpq keywords; the password comes from PGPASSWORD, so it
# is in no file (attach.sql names the catalog without it) and no command line.
export NEWSFLOW_CATALOG="postgres:dbname=newsflow host=127.0.0.1 port=$PG_PORT user=newsflow"
export PGPASSWORD="$NEWSFLOW_DB_PASSWORD"
export NEWSFLOW_SOURCES="$ROOT/include/sources.yaml"  # the sample archive: fetch is a no-op
mkdir -p "$AIRFLOW_HOME" "$NEWSFLOW_WAREHOUSE"
"$BIN/python" -c 'import json, secrets, sys; json.dump({"admin": secrets.token_hex(16)}, open(sys.argv[1], "w"))' \
  "$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"

log "airflow db migrate (PostgreSQL); the pools of include/pools.json (what airflow-init does in docker compose)"
airflow db migrate >"$LOGS/db-migrate.log" 2>&1 || { tail -30 "$LOGS/db-migrate.log"; die "db migrate failed"; }
airflow pools import "$ROOT/include/pools.json" >"$LOGS/pools.log" 2>&1 \
  || { cat "$LOGS/pools.log"; die "pools import failed"; }
# One NER worker serves both runs here: with the file's 2 nlp slots their enrich
# tasks would finish one pair at a time and their publishes never meet, so this
# run lets all of them (3 sources x 2 dates) enrich at once.
NLP_SLOTS=6
airflow pools set newsflow_nlp "$NLP_SLOTS" "news_daily enrich tasks (make test-distributed)" \
  >>"$LOGS/pools.log" 2>&1 || { cat "$LOGS/pools.log"; die "pools set failed"; }
# The lake's tables and views, created once before any worker starts, as the
# compose file's airflow-init does.
log "the lake: tables and views in the PostgreSQL catalog, data path $NEWSFLOW_WAREHOUSE/lake"
"$BIN/newsflow" warehouse init \
  >"$LOGS/lake-init.log" 2>&1 || { tail -30 "$LOGS/lake-init.log"; die "creating the lake failed"; }

# ---- the Airflow services
start api-server airflow api-server
start scheduler airflow scheduler
start dag-processor airflow dag-processor
# Workers and the Celery queue each serves, as the compose file's airflow-worker
# (default) and airflow-worker-nlp (nlp: news_daily's enrich tasks).
declare -A QUEUE=([w1]=default [w2]=default [n1]=nlp)
for w in w1 w2 n1; do
  # Workers on one machine: distinct Celery hostnames, log-server ports and
  # pid files; the hostname Airflow records on a task instance is the worker's
  # name (on separate machines it would be the machine's own).
  start "worker-$w" env \
    NEWSFLOW_WORKER_NAME="$w@$(hostname)" \
    PYTHONPATH="$HERE${PYTHONPATH:+:$PYTHONPATH}" \
    AIRFLOW__CORE__HOSTNAME_CALLABLE=worker_hostname.hostname \
    AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT="$(free_port)" \
    airflow celery worker --celery-hostname "$w@%h" \
    --concurrency "$([ "${QUEUE[$w]}" = nlp ] && echo "$NLP_SLOTS" || echo "$WORKER_CONCURRENCY")" \
    --queues "${QUEUE[$w]}" --pid "$STATE/airflow/worker-$w.pid"
done

api_up() { "$BIN/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)' \
  "http://127.0.0.1:$API_PORT/api/v2/version"; }
wait_for 180 "the api-server on 127.0.0.1:$API_PORT" api_up
log "api-server: up on http://127.0.0.1:$API_PORT"
celery_ping() {
  "$BIN/celery" --app airflow.providers.celery.executors.celery_executor.app inspect ping \
    -d "$1@$(hostname)" --timeout 5
}
for w in w1 w2 n1; do
  wait_for 180 "Celery worker $w to answer a ping" celery_ping "$w"
  log "Celery worker $w@$(hostname): answers ping"
done

# ---- the run
"$BIN/python" "$HERE/drive.py" \
  --api "http://127.0.0.1:$API_PORT" \
  --password-file "$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE" \
  --worker "w1=$PID_worker_w1" --worker "w2=$PID_worker_w2" --nlp-worker n1 \
  --reference-warehouse "$STATE/reference-warehouse" \
  --manifest "$ROOT/include/sample_archive/manifest.json" \
  --sources "${SOURCES[@]}"
