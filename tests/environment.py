"""Loaded by pytest with ``-p tests.environment`` before Django is set up.

Tests run against PostgreSQL with PostGIS and Redis (``make test`` starts them); the
defaults below point at the local services and can be overridden from the environment.
"""

import os
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("PERSONAL_DATA_KEY", "test-personal-data-key")
os.environ.setdefault("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/grid_platform")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# Under pytest-xdist (``make test`` runs two workers) each worker takes a Redis database of
# its own, counted down from the one given: gw0 keeps it, gw1 takes the one below. The
# cache's clear() between tests flushes its whole database, and a shared one would empty
# the other worker's rate-limit counters mid-test. (pytest-django gives each worker its own
# test database, test_<name>_gw0 ...)
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw"):
    _redis = urlsplit(os.environ["REDIS_URL"])
    _database = int(_redis.path.lstrip("/") or 0) - int(_worker[2:])
    if _database < 0:
        raise RuntimeError(f"REDIS_URL's database is too low for xdist worker {_worker}")
    os.environ["REDIS_URL"] = urlunsplit(_redis._replace(path=f"/{_database}"))
