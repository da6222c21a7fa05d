# newsflow: `make run` runs the daily DAG over the sample archive through
# Airflow; `make test` runs the tests. Both create and reuse a project-local
# virtualenv (.venv) and Airflow home (.airflow).

PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
AIRFLOW_DB := $(CURDIR)/.airflow/airflow.db
# The Airflow pools news_daily's tasks run in (fetch, enrich): one file for every deployment.
POOLS := $(CURDIR)/include/pools.json

export PATH := $(BIN):$(PATH)
export AIRFLOW_HOME ?= $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER ?= $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER ?= $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES ?= False
export AIRFLOW__CORE__EXECUTOR ?= LocalExecutor
export NEWSFLOW_WAREHOUSE ?= $(CURDIR)/data/warehouse
export NEWSFLOW_SOURCES ?= $(CURDIR)/include/sources.yaml

.PHONY: install run test eval eval-entities gazetteer given-names bench bench-warehouse fuzz soak lint format lock clean test-distributed

install: $(INSTALLED)

$(INSTALLED): requirements.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing requirements.txt (pinned by constraints.txt) into $(VENV); log: $(VENV)/pip.log"
	@{ $(BIN)/python -m pip install --upgrade pip \
	  && $(BIN)/python -m pip install -r requirements.txt -c constraints.txt \
	  && $(BIN)/python -m pip install --no-deps -e . ; } > $(VENV)/pip.log 2>&1 \
	  || { tail -30 $(VENV)/pip.log; exit 1; }
	touch $@

$(AIRFLOW_DB): $(INSTALLED)
	mkdir -p $(AIRFLOW_HOME)
	airflow db migrate > $(AIRFLOW_HOME)/db-migrate.log 2>&1 || (cat $(AIRFLOW_HOME)/db-migrate.log; exit 1)
	touch $@

# Re-imported whenever pools.json changes, into an Airflow home made before it did.
$(AIRFLOW_HOME)/.pools: $(POOLS) $(AIRFLOW_DB)
	airflow pools import $(POOLS) > $(AIRFLOW_HOME)/pools.log 2>&1 || (cat $(AIRFLOW_HOME)/pools.log; exit 1)
	touch $@

# One DAG run per archive date. A manual run's data interval is the last
# whole day before its logical date, so partition D is the run at D+1 00:00.
run: $(AIRFLOW_HOME)/.pools
	@for day in $$(newsflow sources --dates); do \
	  next=$$(date -u -d "$$day + 1 day" +%Y-%m-%d); \
	  echo "== news_daily for partition $$day (airflow dags test news_daily $$next)"; \
	  airflow dags test news_daily "$$next" > $(AIRFLOW_HOME)/dags-test-$$day.log 2>&1 \
	    || { tail -50 $(AIRFLOW_HOME)/dags-test-$$day.log; exit 1; }; \
	  grep -o "DagRun Finished: .*state=[a-z]*" $(AIRFLOW_HOME)/dags-test-$$day.log | sed 's/.*\(state=[a-z]*\)/   \1/'; \
	done
	@echo "== news_warehouse_maintenance (compaction, snapshots, the search index)"
	@airflow dags test news_warehouse_maintenance > $(AIRFLOW_HOME)/dags-test-maintenance.log 2>&1 \
	  || { tail -50 $(AIRFLOW_HOME)/dags-test-maintenance.log; exit 1; }
	@grep -o "DagRun Finished: .*state=[a-z]*" $(AIRFLOW_HOME)/dags-test-maintenance.log | sed 's/.*\(state=[a-z]*\)/   \1/'
	newsflow summary

test: $(INSTALLED)
	bash tools/install-test-tools.sh
	$(BIN)/python -m pytest -q

# Extraction quality against ../shared/corpora (AEB and wcxb-dev's articles: HTML
# and text renderings, lynx and w3m among them), article-or-not and metadata on
# wcxb-dev, the article-or-not model's site-grouped folds (it is learned from
# these corpora: --dry-run measures without rewriting it), then metadata on
# freshly generated pages whose truth is known, then entities across a generated corpus.
eval: $(INSTALLED)
	bash tools/install-eval-tools.sh
	$(BIN)/python tools/eval_extraction.py --corpus aeb
	$(BIN)/python tools/eval_extraction.py --corpus wcxb-dev
	$(BIN)/python tools/eval_pages.py
	$(BIN)/python tools/learn_pagekind.py --dry-run
	$(BIN)/python tools/eval_metadata.py
	$(BIN)/python tools/eval_entities.py

# Entities across the corpus: one label per name, label accuracy, short names resolved
# and kept apart, places linked, on generated months of news (five seeds), then the
# warehouse make run wrote (about five minutes).
eval-entities: $(INSTALLED)
	$(BIN)/python tools/eval_entities.py

# The gazetteer table the pipeline reads, built again from the pinned data packages
# (after changing their pins; a unit test fails while the table is stale).
gazetteer: $(INSTALLED)
	$(BIN)/python tools/build_gazetteer.py

# The given-names table (newsflow.nlp.given_names), built again from its pinned data package.
given-names: $(INSTALLED)
	$(BIN)/python tools/build_given_names.py

# Speed and memory against the floor the model sets (about half an hour).
bench: $(INSTALLED)
	$(BIN)/python tools/bench.py
	$(BIN)/python tools/bench_warehouse.py

# The warehouse as it grows: analyst queries and publishes at 200, 1,000 and
# 4,000 partitions against in-memory tables (issue 15's four figures).
bench-warehouse: $(INSTALLED)
	$(BIN)/python tools/bench_warehouse.py

# Time-boxed fuzzing of `newsflow extract` (FUZZ_SECONDS, default 60).
fuzz: $(INSTALLED)
	$(BIN)/python tools/fuzz_extract.py --seconds $${FUZZ_SECONDS:-60}

# The long loops: 200 SIGKILLs, 200 publishes under a reader, 20x the property
# examples, 10 minutes of fuzzing.
soak: $(INSTALLED)
	NEWSFLOW_SOAK=1 $(BIN)/python -m pytest -q -s tests/integration/test_crash_safety.py \
	  tests/integration/test_concurrency.py tests/integration/test_hostile_inputs.py \
	  tests/unit/test_properties.py
	$(BIN)/python tools/fuzz_extract.py --seconds 600

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-resolve the full lock after changing requirements.txt.
lock:
	rm -rf $(CURDIR)/.lock-venv
	$(PYTHON) -m venv $(CURDIR)/.lock-venv
	$(CURDIR)/.lock-venv/bin/pip install --quiet -r requirements.txt
	{ echo "# Full lock of the environment (like Airflow's constraint files); regenerate with"; \
	  echo "# \`make lock\` after changing requirements.txt."; \
	  $(CURDIR)/.lock-venv/bin/pip freeze; } > constraints.txt
	rm -rf $(CURDIR)/.lock-venv

clean:
	rm -rf $(VENV) $(AIRFLOW_HOME) data

# The CeleryExecutor deployment of docker-compose.yaml without Docker: installs
# postgresql and redis-server (Debian) if missing, then PostgreSQL, Redis,
# scheduler, dag-processor, api-server and two Celery workers on 127.0.0.1
# (state in .distributed/); triggers news_daily through the REST API, prints
# which worker ran which task, kills a worker mid-task and checks the retry.
test-distributed: $(INSTALLED)
	bash tests/distributed/run.sh
