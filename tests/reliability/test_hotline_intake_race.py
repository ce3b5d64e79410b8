"""The same hotline work order posted twice at the same moment, by two processes (two
servers of the hotline's system, a retry overtaking the first attempt): one case."""

import pytest
from django.db import transaction

from core.roles import Role
from grids.models import Grid
from incidents.models import Category, HotlineOrder, Incident, IncidentEvent
from incidents.services.hotline import hotline_order_file
from members.models import User
from tests.conftest import make_user
from tests.reliability import conftest as rc
from tests.reliability.conftest import FORK, ROUNDS, gate, lock_waiters

pytestmark = [pytest.mark.slow, pytest.mark.reliability, pytest.mark.django_db(transaction=True)]


def _file(me: int, at_gate, barrier, operator_id: int, grid_id: int, order_id: str) -> str:
    """File the work order when the rival does; keep it uncommitted until the rival is
    blocked on a lock or done, then commit."""
    barrier.wait(timeout=30)
    try:
        with transaction.atomic():
            incident, created = hotline_order_file(
                actor=User.objects.get(pk=operator_id),
                order_id=order_id,
                category=Category.objects.get(code="garbage"),
                description="村口垃圾堆放",
                caller_phone="13912345678",
                grid=Grid.objects.get(pk=grid_id),
            )
            at_gate[me] = 1
            gate(lambda: at_gate[1 - me] == 1 or lock_waiters() > 0)
    finally:
        at_gate[me] = 1
    return f"{'created' if created else 'found'} {incident.code}"


def test_a_work_order_posted_twice_at_once_makes_one_case(ladder):
    operator = make_user("hotline_12345", Role.HOTLINE_OPERATOR, ladder.county)
    outcomes = []
    for round_ in range(ROUNDS):
        at_gate, barrier = FORK.Array("i", 2), FORK.Barrier(2)
        order_id = f"GD-RACE-{round_}"

        results = rc.run_together(
            (_file, 0, at_gate, barrier, operator.pk, ladder.a1.pk, order_id),
            (_file, 1, at_gate, barrier, operator.pk, ladder.a1.pk, order_id),
        )

        outcomes.append(sorted(r if isinstance(r, str) else f"error {r}" for r in results))
        case = HotlineOrder.objects.get(order_id=order_id).incident
        assert results[0].split()[-1] == results[1].split()[-1] == case.code, results
    assert all(o[0].startswith("created") and o[1].startswith("found") for o in outcomes), outcomes
    assert Incident.objects.count() == ROUNDS
    assert IncidentEvent.objects.count() == ROUNDS
