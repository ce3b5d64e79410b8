"""An escalation sweep killed between two batches, then run again: every escalated case
is announced exactly once (what a batch committed, its digest committed with it)."""

import datetime
import signal
from collections import Counter

import pytest
from django.utils import timezone

from incidents.models import IncidentEvent
from incidents.services import escalation
from members.models import Notification
from tests.reliability import conftest as rc
from tests.reliability.conftest import FORK, ROUNDS, kill, start

pytestmark = [pytest.mark.slow, pytest.mark.reliability, pytest.mark.django_db(transaction=True)]
BATCH = 2


def _sweep_until_killed(first_batch_done) -> None:
    """The sweep, which stops after its first batch has committed, until it is killed."""
    sweep_batch = escalation._sweep_batch

    def batch_then_hang(*args):
        claimed = sweep_batch(*args)
        first_batch_done.set()
        signal.pause()
        return claimed

    escalation._sweep_batch = batch_then_hang
    escalation.incidents_escalate_overdue(batch_size=BATCH)


def _sweep() -> int:
    return escalation.incidents_escalate_overdue(batch_size=BATCH).escalated


def test_a_sweep_killed_between_batches_announces_every_case_once(make_case, cast):
    overdue = timezone.now() - datetime.timedelta(hours=1)
    codes = [make_case(f"K-{n}", deadline=overdue).code for n in range(BATCH * (ROUNDS + 1))]

    for _round in range(ROUNDS):
        first_batch_done = FORK.Event()
        sweeper = start(_sweep_until_killed, first_batch_done)
        assert first_batch_done.wait(timeout=60)
        kill(sweeper)
    [escalated_by_rerun] = rc.run_together((_sweep,))

    assert IncidentEvent.objects.filter(action="auto_escalate").count() == len(codes)
    assert escalated_by_rerun == BATCH
    digests = Notification.objects.filter(
        recipient=cast.village_staff, kind="escalation_digest"
    ).values_list("body", flat=True)
    announced = Counter(line for body in digests for line in body.splitlines())
    assert announced == Counter(codes)
