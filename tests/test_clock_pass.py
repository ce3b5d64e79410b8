"""``make test``'s second pass: the suite again with every Python process's clock moved."""

import datetime
import os
import re
import subprocess
import sys
from pathlib import Path

import chinese_calendar
import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_a_python_process_started_with_the_clock_mover_lives_at_that_moment():
    moment = "2031-02-28T23:30:00+08:00"
    child = (
        "import datetime, time, subprocess, sys;"
        "print(datetime.datetime.now(datetime.UTC).isoformat());"
        "sys.stdout.flush();"
        "subprocess.run([sys.executable, '-c',"
        " 'import datetime; print(datetime.datetime.now(datetime.UTC).isoformat())'])"
    )
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": "tests/clock", "TEST_CLOCK_AT": moment}

    result = subprocess.run(
        [sys.executable, "-c", child],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )

    expected = datetime.datetime.fromisoformat(moment)
    seen = [datetime.datetime.fromisoformat(line) for line in result.stdout.split()]
    assert len(seen) == 2, result.stderr  # the process and the one it started
    for moment_seen in seen:
        assert datetime.timedelta(0) <= moment_seen - expected < datetime.timedelta(minutes=1)


def test_make_test_runs_the_suite_again_with_the_clock_outside_the_calendar_data():
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^test: .*?\n((?:\t.*\n)+)", makefile, re.MULTILINE).group(1)
    moved = re.search(r"^TEST_CLOCK_AT \?= (\S+)$", makefile, re.MULTILINE).group(1)

    # Browser tests and the reliability tests (their forked processes, make reliability)
    # run in the first pass only.
    second = "$(CLOCK_ENV) $(VENV)/bin/pytest $(XDIST) $(PYTEST_ARGS) -m " + (
        '"not browser and not reliability"'
    )
    assert second in recipe
    assert "PYTHONPATH=tests/clock TEST_CLOCK_AT=$(TEST_CLOCK_AT)" in makefile
    # Outside the official calendar's data: the platform's fallback is what runs then.
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(datetime.date.fromisoformat(moved[:10]))


@pytest.mark.parametrize(("worker", "database"), [("gw0", "15"), ("gw1", "14"), ("", "15")])
def test_each_xdist_worker_takes_a_redis_database_of_its_own(worker, database):
    env = {
        "PATH": os.environ["PATH"],
        "REDIS_URL": "redis://127.0.0.1:6379/15",
        "PYTEST_XDIST_WORKER": worker,
    }

    result = subprocess.run(
        [sys.executable, "-c", "import os, tests.environment; print(os.environ['REDIS_URL'])"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.strip() == f"redis://127.0.0.1:6379/{database}"
