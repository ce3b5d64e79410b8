"""Property-based run of schemathesis over every operation of /api/schema/, in-process
through the WSGI application, as a town official who sees data: no answer may be a server
error or break the schema (status codes, content types, bodies)."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from incidents.services import transitions

# Bounded so that the whole run fits in CI (about a minute on two cores).
EXAMPLES_PER_OPERATION = 8
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler would close the test's connection at the end of each request; as
    Django's test client does, keep it open: the test runs inside one transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(cast, report, department):
    """Cases in several states in the official's town, so that detail and step
    operations meet real rows as well as unknown ids."""
    first, second = report(), report()
    report(actor=cast.other_member, grid=cast.other_member.grid_member.grids.first())
    transitions.incident_accept(actor=cast.town_official, incident=first)
    transitions.incident_supervise(actor=cast.town_official, incident=second, on=True)
    return Token.objects.create(user=cast.town_official).key


# Loaded at collection: serving the schema touches no database (schemathesis's lazy
# from_fixture loader does not run on pytest 9).
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_answers_conform_to_the_schema(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
