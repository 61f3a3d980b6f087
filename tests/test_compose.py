"""docker-compose.yml and the image: what can be checked without a Docker engine.

The file parses, names the services of the production set-up, and every build context,
Dockerfile, file the image copies and command it runs exists in the repository; no
secret is written in it; the dashboard's WSGI entry serves under gunicorn.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
IMAGE_ROOT = "/opt/credit-scoreboard/"  # where docker/Dockerfile puts the repository
SECRET_NAME = re.compile(r"PASSWORD|SECRET|FERNET|TOKEN|_KEY$")
REQUIRED_VARIABLE = re.compile(r"\$\{(\w+):\?[^}]*\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def tracked_files() -> set[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True,
                            check=True)
    return set(listed.stdout.splitlines())


def dockerfile_copies() -> list[str]:
    """The repository paths docker/Dockerfile copies into the image."""
    sources = []
    for line in (REPO / "docker" / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            words = shlex.split(line)
            sources += [word for word in words[1:-1] if not word.startswith("--")]
    return sources


def test_compose_has_the_production_services(compose):
    assert set(compose["services"]) == {
        "postgres", "redis", "airflow-init", "airflow-apiserver", "airflow-scheduler",
        "airflow-dag-processor", "airflow-triggerer", "airflow-worker", "dashboard",
    }
    worker = compose["services"]["airflow-worker"]
    assert worker["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert worker["environment"]["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
    assert "postgresql" in worker["environment"]["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    # several workers: nothing that ties a worker to one container
    assert "container_name" not in worker and "ports" not in worker


def test_every_build_context_and_dockerfile_exists(compose):
    builds = [service["build"] for service in compose["services"].values() if "build" in service]
    assert builds, "no service builds the project image"
    for build in builds:
        context = REPO / build["context"]
        assert context.is_dir(), context
        assert (context / build["dockerfile"]).is_file(), build


def test_everything_the_image_copies_is_committed():
    tracked = tracked_files()
    sources = dockerfile_copies()
    assert "requirements.lock" in sources and "dags" in sources
    for source in sources:
        assert source in tracked or any(path.startswith(f"{source}/") for path in tracked), (
            f"docker/Dockerfile copies {source}, which a fresh clone does not have"
        )


def test_every_command_names_something_that_exists(compose, tmp_path, monkeypatch):
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))  # importing airflow writes its config
    monkeypatch.setenv("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    from airflow.cli.cli_config import core_commands

    airflow_commands = {command.name for command in core_commands}
    production = (REPO / "docker" / "requirements-production.txt").read_text()
    provider_commands = {  # commands added by the providers the image installs
        "celery": "apache-airflow-providers-celery", "users": "apache-airflow-providers-fab",
    }
    for name, service in compose["services"].items():
        command = service.get("command")
        if command is None or name in ("postgres", "redis"):
            continue
        program, *arguments = command
        if program == "airflow":
            sub = arguments[0]
            assert sub in airflow_commands or provider_commands.get(sub, "~") in production, (
                name, sub)
        elif program.startswith(IMAGE_ROOT):
            script = REPO / program.removeprefix(IMAGE_ROOT)
            assert script.is_file() and os.access(script, os.X_OK), script
        elif program == "gunicorn":
            config = arguments[arguments.index("--config") + 1]
            assert (REPO / config.removeprefix(IMAGE_ROOT)).is_file(), config
        else:
            pytest.fail(f"{name}: unexpected command {command}")


def test_init_script_is_valid_bash_and_executable_in_git():
    script = "docker/airflow-init.sh"
    subprocess.run(["bash", "-n", script], cwd=REPO, check=True)
    staged = subprocess.run(["git", "ls-files", "-s", script], cwd=REPO, capture_output=True,
                            text=True, check=True).stdout
    assert staged.startswith("100755"), f"{script} is not executable in git: {staged!r}"


def test_volumes_for_landing_warehouse_and_logs(compose):
    declared = set(compose["volumes"])
    assert {"landing", "warehouse", "airflow-logs", "postgres-data"} <= declared
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                assert (REPO / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in declared, f"{name} mounts undeclared volume {source}"
    worker_mounts = {v.split(":")[1] for v in compose["services"]["airflow-worker"]["volumes"]}
    environment = compose["services"]["airflow-worker"]["environment"]
    assert str(Path(environment["CREDIT_SCOREBOARD_WAREHOUSE"]).parent) in worker_mounts
    assert environment["CREDIT_SCOREBOARD_LANDING"] in worker_mounts
    dashboard = compose["services"]["dashboard"]
    assert dashboard["environment"]["CREDIT_SCOREBOARD_WAREHOUSE"] == (
        environment["CREDIT_SCOREBOARD_WAREHOUSE"])


def test_no_secret_is_written_in_the_compose_file(compose):
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(key):
                assert re.fullmatch(r"\$\{\w+:\?[^}]*\}", str(value)), (
                    f"{name}: {key} must come from .env, not be written here")
        if "build" in service:
            assert service["env_file"] == ".env", name
    text = (REPO / "docker-compose.yml").read_text()
    # passwords inside URLs are references to .env too
    for url in re.findall(r"\w+://[^\s\"]+", text):
        if "@" in url:
            assert re.match(r"[\w+]+://\w*:\$\{\w+:\?[^}]*\}@", url), url


def test_env_example_names_every_required_variable_and_env_is_ignored(compose):
    text = (REPO / "docker-compose.yml").read_text()
    example = (REPO / ".env.example").read_text()
    defined = dict(
        line.split("=", 1) for line in example.splitlines()
        if line and not line.startswith("#")
    )
    required = set(REQUIRED_VARIABLE.findall(text)) | {
        "AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY",
        "AIRFLOW_ADMIN_USERNAME", "AIRFLOW_ADMIN_PASSWORD", "CREDIT_SCOREBOARD_SECRET_KEY",
    }
    assert required <= set(defined), f".env.example lacks {required - set(defined)}"
    for key, value in defined.items():
        if SECRET_NAME.search(key):
            assert value == "change-me", f".env.example must not ship a real {key}"
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=REPO)
    assert ignored.returncode == 0, ".env must be git-ignored"
    assert ".env" not in tracked_files()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_dashboard_is_served_by_gunicorn_from_the_wsgi_entry(tmp_path):
    port = free_port()
    environment = {
        **os.environ,
        "DASHBOARD_BIND": f"127.0.0.1:{port}",
        "DASHBOARD_WORKERS": "1",
        "CREDIT_SCOREBOARD_WAREHOUSE": str(tmp_path / "credit.duckdb"),
        "CREDIT_SCOREBOARD_USERS": str(tmp_path / "users.yaml"),
        "CREDIT_SCOREBOARD_AUDIT_DB": str(tmp_path / "audit" / "audit.sqlite"),
        "CREDIT_SCOREBOARD_SECRET_KEY": "test-only",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "--config", str(REPO / "docker" / "gunicorn.conf.py")],
        env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as page:
                    assert page.status == 200
                    assert 'name="password"' in page.read().decode()
                break
            except OSError:
                assert server.poll() is None, server.stdout.read()[-3000:]
                assert time.monotonic() < deadline, "gunicorn did not answer in 60 s"
                time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)
