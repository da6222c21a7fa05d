"""Static checks of the docker compose deployment (docker-compose.yaml, Dockerfile, .env.example).

No Docker engine runs on our machines, so nothing here starts a container:
``make test-distributed`` runs the same topology from Debian packages. These
tests catch what breaks a deployment before anyone runs it: a service or a
healthcheck missing, a floating image tag, a secret written into the file, a
worker that cannot see the warehouse, a pool the DAG needs that init forgets.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT

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
)
WAREHOUSE_VOLUME = "newsflow-warehouse"
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
    assert workers == ["airflow-worker"]
    for name in AIRFLOW_SERVICES:
        service = services[name]
        warehouse = environment(service)["NEWSFLOW_WAREHOUSE"]
        mounts = {v.split(":")[1]: v.split(":")[0] for v in service["volumes"]}
        assert mounts.get(warehouse) == WAREHOUSE_VOLUME, f"{name}: warehouse not on the volume"


def test_workers_can_scale(services):
    """``--scale airflow-worker=N`` fails with a fixed container name or host port."""
    worker = services["airflow-worker"]
    assert "container_name" not in worker
    assert "ports" not in worker
    assert command_text(worker).startswith("airflow celery worker")


def test_init_migrates_and_creates_the_fetch_pool(services):
    pool = re.search(
        r'^FETCH_POOL = "([^"]+)"', (ROOT / "dags" / "news_daily.py").read_text(), re.MULTILINE
    ).group(1)
    init = services["airflow-init"]
    script = command_text(init)
    assert "airflow db migrate" in script
    assert re.search(rf"airflow pools set {re.escape(pool)} \d+ ", script), script
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
    assert required >= {"POSTGRES_PASSWORD", "REDIS_PASSWORD", "AIRFLOW_JWT_SECRET"}


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
