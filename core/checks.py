"""System checks for the platform's own set-up requirements."""

import sqlite3
from collections.abc import Sequence

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import Error


def spatialite_needs_extension_loading(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: object
) -> list[Error]:
    """SpatiaLite is an SQLite extension; some Python builds cannot load extensions."""
    uses_spatialite = any(
        db["ENGINE"].endswith("spatialite") for db in settings.DATABASES.values()
    )
    if uses_spatialite and not hasattr(sqlite3.Connection, "enable_load_extension"):
        return [
            Error(
                "This Python's sqlite3 module cannot load extensions, so SpatiaLite cannot "
                "be used.",
                hint="Create the virtual environment with Debian's /usr/bin/python3 "
                "(`make run` does), or set DATABASE_URL to a PostGIS database.",
                id="grid_platform.E001",
            )
        ]
    return []
