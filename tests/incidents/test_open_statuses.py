"""The open statuses are written once more, in the escalation sweep's partial index (Meta
cannot reach the model's attributes): these tests keep the two copies the same."""

import re

import pytest
from django.db import connection

from incidents.models import Incident

SWEEP_INDEX = "incident_open_deadline_idx"


def test_the_sweeps_partial_index_is_declared_on_the_open_statuses():
    index = next(index for index in Incident._meta.indexes if index.name == SWEEP_INDEX)

    condition = dict(index.condition.children)

    assert set(condition["status__in"]) == Incident.OPEN_STATUSES
    assert condition["is_stalled_at_top"] is False


@pytest.mark.django_db
def test_the_database_holds_the_sweeps_index_on_the_open_statuses():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [SWEEP_INDEX])
        (definition,) = cursor.fetchone()

    assert set(re.findall(r"'(\w+)'::character varying", definition)) == Incident.OPEN_STATUSES


def test_the_open_cases_query_asks_for_the_open_statuses():
    _sql, parameters = Incident.objects.open().query.sql_with_params()

    assert set(parameters) == Incident.OPEN_STATUSES
