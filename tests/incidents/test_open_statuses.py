"""The open statuses are written once more, in the escalation sweep's partial index (Meta
cannot reach the model's attributes), and in the benchmarks' raw-SQL floors (plain scripts
that build their data before Django is set up): these tests keep every copy the same."""

import importlib.util
import re
from pathlib import Path

import pytest
from django.db import connection

from incidents.models import Incident

SWEEP_INDEX = "incident_open_deadline_idx"
BENCH = Path(__file__).resolve().parents[2] / "bench"


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


def test_the_queues_index_of_the_open_cases_is_declared_on_the_open_statuses():
    name = "incident_queue_open_due_idx"
    index = next(index for index in Incident._meta.indexes if index.name == name)

    assert set(dict(index.condition.children)["status__in"]) == Incident.OPEN_STATUSES


def test_the_open_cases_query_asks_for_the_open_statuses():
    _sql, parameters = Incident.objects.open().query.sql_with_params()

    assert set(parameters) == Incident.OPEN_STATUSES


def _bench_module(name):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["escalation", "dashboard", "map"])
def test_the_benchmarks_build_their_open_cases_on_the_open_statuses(name):
    assert set(_bench_module(name).OPEN) == Incident.OPEN_STATUSES


def test_the_escalation_floor_selects_the_open_statuses():
    floor = _bench_module("escalation").OVERDUE_SQL

    assert set(re.findall(r"'(\w+)'", floor)) == Incident.OPEN_STATUSES
