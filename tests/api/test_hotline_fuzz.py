"""Schemathesis over POST /api/hotline/orders/ as a hotline operator (the shared run posts
as a town official, who is refused): whatever the body, no server error and no answer
the schema does not describe."""

import pytest
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token

from core.roles import Role
from tests.api.test_schemathesis import CHECKS, _keep_the_test_connection, schema  # noqa: F401
from tests.conftest import make_user

hotline_orders = schema.include(path="/api/hotline/orders/")


@pytest.fixture
def operator_token(ladder):
    operator = make_user("hotline_12345", Role.HOTLINE_OPERATOR, ladder.county)
    return Token.objects.create(user=operator).key


@hotline_orders.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_work_orders_answer_as_the_schema_says(case, operator_token):
    case.call_and_validate(headers={"Authorization": f"Token {operator_token}"}, checks=CHECKS)
