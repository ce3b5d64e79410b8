"""The steps off the happy path through the API: return, the arbitration of a second return,
extension and its decision, suspension and resumption, reopening; each by the right role,
with its reason code."""

import datetime

import pytest
from django.utils import timezone

from incidents.models import DeadlineExtension, Incident, ReturnArbitration
from incidents.services import transitions
from incidents.services.handling import incident_return
from tests.conftest import NOW, TODAY
from tests.incidents.conftest import events_of

pytestmark = pytest.mark.django_db
S = Incident.Status
YESTERDAY = (TODAY - datetime.timedelta(days=1)).isoformat()
NEXT_WEEK = (TODAY + datetime.timedelta(days=7)).isoformat()


def _post(client, incident, step, data=None):
    return client.post(f"/api/cases/{incident.pk}/{step}/", data or {}, format="json")


@pytest.fixture
def dispatched(report, cast, department):
    incident = transitions.incident_accept(actor=cast.town_official, incident=report())
    return transitions.incident_dispatch(
        actor=cast.town_official, incident=incident, department=department
    )


def _status(incident) -> str:
    incident.refresh_from_db()
    return incident.status


def test_the_department_returns_a_case_outside_its_competence(api, dispatched, handler):
    response = _post(
        api(handler),
        dispatched,
        "return",
        {"reason_code": "not-competent", "note": "应由市场监管处理"},
    )

    assert response.status_code == 204, response.content  # no longer the department's
    assert _status(dispatched) == S.ACCEPTED
    assert events_of(dispatched)[-1] == "return"


def test_a_return_needs_a_reason_code_of_its_kind(api, dispatched, handler):
    client = api(handler)

    missing = _post(client, dispatched, "return", {"note": "x"})
    wrong_kind = _post(client, dispatched, "return", {"reason_code": "duplicate", "note": "x"})

    assert missing.status_code == wrong_kind.status_code == 400
    assert "reason_code" in missing.json()
    assert _status(dispatched) == S.DISPATCHED


@pytest.fixture
def arbitrating(dispatched, handler, cast, reason):
    """The department's second return of the case waits for the official above."""
    department = dispatched.assignee_department
    incident_return(
        actor=handler, incident=dispatched, reason_code=reason("return"), note="不属于"
    )
    transitions.incident_dispatch(
        actor=cast.town_official, incident=dispatched, department=department
    )
    incident_return(
        actor=handler, incident=dispatched, reason_code=reason("return"), note="仍不属于"
    )
    return dispatched


def test_the_official_above_upholds_a_second_return(api, arbitrating, handler, cast):
    official = api(cast.town_official)

    by_handler = _post(api(handler), arbitrating, "arbitrate", {"uphold": True})
    by_other_town = _post(api(cast.other_official), arbitrating, "arbitrate", {"uphold": True})
    refused_without_note = _post(official, arbitrating, "arbitrate", {"uphold": False})
    bad_input = _post(official, arbitrating, "arbitrate", {"uphold": "perhaps"})
    upheld = _post(official, arbitrating, "arbitrate", {"uphold": True})
    again = _post(official, arbitrating, "arbitrate", {"uphold": True})

    assert (by_handler.status_code, by_other_town.status_code) == (403, 404)
    assert refused_without_note.status_code == 400
    assert "note" in refused_without_note.json()
    assert (bad_input.status_code, list(bad_input.json())) == (400, ["uphold"])
    assert upheld.status_code == 200, upheld.content
    assert (ReturnArbitration.objects.get().status, _status(arbitrating)) == ("upheld", S.ACCEPTED)
    assert again.status_code == 409  # the case changed: nothing waits for arbitration now
    assert again.json()["code"] == "no_arbitration"


def test_an_extension_is_asked_for_and_approved_one_rung_up(api, dispatched, handler, cast):
    transitions.incident_start(actor=handler, incident=dispatched)
    asked_for = timezone.now() + datetime.timedelta(days=10)

    asked = _post(
        api(handler),
        dispatched,
        "extend",
        {"reason_code": "weather", "note": "连日降雨", "new_deadline": asked_for.isoformat()},
    )
    refused_to_handler = _post(api(handler), dispatched, "extend_decide", {"approve": True})
    decided = _post(api(cast.town_official), dispatched, "extend_decide", {"approve": True})

    assert asked.status_code == 200, asked.content
    assert refused_to_handler.status_code == 403
    assert decided.status_code == 200, decided.content
    assert DeadlineExtension.objects.get().status == DeadlineExtension.Status.APPROVED


def test_deciding_without_a_pending_extension_is_a_conflict(api, dispatched, cast):
    response = _post(api(cast.town_official), dispatched, "extend_decide", {"approve": True})

    assert response.status_code == 409
    assert response.json()["code"] == "no_extension"


@pytest.mark.time_machine(NOW, tick=False)
def test_a_town_official_suspends_and_resumes(api, dispatched, cast):
    client = api(cast.town_official)

    past = _post(
        client,
        dispatched,
        "suspend",
        {"reason_code": "awaiting-budget", "note": "等预算", "review_on": YESTERDAY},
    )
    suspended = _post(
        client,
        dispatched,
        "suspend",
        {"reason_code": "awaiting-budget", "note": "等预算", "review_on": NEXT_WEEK},
    )
    resumed = _post(client, dispatched, "resume", {"note": "预算到位"})

    assert past.status_code == 400
    assert suspended.json()["status"] == S.SUSPENDED
    assert resumed.json()["status"] == S.DISPATCHED


@pytest.mark.time_machine(NOW, tick=False)
def test_a_village_member_may_not_suspend(api, dispatched, cast):
    response = _post(
        api(cast.village_staff),
        dispatched,
        "suspend",
        {"reason_code": "awaiting-budget", "note": "x", "review_on": NEXT_WEEK},
    )

    assert response.status_code == 403
    assert _status(dispatched) == S.DISPATCHED


def test_a_rejected_case_is_reopened_with_a_reason(api, report, cast):
    incident = report()
    client = api(cast.town_official)
    rejected = _post(client, incident, "reject", {"reason": "重复", "reason_code": "duplicate"})

    reopened = _post(
        client, incident, "reopen", {"reason_code": "wrongly-rejected", "note": "误判"}
    )

    assert rejected.json()["status"] == S.REJECTED
    assert reopened.status_code == 200, reopened.content
    assert reopened.json()["status"] != S.REJECTED
    assert events_of(incident)[-2:] == ["reject", "reopen"]


def test_lists_the_reason_codes_of_a_kind(api, cast):
    response = api(cast.town_official).get("/api/reason-codes/", {"kind": "suspension"})

    assert "awaiting-budget" in {row["code"] for row in response.json()}
    assert {row["kind"] for row in response.json()} == {"suspension"}
