"""The production settings, with the bench's URLs: the platform's plus one bare JSON view
(bench/open311_urls.py), so the bare view never reaches a production URLconf."""

from grid_platform.settings import *  # noqa: F403

ROOT_URLCONF = "bench.open311_urls"
