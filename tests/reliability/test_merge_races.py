"""Merges at the same moment, in real processes: opposite merges and a merge into a case
being closed. No loop, no deadlock surfacing as an error, no merge into a closed case."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from incidents.models import Incident, IncidentEvent
from incidents.services import transitions
from members.models import User
from tests.reliability import conftest as rc
from tests.reliability.conftest import FORK, ROUNDS, gate, lock_waiters

pytestmark = [pytest.mark.slow, pytest.mark.reliability, pytest.mark.django_db(transaction=True)]
S = Incident.Status


def _take(step, me: int, at_gate, barrier, **kwargs) -> str:
    """Take the step when the rival does (with no barrier: once the rival has taken its
    step and not committed yet); keep it uncommitted until the rival is blocked on a lock
    or has finished, then commit."""
    peer = 1 - me
    if barrier is None:
        gate(lambda: at_gate[peer] == 1)
    else:
        barrier.wait(timeout=30)
    try:
        with transaction.atomic():
            step(**kwargs)
            at_gate[me] = 1
            gate(lambda: at_gate[peer] == 1 or lock_waiters() > 0)
    except ValidationError as refusal:
        return f"refused: {' '.join(refusal.messages)}"
    finally:
        at_gate[me] = 1
    return "done"


def _merge(me, at_gate, barrier, actor_id, case_id, into_id) -> str:
    return _take(
        transitions.incident_merge,
        me,
        at_gate,
        barrier,
        actor=User.objects.get(pk=actor_id),
        incident=Incident.objects.get(pk=case_id),
        into=Incident.objects.get(pk=into_id),
    )


def _verify(me, at_gate, barrier, actor_id, case_id) -> str:
    return _take(
        transitions.incident_verify,
        me,
        at_gate,
        barrier,
        actor=User.objects.get(pk=actor_id),
        incident=Incident.objects.get(pk=case_id),
        passed=True,
    )


def test_opposite_merges_at_the_same_moment_leave_one_survivor(make_case, cast):
    loops, errors, outcomes = [], [], []
    for round_ in range(ROUNDS):
        a = make_case(f"A-{round_}", reporter=cast.member)
        b = make_case(f"B-{round_}", reporter=cast.leader)
        at_gate, barrier = FORK.Array("i", 2), FORK.Barrier(2)
        official = cast.town_official.pk

        results = rc.run_together(
            (_merge, 0, at_gate, barrier, official, a.pk, b.pk),
            (_merge, 1, at_gate, barrier, official, b.pk, a.pk),
        )

        a.refresh_from_db()
        b.refresh_from_db()
        if a.duplicate_of_id == b.pk and b.duplicate_of_id == a.pk:
            loops.append(round_)
        errors += [r for r in results if isinstance(r, tuple)]
        outcomes.append(sorted(r if isinstance(r, str) else "error" for r in results))
    assert (loops, errors) == ([], [])
    assert all(o[0] == "done" and o[1].startswith("refused") for o in outcomes), outcomes


def test_a_merge_into_a_case_being_closed_waits_and_is_refused(make_case, cast):
    """The closing official has closed the case, not yet committed, when the merge starts;
    in every other round the merge comes first and the closing starts while it runs."""
    wrongful, errors, refused = [], [], 0
    for round_ in range(ROUNDS):
        target = make_case(f"T-{round_}", status=S.HANDLED, reporter=cast.member)
        duplicate = make_case(f"D-{round_}", reporter=cast.leader)
        at_gate = FORK.Array("i", 2)
        closing_first = round_ % 2 == 0
        first, second = FORK.Barrier(1), None
        verify_go, merge_go = (first, second) if closing_first else (second, first)

        results = rc.run_together(
            (_verify, 0, at_gate, verify_go, cast.member.pk, target.pk),
            (_merge, 1, at_gate, merge_go, cast.town_official.pk, duplicate.pk, target.pk),
        )

        errors += [r for r in results if isinstance(r, tuple)]
        events = dict(
            IncidentEvent.objects.filter(
                incident__in=[target, duplicate], action__in=["verify", "merge"]
            ).values_list("action", "pk")
        )
        # A merge is wrongful when it came after the target's closing: it merged into a
        # closed case. The other order (merged first, closed after) is the legal one.
        if "merge" in events and "verify" in events and events["merge"] > events["verify"]:
            wrongful.append((round_, results))
        refused += closing_first and str(results[1]).startswith("refused: Case T-")
    assert (wrongful, errors) == ([], [])
    assert refused == len(range(0, ROUNDS, 2)), "every merge into a closed case is refused"
