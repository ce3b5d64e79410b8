"""The dashboard map's partial GiST index (migration 0026) covers exactly the open cases."""

import importlib
import re

import pytest
from django.db import connection

from incidents.models import Incident

MIGRATION = importlib.import_module("incidents.migrations.0026_incident_open_location_index")


def test_the_migration_writes_out_the_open_statuses():
    assert set(MIGRATION.OPEN) == Incident.OPEN_STATUSES


@pytest.mark.django_db
def test_the_database_holds_a_gist_index_on_the_open_cases_locations():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [MIGRATION.INDEX])
        (definition,) = cursor.fetchone()

    assert "USING gist (location)" in definition
    assert set(re.findall(r"'(\w+)'::character varying", definition)) == Incident.OPEN_STATUSES
