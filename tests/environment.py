"""Loaded by pytest with ``-p tests.environment`` before Django is set up.

Tests run against PostgreSQL with PostGIS and Redis (``make test`` starts them); the
defaults below point at the local services and can be overridden from the environment.
"""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("PERSONAL_DATA_KEY", "test-personal-data-key")
os.environ.setdefault("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/grid_platform")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
