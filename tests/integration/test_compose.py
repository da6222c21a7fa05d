"""Static checks of the docker compose deployment (docker-compose.yaml, Dockerfile, .env.example).

No Docker engine runs on our machines, so nothing here starts a container:
``make test-distributed`` runs the same topology from Debian packages (and the
same PostgreSQL init script). These tests catch what breaks a deployment before
anyone runs it: a service or a healthcheck missing, a floating image tag, a
secret written into the file, a worker that cannot see the warehouse or commits
to another catalog than the others, a pool the DAG needs that init forgets.
Where a command of the deployment can run here (the lake's creation, the
image's extension install), it runs, on a temporary warehouse.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from newsflow.config import Settings
from newsflow.warehouse.catalog import PostgresCatalog, parse_catalog
from support.paths import ROOT

COMPOSE = ROOT / "docker-compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"

AIRFLOW_SERVICES = (
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
    "airflow-worker-nlp",
)
#: Services that run for good: each must say whether it is healthy.
LONG_RUNNING = (
    "postgres",
    "redis",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
    "airflow-worker-nlp",
)
WAREHOUSE_VOLUME = "newsflow-warehouse"
#: The postgres image runs the scripts of this folder when it initialises its volume.
INITDB = "/docker-entrypoint-initdb.d"
INIT_SCRIPTS = ROOT / "docker" / "postgres-init"
CATALOG_DB_PASSWORD = "NEWSFLOW_DB_PASSWORD"
SECRET_NAME = re.compile(r"PASSWORD|SECRET|FERNET|TOKEN|_KEY$", re.IGNORECASE)
#: ``${VAR:?message}``: compose refuses to start without VAR (from .env).
REQUIRED_VAR = re.compile(r"^\$\{(?P<name>[A-Z0-9_]+):\?[^}]*\}$")
URL_CREDENTIALS = re.compile(r"://[^:/@\s]*:(?P<password>[^@\s]*)@")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the KEY=value form
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def command_text(service: dict[str, Any]) -> str:
    command = service.get("command") or ""
    return command if isinstance(command, str) else " ".join(map(str, command))


def strings(node: Any) -> list[str]:
    """Every string in the document (keys and values), for the secret scans."""
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in (*strings(k), *strings(v))]
    if isinstance(node, list):
        return [s for item in node for s in strings(item)]
    return [node] if isinstance(node, str) else []


def test_services_and_volumes_exist(compose, services):
    for name in ("postgres", "redis", *AIRFLOW_SERVICES):
        assert name in services, f"service {name} missing"
    assert {"postgres-db", WAREHOUSE_VOLUME} <= set(compose["volumes"])
    assert services["postgres"]["volumes"][0].startswith("postgres-db:")


def test_images_are_pinned(services):
    for name, service in services.items():
        image = service.get("image")
        assert image, f"{name}: no image (a built service needs a tag too)"
        # a tag may come from .env with a default: check the default
        image = re.sub(r"\$\{[A-Z0-9_]+:-([^}]+)\}", r"\1", image)
        repository, _, tag = image.rpartition(":")
        assert repository and "/" not in tag, f"{name}: image {image} has no tag"
        assert tag != "latest" and "$" not in tag, f"{name}: image {image} is not pinned"
        assert re.search(r"\d", tag), f"{name}: tag {tag} names no version"


def test_dockerfile_base_image_is_pinned_and_installs_the_lock():
    text = DOCKERFILE.read_text()
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", text, re.MULTILINE).group(1)
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+", base), base
    assert "FROM ${PYTHON_IMAGE}" in text
    assert "pip install -r requirements.txt -c constraints.txt" in text
    assert "pip install --no-deps ." in text


def test_no_install_at_container_start(compose):
    assert "_PIP_ADDITIONAL_REQUIREMENTS" not in COMPOSE.read_text()


def test_long_running_services_have_healthchecks(services):
    for name in LONG_RUNNING:
        check = services[name].get("healthcheck")
        assert check and check.get("test"), f"{name}: no healthcheck"
        assert not check.get("disable"), f"{name}: healthcheck disabled"


def test_airflow_services_share_one_configuration(services):
    for name in AIRFLOW_SERVICES:
        env = environment(services[name])
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://"), name
        assert "@postgres:" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"], name
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://"), name
        assert "@redis:" in env["AIRFLOW__CELERY__BROKER_URL"], name
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"].startswith(
            "http://airflow-apiserver:8080/"
        ), name
        assert REQUIRED_VAR.match(env["AIRFLOW__API_AUTH__JWT_SECRET"]), name


def test_every_worker_mounts_the_warehouse(services):
    """Tasks of one partition run on any worker: all must see the same warehouse."""
    workers = [n for n in services if "worker" in n]
    assert workers == ["airflow-worker", "airflow-worker-nlp"]
    for name in AIRFLOW_SERVICES:
        service = services[name]
        warehouse = environment(service)["NEWSFLOW_WAREHOUSE"]
        mounts = {v.split(":")[1]: v.split(":")[0] for v in service["volumes"]}
        assert mounts.get(warehouse) == WAREHOUSE_VOLUME, f"{name}: warehouse not on the volume"


@pytest.mark.parametrize("name", ["airflow-worker", "airflow-worker-nlp"])
def test_workers_can_scale(services, name):
    """``--scale airflow-worker=N`` fails with a fixed container name or host port."""
    worker = services[name]
    assert "container_name" not in worker
    assert "ports" not in worker
    assert command_text(worker).startswith("airflow celery worker")


def test_each_queue_the_dags_use_has_its_own_workers(services):
    """Enrich tasks (queue ``nlp``) only on the NER workers, the rest on the others: a
    queue no worker serves would leave its tasks queued for ever."""
    dags = (ROOT / "dags" / "_common.py").read_text()
    nlp_queue = re.search(r'^NLP_QUEUE = "([^"]+)"', dags, re.MULTILINE).group(1)
    served = {
        name: re.search(r"--queues (\S+)", command_text(services[name])).group(1)
        for name in ("airflow-worker", "airflow-worker-nlp")
    }
    assert served == {"airflow-worker": "default", "airflow-worker-nlp": nlp_queue}


def test_init_migrates_and_imports_the_pools_file(services):
    init = services["airflow-init"]
    script = command_text(init)
    assert "airflow db migrate" in script
    # the Dockerfile copies include/ to /opt/newsflow/include
    assert "airflow pools import /opt/newsflow/include/pools.json" in script, script
    assert "COPY include/ include/" in DOCKERFILE.read_text()
    assert init.get("restart") == "no"
    for name in AIRFLOW_SERVICES[1:]:
        depends = services[name]["depends_on"]
        assert depends["airflow-init"]["condition"] == "service_completed_successfully", name


def test_no_literal_secrets(compose):
    """Secrets come from .env as ``${VAR:?...}``; the file itself holds none."""
    for service_name, service in compose["services"].items():
        for key, value in environment(service).items():
            if SECRET_NAME.search(key):
                assert REQUIRED_VAR.match(value) or value.startswith("/"), (
                    f"{service_name}: {key} is not taken from .env"
                )
    for text in strings(compose):
        for match in URL_CREDENTIALS.finditer(text):
            assert REQUIRED_VAR.match(match.group("password")), f"password in URL: {text}"
        assert not re.search(r"--requirepass\s+(?!\"\$\$)", text), text


def test_env_example_documents_every_variable(compose):
    text = COMPOSE.read_text()
    used = set(re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)(?::[?-][^}]*)?\}", text))
    required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", text))
    example = dict(
        line.split("=", 1)
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert used <= set(example), f"undocumented in .env.example: {sorted(used - set(example))}"
    for name in required:
        assert example[name] == "", f".env.example must not carry a value for {name}"
    assert required >= {
        "POSTGRES_PASSWORD",
        CATALOG_DB_PASSWORD,
        "REDIS_PASSWORD",
        "AIRFLOW_JWT_SECRET",
    }


def test_env_file_is_not_committed():
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert ".env" in ignored
    assert ".env" in (ROOT / ".dockerignore").read_text().splitlines()


def test_image_context_holds_what_the_dockerfile_copies():
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    for copied in re.findall(r"^COPY (.+) \S+$", DOCKERFILE.read_text(), re.MULTILINE):
        for path in copied.split():
            assert (ROOT / path).exists(), path
            assert f"{path.rstrip('/')}/" not in ignored and path not in ignored, path


def test_compose_parses_with_merge_keys_resolved(services):
    """The ``<<: *airflow-common`` anchors expand: every Airflow service is complete."""
    for name in AIRFLOW_SERVICES:
        assert services[name]["image"].startswith("newsflow-airflow:"), name
        assert services[name]["build"] == ".", name


def test_paths_exist():
    for path in (COMPOSE, DOCKERFILE, ENV_EXAMPLE, ROOT / ".dockerignore"):
        assert Path(path).is_file(), path


# ---------------------------------------------------------------- the lake's catalog


def required_var(value: str) -> str:
    match = REQUIRED_VAR.match(value)
    assert match, f"{value!r} is not ${{VAR:?...}} (taken from .env)"
    return match.group("name")


def init_script(services: dict[str, dict[str, Any]]) -> Path:
    """The script the postgres service runs at its first start (mounted from the checkout)."""
    mounts = [v.split(":") for v in services["postgres"]["volumes"]]
    (source,) = [m[0] for m in mounts if m[1] == INITDB]
    assert ROOT / source == INIT_SCRIPTS, source
    (script,) = sorted(INIT_SCRIPTS.glob("*.sh"))
    return script


def test_postgres_creates_the_newsflow_database(services):
    """Beside Airflow's ``airflow``, the image's first start makes role and database newsflow."""
    postgres = services["postgres"]
    mount = [v for v in postgres["volumes"] if f":{INITDB}" in v]
    assert mount and mount[0].endswith(":ro"), "the init scripts are mounted read-only"
    script = init_script(services)
    # executed, not sourced, by the image's entrypoint (a sourced one changes its shell)
    assert os.access(script, os.X_OK), f"{script} is not executable"
    text = script.read_text()
    assert re.search(r"CREATE ROLE newsflow LOGIN PASSWORD", text)
    assert re.search(r"CREATE DATABASE newsflow OWNER newsflow", text)
    # the password comes from the environment and is on no command line
    assert re.search(rf"\\getenv \w+ {CATALOG_DB_PASSWORD}", text)
    assert "$POSTGRES_USER" in text and "$POSTGRES_DB" in text
    assert required_var(environment(postgres)[CATALOG_DB_PASSWORD]) == CATALOG_DB_PASSWORD
    assert environment(postgres)["POSTGRES_DB"] == "airflow"


def test_postgres_is_healthy_only_after_its_init_scripts(services):
    """While init scripts run, the image's temporary server listens on its socket only."""
    test = services["postgres"]["healthcheck"]["test"]
    assert "pg_isready" in test
    assert test[test.index("-h") + 1] == "127.0.0.1", test


@pytest.mark.parametrize("name", [*AIRFLOW_SERVICES, "airflow-cli", "flower"])
def test_every_airflow_service_commits_to_the_postgres_catalog(services, name):
    """One lake for all: every service names the newsflow database, password from .env."""
    env = environment(services[name])
    catalog = parse_catalog(env["NEWSFLOW_CATALOG"], Path(env["NEWSFLOW_WAREHOUSE"]))
    assert isinstance(catalog, PostgresCatalog), env["NEWSFLOW_CATALOG"]
    keywords = dict(item.split("=", 1) for item in shlex.split(catalog.dsn))
    assert keywords == {
        "dbname": "newsflow",
        "host": "postgres",
        "port": "5432",
        "user": "newsflow",
    }, "libpq keywords of the compose network's postgres, no password"
    # libpq reads the password from PGPASSWORD: the newsflow role's, from .env
    assert required_var(env["PGPASSWORD"]) == CATALOG_DB_PASSWORD
    # attach.sql, which analysts read, names the catalog without any password
    attach = Settings.from_env(env).lake().attach_sql()
    assert "ducklake:postgres:dbname=newsflow" in attach
    assert "password" not in attach.lower()


def init_commands(services: dict[str, dict[str, Any]]) -> list[str]:
    return [line.strip() for line in command_text(services["airflow-init"]).splitlines()]


def test_init_creates_the_lake_before_the_workers(services, tmp_path):
    """airflow-init makes the lake's tables once; its command does that (run here, embedded)."""
    lines = init_commands(services)
    (create,) = [line for line in lines if line.startswith("newsflow warehouse")]
    assert lines.index(create) > lines.index("airflow db migrate")
    argv = shlex.split(create)
    assert argv == ["newsflow", "warehouse", "init"], create
    root = tmp_path / "warehouse"
    env = {**os.environ, "NEWSFLOW_WAREHOUSE": str(root), "NEWSFLOW_CATALOG": ""}
    newsflow = Path(sys.executable).with_name("newsflow")
    subprocess.run([newsflow, *argv[1:]], env=env, check=True, timeout=120)
    lake = Settings.from_env(env).lake()
    with lake.connect(read_only=True) as con:
        tables = {name for (name,) in con.execute("SHOW TABLES").fetchall()}
    assert {"articles", "entities", "rejects", "runs", "quality", "run_snapshots"} <= tables
    assert (root / "attach.sql").is_file()


def test_image_installs_the_extensions_of_both_catalogs_at_build(tmp_path):
    """At run time the airflow user cannot write under the venv: the image installs them.

    The Dockerfile's own command runs here, into a temporary extension directory.
    """
    text = DOCKERFILE.read_text()
    (command,) = re.findall(r'python -c "([^"]*install_extensions[^"]*)"', text)
    extensions = tmp_path / "extensions"
    env = {**os.environ, "NEWSFLOW_DUCKDB_EXTENSIONS": str(extensions)}
    subprocess.run([sys.executable, "-c", command], env=env, check=True, timeout=300)
    config = {"extension_directory": str(extensions), "autoinstall_known_extensions": False}
    with duckdb.connect(config=config) as con:
        installed = {
            name
            for (name,) in con.execute(
                "SELECT extension_name FROM duckdb_extensions() WHERE installed"
            ).fetchall()
        }
    assert {"ducklake", "sqlite_scanner", "postgres_scanner"} <= installed
    assert text.index(command) < text.index("USER airflow"), "installed as root, at build"


def test_test_distributed_runs_the_compose_init_script_and_catalog():
    """make test-distributed exercises what the compose file configures, not a copy of it."""
    run = (ROOT / "tests" / "distributed" / "run.sh").read_text()
    script = INIT_SCRIPTS.relative_to(ROOT) / "newsflow-database.sh"
    assert f'<"$ROOT/{script}"' in run
    assert re.search(r'^export NEWSFLOW_CATALOG="postgres:dbname=newsflow ', run, re.M)
    assert re.search(r'^export PGPASSWORD="\$NEWSFLOW_DB_PASSWORD"$', run, re.M)
    assert '"$BIN/newsflow" warehouse init' in run
