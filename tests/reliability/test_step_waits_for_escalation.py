"""A step that waits for a case locked by the escalation sweep, which moves the case from
its village up to the town meanwhile: never a server error. An official who still owns
the case gets the step done on its new state; village staff, who no longer do, get a
clear refusal (409 with a message) on the API and on the case page."""

import datetime

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from incidents.models import Incident, Level, ReasonCode
from incidents.services.escalation import incidents_escalate_overdue
from members.models import User
from tests.reliability import conftest as rc
from tests.reliability.conftest import FORK, ROUNDS, gate, lock_waiters

pytestmark = [pytest.mark.slow, pytest.mark.reliability, pytest.mark.django_db(transaction=True)]
WAITERS = 3
# A supervision starts with a reason (the page's form asks for one).
REASON = "overdue"


def _sweep(swept) -> str:
    """Escalate the overdue case and keep it locked until every step waits for it."""
    with transaction.atomic():
        escalated = incidents_escalate_overdue().escalated
        swept.set()
        gate(lambda: lock_waiters() >= WAITERS)
    return f"escalated {escalated}"


def _api_step(swept, user_id: int, case_id: int) -> tuple[int, str]:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    client.force_authenticate(User.objects.get(pk=user_id))
    swept.wait(timeout=30)
    response = client.post(
        f"/api/cases/{case_id}/supervise/", {"on": True, "reason_code": REASON}, format="json"
    )
    return response.status_code, response.content.decode()[:300]


def _page_step(swept, user_id: int, case_id: int) -> tuple[int, str]:
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    client.force_login(User.objects.get(pk=user_id))
    reason = ReasonCode.objects.get(kind=ReasonCode.Kind.SUPERVISION, code=REASON)
    swept.wait(timeout=30)
    response = client.post(
        reverse("incidents:action", args=[case_id, "supervise"]),
        {"supervise-on": "1", "supervise-reason_code": reason.pk},
        follow=True,
    )
    first = response.redirect_chain[0][1] if response.redirect_chain else response.status_code
    return first, response.content.decode()


def test_a_step_waiting_for_a_case_the_sweep_escalates_never_errs(make_case, cast, ladder):
    answers = []
    for round_ in range(ROUNDS):
        case = make_case(
            f"W-{round_}",
            level=Level.VILLAGE,
            deadline=timezone.now() - datetime.timedelta(hours=1),
        )
        swept = FORK.Event()

        results = rc.run_together(
            (_sweep, swept),
            (_api_step, swept, cast.town_official.pk, case.pk),
            (_api_step, swept, cast.village_staff.pk, case.pk),
            (_page_step, swept, cast.village_staff.pk, case.pk),
        )

        case.refresh_from_db()
        assert (case.level, case.handling_region) == (Level.TOWN, ladder.town)
        assert results[0] == "escalated 1"
        answers.append([r[0] if isinstance(r, tuple) and len(r) == 2 else r for r in results[1:]])
        official, staff_api, staff_page = results[1:]
        assert "changed while this step waited" in staff_api[1]
        assert "changed while this step waited" in staff_page[1], staff_page
        assert Incident.objects.get(pk=case.pk).is_supervised
    assert answers == [[200, 409, 409]] * ROUNDS
