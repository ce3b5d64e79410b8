"""docker-compose.yml, the Dockerfile and .ci/run, kept honest by reading them.

No Docker engine runs here, so these tests check that what the files name exists: the
services, the executables and the Python modules they start, the files the image copies.
"""

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from celery.app.utils import find_app
from celery.utils.imports import load_extension_class_names
from django.conf import settings
from django.test.testcases import LiveServerThread

from grid_platform import celery_app

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
APP_SERVICES = ["web", "worker", "beat"]


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


@pytest.fixture(scope="module")
def dockerfile():
    return (ROOT / "Dockerfile").read_text()


def pinned_requirements() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        match = re.fullmatch(r"([A-Za-z0-9_.\-\[\]]+)==(\S+)", line.strip())
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


def test_the_five_services_of_the_production_shape_exist(services):
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)


def test_web_runs_gunicorn_on_the_project_wsgi_module(services):
    command = services["web"]["command"]

    assert command[:2] == ["gunicorn", "grid_platform.wsgi"]
    assert (VENV_BIN / "gunicorn").is_file()
    assert callable(importlib.import_module("grid_platform.wsgi").application)


def test_worker_runs_the_projects_celery_app(services):
    command = services["worker"]["command"]

    assert command[:4] == ["celery", "-A", "grid_platform", "worker"]
    assert (VENV_BIN / "celery").is_file()
    assert find_app("grid_platform") is celery_app


def test_exactly_one_beat_runs_with_the_database_scheduler(services):
    beats = [name for name, s in services.items() if "beat" in (s.get("command") or [])]
    command = services["beat"]["command"]
    scheduler = command[command.index("-S") + 1]

    assert beats == ["beat"]
    assert services["beat"]["deploy"]["replicas"] == 1
    assert command[:4] == ["celery", "-A", "grid_platform", "beat"]
    assert dict(load_extension_class_names("celery.beat_schedulers"))[scheduler] == (
        "django_celery_beat.schedulers:DatabaseScheduler"
    )
    assert "django_celery_beat" in settings.INSTALLED_APPS


def test_no_worker_embeds_a_second_beat(services):
    for service in services.values():
        command = service.get("command") or []
        assert "-B" not in command
        assert "--beat" not in command


def test_gunicorn_and_celery_are_pinned_runtime_requirements():
    pins = pinned_requirements()

    assert {"gunicorn", "celery", "redis", "psycopg2-binary"} <= set(pins)


def test_migrations_run_once_before_the_app_services_start(services):
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    for name in APP_SERVICES:
        depends_on = services[name]["depends_on"]
        assert depends_on["migrate"] == {"condition": "service_completed_successfully"}
        assert depends_on["db"] == {"condition": "service_healthy"}
        assert depends_on["redis"] == {"condition": "service_healthy"}


def test_the_app_services_are_built_here_and_read_dot_env(services):
    for name in [*APP_SERVICES, "migrate"]:
        assert services[name]["build"] == "."
        assert services[name]["env_file"] == ".env"


def test_the_database_is_postgis_15_with_a_healthcheck_and_a_volume(compose, services):
    db = services["db"]

    assert db["image"] == "postgis/postgis:15-3.4"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert db["volumes"] == ["db-data:/var/lib/postgresql/data"]
    assert "db-data" in compose["volumes"]


def test_redis_has_a_healthcheck_and_a_volume(compose, services):
    redis = services["redis"]

    assert redis["image"] == "redis:7"
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert redis["volumes"] == ["redis-data:/data"]
    assert "redis-data" in compose["volumes"]


def test_web_healthcheck_asks_healthz(services):
    test = services["web"]["healthcheck"]["test"]

    assert test[:3] == ["CMD", "python", "-c"]
    assert "http://127.0.0.1:8000/healthz" in test[3]


@pytest.fixture
def web_server_url(db):
    """The project's WSGI application served over HTTP from a thread.

    /healthz needs no rows, so a plain test database will do: no transactional flush.
    Each request's database connection is closed when the request ends.
    """
    server = LiveServerThread("127.0.0.1", static_handler=lambda application: application)
    server.daemon = True
    server.start()
    server.is_ready.wait(timeout=10)
    if server.error:
        raise server.error
    yield f"http://127.0.0.1:{server.port}"
    server.terminate()


@pytest.mark.slow
def test_the_web_healthcheck_command_passes_against_a_healthy_server(services, web_server_url):
    exit_status = run_web_healthcheck(services, web_server_url, allowed_hosts="localhost")

    assert exit_status == 0


@pytest.mark.slow
def test_the_web_healthcheck_command_fails_for_a_host_the_site_refuses(services, web_server_url):
    exit_status = run_web_healthcheck(
        services, web_server_url, allowed_hosts="not-this-site.example"
    )

    assert exit_status == 1


def run_web_healthcheck(services, url: str, *, allowed_hosts: str) -> int:
    """Run web's healthcheck command as compose would, aimed at the test server."""
    code = services["web"]["healthcheck"]["test"][3].replace("http://127.0.0.1:8000", url)
    env = {"PATH": os.environ["PATH"], "ALLOWED_HOSTS": allowed_hosts}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, timeout=30, check=False
    )
    return result.returncode


def test_every_variable_compose_interpolates_is_documented(compose):
    text = (ROOT / "docker-compose.yml").read_text()
    documented = (ROOT / ".env.example").read_text()
    variables = set(re.findall(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)", text))

    assert variables == {"POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD", "TRUSTED_PROXY_HOPS"}
    for variable in variables:
        assert re.search(rf"^#? ?{variable}=", documented, re.MULTILINE), variable


def test_the_image_is_python_311_on_bookworm_and_serves_with_gunicorn(dockerfile):
    assert re.findall(r"^FROM .*$", dockerfile, re.MULTILINE) == ["FROM python:3.11-slim-bookworm"]
    assert 'CMD ["gunicorn", "grid_platform.wsgi"' in dockerfile
    assert re.search(r"^USER app$", dockerfile, re.MULTILINE)


def test_the_image_installs_the_gis_libraries(dockerfile):
    for package in ["gdal-bin", "libgdal32", "libgeos-c1v5", "libproj25", "gettext"]:
        assert package in dockerfile.split()


def test_the_image_builds_with_the_script_that_make_test_runs(dockerfile):
    ignored = (ROOT / ".dockerignore").read_text().split()

    assert re.findall(r"^RUN scripts/build\.sh$", dockerfile, re.MULTILINE) == [
        "RUN scripts/build.sh"
    ]
    assert "collectstatic" not in dockerfile
    assert "scripts" not in ignored
    assert os.access(ROOT / "scripts" / "build.sh", os.X_OK)


def test_web_counts_clients_behind_one_tls_proxy(services):
    assert services["web"]["environment"]["TRUSTED_PROXY_HOPS"] == "${TRUSTED_PROXY_HOPS:-1}"


def test_the_files_the_dockerfile_copies_exist(dockerfile):
    sources = []
    for line in dockerfile.splitlines():
        if line.startswith("COPY "):
            sources += line.split()[1:-1]

    assert sources == ["requirements.txt", "."]
    for source in sources:
        assert (ROOT / source).exists()
    assert (ROOT / "manage.py").is_file()


def test_the_build_context_leaves_out_the_venv_and_local_secrets():
    ignored = (ROOT / ".dockerignore").read_text().split()

    assert {".venv", "var", ".env", ".git"} <= set(ignored)


def test_ci_runs_make_test_and_stops_on_failure():
    script = (ROOT / ".ci" / "run").read_text()

    assert "set -euo pipefail" in script
    assert re.search(r"^make test\b", script, re.MULTILINE)
    assert os.access(ROOT / ".ci" / "run", os.X_OK)


def test_the_makefile_has_the_documented_targets():
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z-]+):", makefile, re.MULTILINE))

    assert {"run", "test", "lint", "format", "migrate", "bench", "clean"} <= targets


def test_make_test_runs_its_steps_in_the_documented_order():
    makefile = (ROOT / "Makefile").read_text()
    prerequisites = re.search(r"^test: (.*?)##", makefile, re.MULTILINE).group(1).split()

    assert prerequisites == [
        "system-packages-test",
        "venv-test",
        "services",
        "lint",
        "check-migrations",
        "messages",
    ]
    assert ".NOTPARALLEL:" in makefile


@pytest.mark.parametrize("script", sorted(p.name for p in (ROOT / "scripts").glob("*.sh")))
def test_every_helper_script_is_valid_bash(script):
    result = subprocess.run(
        ["bash", "-n", str(ROOT / "scripts" / script)], capture_output=True, check=False
    )

    assert result.returncode == 0, result.stderr
