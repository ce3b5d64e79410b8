"""bench/county.py at a tiny size, so that the script cannot rot: it builds a county of two
towns, measures every figure (gunicorn included) and prints its last line.

Its database (the test database's name + ``_county_bench``) is kept between runs with
``--reuse``: migrating a new one takes longer than the rest of the test. The cases are built
again every time (``--rebuild``), the ladder and people when their counts differ."""

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAST_LINE = re.compile(
    r"^county: cases=(?P<cases>\d+) cockpit_median_ms=(?P<cockpit>[\d.]+) "
    r"town_dashboard_median_ms=(?P<dashboard>[\d.]+) queue_p95_ms=(?P<queue>[\d.]+) "
    r"open311_rps=(?P<open311>\d+) bare_rps=(?P<bare>\d+) "
    r"locate_grid_us=(?P<locate>\d+) locate_floor_us=(?P<floor>\d+) "
    r"queries=(?P<cockpit_q>\d+)/(?P<dashboard_q>\d+)/(?P<queue_q>\d+)$"
)


@pytest.mark.slow
def test_the_county_benchmark_builds_measures_and_prints_its_line():
    parts = urlsplit(os.environ["DATABASE_URL"])
    database = parts._replace(path=f"{parts.path}_county_bench").geturl()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    arguments = [
        *("--reuse", "--rebuild"),
        *("--towns", "2", "--grids", "4", "--residents", "40", "--cases", "2000"),
        *("--renders", "2", "--pages", "2", "--points", "20"),
        *("--load-seconds", "0.5", "--workers", "2", "--connections", "4"),
    ]
    done = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, "bench/county.py", "--database", database, *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    figures = LAST_LINE.match(last)
    assert figures, last
    assert int(figures["cases"]) == 2000
    for name in ("cockpit", "dashboard", "queue", "open311", "bare", "locate", "floor"):
        assert float(figures[name]) > 0, (name, last)
    for name in ("cockpit_q", "dashboard_q", "queue_q"):
        assert int(figures[name]) > 0, (name, last)
