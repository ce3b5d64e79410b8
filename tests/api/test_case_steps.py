"""POST /api/cases/{id}/<step>/: each step of the loop through the API, allowed and refused,
with exactly one event per step taken and nothing changed on a refusal."""

import pytest
from django.contrib.gis.geos import Point

from incidents.models import Incident, IncidentEvent
from incidents.services import transitions
from incidents.services.reporting import incident_report
from tests.conftest import starter_reason
from tests.incidents.conftest import events_of

pytestmark = pytest.mark.django_db


def _post(client, incident, step, data=None):
    return client.post(f"/api/cases/{incident.pk}/{step}/", data or {}, format="json")


def _state(incident):
    incident.refresh_from_db()
    return incident.status, incident.level, incident.is_supervised, events_of(incident)


def test_walks_the_whole_loop(api, cast, report, department, handler):
    incident = report()
    official, member = api(cast.town_official), api(cast.member)

    assert _post(official, incident, "accept", {"note": "ok"}).status_code == 200
    dispatched = _post(official, incident, "dispatch", {"department": department.pk})
    assert dispatched.status_code == 200, dispatched.content
    assert _post(api(handler), incident, "start").status_code == 200
    assert _post(api(handler), incident, "handle", {"note": "清理完毕"}).status_code == 200
    closed = _post(member, incident, "verify", {"passed": True})

    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert events_of(incident) == ["report", "accept", "dispatch", "start", "handle", "verify"]


def test_the_reporter_rates_a_closed_case(api, cast, category, department, handler):
    incident = incident_report(
        actor=cast.resident,
        category=category,
        title="路灯",
        description="路灯坏了",
        source=Incident.Source.RESIDENT,
        location=Point(121.005, 28.005, srid=4326),
    )
    transitions.incident_accept(actor=cast.town_official, incident=incident)
    transitions.incident_dispatch(
        actor=cast.town_official, incident=incident, department=department
    )
    transitions.incident_start(actor=handler, incident=incident)
    transitions.incident_handle(actor=handler, incident=incident, note="修好")
    transitions.incident_verify(actor=cast.member, incident=incident, passed=True)

    refused = _post(api(cast.member), incident, "evaluate", {"satisfaction": "satisfied"})
    rated = _post(api(cast.resident), incident, "evaluate", {"satisfaction": "satisfied"})

    assert refused.status_code == 403
    assert rated.status_code == 200
    assert rated.json()["satisfaction"] == "satisfied"
    assert events_of(incident).count("evaluate") == 1


@pytest.mark.parametrize(
    ("who", "step", "data"),
    [
        ("member", "accept", {}),
        ("other_member", "accept", {}),
        ("resident", "reject", {"reason": "no", "reason_code": "duplicate"}),
        ("member", "dispatch", {}),
        ("town_official", "start", {}),
        ("town_official", "handle", {"note": "done"}),
        ("member", "supervise", {"on": True}),
        ("member", "merge", {"into": "x"}),
        ("resident", "escalate", {"reason": "help"}),
    ],
)
def test_refuses_a_step_the_role_may_not_take(api, cast, report, who, step, data):
    incident = report()
    before = _state(incident)

    response = _post(api(getattr(cast, who)), incident, step, data)

    assert response.status_code in (403, 404)
    assert _state(incident) == before


def test_a_case_outside_the_scope_answers_404_and_changes_nothing(api, cast, report):
    incident = report()
    before = _state(incident)

    response = _post(api(cast.other_official), incident, "accept")

    assert response.status_code == 404
    assert _state(incident) == before


def test_a_step_the_table_does_not_allow_is_a_conflict(api, cast, report):
    incident = report()
    official = api(cast.town_official)
    _post(official, incident, "accept")
    before = _state(incident)

    response = _post(official, incident, "accept")

    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"
    assert _state(incident) == before


def test_rejecting_without_a_reason_answers_the_services_reason(api, cast, report):
    incident = report()
    before = _state(incident)

    response = _post(api(cast.town_official), incident, "reject", {"reason": "  "})

    assert response.status_code == 400
    assert response.json() == {"reason": ["Give a reason."]}
    assert _state(incident) == before


def test_rejects_with_a_reason(api, cast, report):
    incident = report()

    response = _post(
        api(cast.town_official), incident, "reject", {"reason": "重复", "reason_code": "duplicate"}
    )

    assert response.json()["status"] == "rejected"
    assert IncidentEvent.objects.get(incident=incident, action="reject").note == "重复"


def test_dispatch_refuses_a_person_outside_the_choices(api, cast, report):
    incident = report()
    official = api(cast.town_official)
    _post(official, incident, "accept")
    before = _state(incident)

    outsider = _post(official, incident, "dispatch", {"user": cast.other_official.pk})
    both_missing = _post(official, incident, "dispatch", {})

    assert outsider.status_code == 400
    assert "user" in outsider.json()
    assert both_missing.status_code == 400
    assert _state(incident) == before


def test_dispatches_to_the_grid_member(api, cast, report):
    incident = report()
    official = api(cast.town_official)
    _post(official, incident, "accept")

    response = _post(official, incident, "dispatch", {"user": cast.member.pk, "note": "去看看"})

    assert response.status_code == 200
    assert response.json()["assignee_username"] == "member_a1"


def test_rework_needs_a_reason(api, cast, report, department, handler):
    incident = report()
    transitions.incident_accept(actor=cast.town_official, incident=incident)
    transitions.incident_dispatch(
        actor=cast.town_official, incident=incident, department=department
    )
    transitions.incident_start(actor=handler, incident=incident)
    transitions.incident_handle(actor=handler, incident=incident, note="done")
    member = api(cast.member)

    refused = _post(member, incident, "verify", {"passed": False})
    no_code = _post(member, incident, "verify", {"passed": False, "reason": "没清干净"})
    sent_back = _post(
        member,
        incident,
        "verify",
        {"passed": False, "reason": "没清干净", "reason_code": starter_reason("rework").code},
    )

    assert refused.status_code == 400
    assert (no_code.status_code, list(no_code.json())) == (400, ["reason_code"])
    assert sent_back.json()["status"] == "in_progress"
    assert events_of(incident).count("rework") == 1


def test_a_grid_member_escalates_to_the_village(api, cast, report):
    incident = report()

    response = _post(api(cast.member), incident, "escalate", {"reason": "超出网格能力"})

    assert response.status_code == 200
    assert response.json()["level"] == 5
    assert events_of(incident) == ["report", "escalate"]


def test_supervising_twice_is_a_conflict(api, cast, report):
    incident = report()
    official = api(cast.town_official)

    first = _post(official, incident, "supervise", {"on": True})
    second = _post(official, incident, "supervise", {"on": True})

    assert first.json()["is_supervised"] is True
    assert second.status_code == 409
    assert events_of(incident) == ["report", "supervise"]


def test_merges_into_a_case_the_caller_sees(api, cast, report):
    survivor, duplicate = report(), report()
    official = api(cast.town_official)

    unknown = _post(official, duplicate, "merge", {"into": "331081112-2000-99999"})
    merged = _post(official, duplicate, "merge", {"into": survivor.code})

    assert unknown.status_code == 400
    assert merged.json()["status"] == "merged"
    assert merged.json()["duplicate_of_code"] == survivor.code


def test_merging_into_itself_is_refused(api, cast, report):
    incident = report()
    before = _state(incident)

    response = _post(api(cast.town_official), incident, "merge", {"into": incident.code})

    assert response.status_code == 400
    assert _state(incident) == before


def test_timeline_shows_staff_every_event_and_residents_plain_progress(api, cast, category):
    incident = incident_report(
        actor=cast.resident,
        category=category,
        title="路灯",
        description="路灯坏了",
        source=Incident.Source.RESIDENT,
        location=Point(121.005, 28.005, srid=4326),
    )
    transitions.incident_reject(
        actor=cast.town_official,
        incident=incident,
        reason="内部备注",
        reason_code=starter_reason("reject"),
    )

    staff = api(cast.town_official).get(f"/api/cases/{incident.pk}/timeline/")
    resident_timeline = api(cast.resident).get(f"/api/cases/{incident.pk}/timeline/")
    progress = api(cast.resident).get(f"/api/cases/{incident.pk}/progress/")

    assert [e["action"] for e in staff.json()] == ["report", "reject"]
    assert staff.json()[1]["actor_username"] == "official_s"
    assert resident_timeline.status_code == 403
    assert [step["title"] for step in progress.json()] == [
        "Your request was received",
        "Not accepted",
    ]
    assert "内部备注" not in progress.content.decode()
