"""Bench-only settings for bench/county.py's gunicorn: the platform's, with a URLconf that
adds a bare JSON view (bench/county_urls.py). Never used outside the benchmark."""

from grid_platform.settings import *  # noqa: F403

ROOT_URLCONF = "bench.county_urls"
