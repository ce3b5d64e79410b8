"""Production settings: safe by default, and refusing to start without their secrets."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_SECRET_KEY = "kq3Vd9-ZpX7wN2rT8yLm4bHc6sJf1uGe5aQo0iKx_WvRzYtEnMhUjBgCdFlSoPaDe"


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """manage.py in a clean environment: only PATH and what the test passes."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_deploy_check_finds_no_issue_with_debug_off_and_the_secrets_set():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=PRODUCTION_SECRET_KEY,
        PERSONAL_DATA_KEY="a-personal-data-key-for-the-deploy-check",
        DATABASE_URL=os.environ["DATABASE_URL"],
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("System check identified no issues")


@pytest.mark.slow
@pytest.mark.parametrize("missing", ["SECRET_KEY", "PERSONAL_DATA_KEY"])
def test_settings_refuse_to_start_without_a_secret_when_debug_is_off(missing):
    secrets = {"SECRET_KEY": PRODUCTION_SECRET_KEY, "PERSONAL_DATA_KEY": "a-key"}
    # Empty rather than absent, so that a developer's .env cannot fill it in.
    secrets[missing] = ""

    result = run_manage("check", DATABASE_URL=os.environ["DATABASE_URL"], **secrets)

    assert result.returncode == 1
    assert f"ImproperlyConfigured: {missing} must be set when DEBUG is off." in result.stderr


def settings_variables() -> set[str]:
    source = (ROOT / "grid_platform" / "settings.py").read_text()
    return set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z_][A-Z0-9_]*)\"", source))


def test_the_settings_read_the_variables_this_test_knows():
    assert {"SECRET_KEY", "PERSONAL_DATA_KEY", "DATABASE_URL", "REDIS_URL"} <= (
        settings_variables()
    )


@pytest.mark.parametrize("document", ["README.md", ".env.example"])
def test_every_variable_the_settings_read_is_documented(document):
    text = (ROOT / document).read_text()

    undocumented = sorted(v for v in settings_variables() if not re.search(rf"\b{v}\b", text))

    assert undocumented == []
