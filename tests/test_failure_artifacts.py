"""A failing browser test leaves a screenshot, and CI's log receives it (issue 5: "screenshots
of failures go to a folder that CI keeps in its log").

A throwaway test that fails on purpose runs in its own pytest process with the options of
pyproject.toml; scripts/print-test-artifacts.sh, which .ci/run calls after a failure, must then
print the screenshot as a base64 tar.gz that decodes back into a PNG."""

import base64
import io
import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FAILING = """
import pytest

@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {"executable_path": "/usr/bin/chromium", "args": ["--disable-dev-shm-usage"]}

def test_fails_on_purpose(page):
    page.set_content("<h1>failure on purpose</h1>")
    assert page.inner_text("h1") == "something else"
"""

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def project_addopts() -> list[str]:
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]
    return options["ini_options"]["addopts"].split()


def test_a_failing_browser_test_leaves_a_screenshot_that_ci_prints(tmp_path):
    (tmp_path / "test_fail.py").write_text(FAILING)
    output = tmp_path / "results"
    # The project's own screenshot options, with the output folder moved to tmp_path.
    options = [o for o in project_addopts() if o.startswith("--screenshot")]
    options += ["--full-page-screenshot", f"--output={output}"]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:django",
         "--rootdir", str(tmp_path), "-c", "/dev/null", *options, str(tmp_path)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert run.returncode == 1, run.stdout + run.stderr
    assert "--screenshot=only-on-failure" in options
    [shot] = output.rglob("*.png")

    printed = subprocess.run(
        [ROOT / "scripts" / "print-test-artifacts.sh", str(output)],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    encoded = printed.split("----- BEGIN TEST ARTIFACTS -----\n")[1].split("-----")[0]
    with tarfile.open(fileobj=io.BytesIO(base64.b64decode(encoded)), mode="r:gz") as archive:
        [member] = [m for m in archive.getmembers() if m.name.endswith(".png")]
        data = archive.extractfile(member).read()
    assert data == shot.read_bytes()
    assert data.startswith(b"\x89PNG")
    assert shot.relative_to(output).as_posix() in printed


def test_without_failures_nothing_is_printed(tmp_path):
    printed = subprocess.run(
        [ROOT / "scripts" / "print-test-artifacts.sh", str(tmp_path / "none")],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    assert "no failure screenshots" in printed
    assert "BEGIN TEST ARTIFACTS" not in printed
