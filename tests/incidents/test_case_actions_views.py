"""The case page's action forms: each posts to one door that calls the step's service."""

import io

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from grids.models import Region
from incidents.models import Attachment, Incident, IncidentEvent, Level, ReasonCode
from incidents.services import transitions as t
from incidents.services.catalogue import department_save
from tests.incidents.conftest import events_of

S = Incident.Status


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def action_url(incident, action: str) -> str:
    return reverse("incidents:action", args=[incident.pk, action])


def snapshot(incident) -> tuple:
    fresh = Incident.objects.get(pk=incident.pk)
    return (
        fresh.status,
        fresh.level,
        fresh.is_supervised,
        fresh.assignee_user_id,
        fresh.assignee_department_id,
        fresh.duplicate_of_id,
        IncidentEvent.objects.filter(incident=incident).count(),
    )


def jpeg_upload() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(buffer, format="JPEG")
    return SimpleUploadedFile("after.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def case(report):
    return report()


@pytest.fixture
def accepted(case, cast):
    return t.incident_accept(actor=cast.town_official, incident=case)


@pytest.fixture
def in_progress(accepted, cast):
    t.incident_dispatch(actor=cast.town_official, incident=accepted, user=cast.member)
    return t.incident_start(actor=cast.member, incident=accepted)


@pytest.fixture
def handled(in_progress, cast):
    return t.incident_handle(actor=cast.member, incident=in_progress, note="已清理")


def post_as(client, user, incident, action, data=None, **extra):
    client.force_login(user)
    return client.post(action_url(incident, action), data or {}, **extra)


def test_accepts_a_case_and_returns_to_its_page_with_a_message(client, cast, case):
    response = post_as(client, cast.town_official, case, "accept", {"accept-note": "属实"})

    assert response.status_code == 302
    assert response.url == reverse("incidents:detail", args=[case.pk])
    assert Incident.objects.get(pk=case.pk).status == S.ACCEPTED
    assert events_of(case) == ["report", "accept"]
    assert IncidentEvent.objects.get(incident=case, action="accept").note == "属实"
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["The case was accepted."]


@pytest.mark.parametrize(
    ("fixture", "action", "data", "field"),
    [
        ("case", "reject", {"reject-reason": "  "}, "reason"),
        ("case", "escalate", {}, "reason"),
        ("case", "merge", {"merge-into": ""}, "into"),
        ("case", "merge", {"merge-into": "331081112-2026-99999"}, "into"),
        ("accepted", "dispatch", {"dispatch-department": "999999"}, "department"),
        ("in_progress", "handle", {"handle-note": ""}, "note"),
        ("handled", "verify", {"verify-decision": "rework", "verify-reason": ""}, "reason"),
        ("handled", "verify", {"verify-decision": "maybe"}, "decision"),
    ],
)
def test_a_missing_or_wrong_field_answers_400_and_changes_nothing(
    client, cast, request, fixture, action, data, field
):
    incident = request.getfixturevalue(fixture)
    before = snapshot(incident)
    actor = cast.member if action == "handle" else cast.town_official

    response = post_as(client, actor, incident, action, data)

    assert response.status_code == 400
    bound = next(form for form in response.context["action_forms"] if form.action == action)
    assert field in bound.errors
    assert snapshot(incident) == before
    assert f'id="action-{action}"' in response.content.decode()


def test_dispatch_needs_one_department_or_one_person(client, cast, accepted, department):
    before = snapshot(accepted)

    neither = post_as(client, cast.town_official, accepted, "dispatch", {})
    both = post_as(
        client,
        cast.town_official,
        accepted,
        "dispatch",
        {"dispatch-department": department.pk, "dispatch-user": cast.member.pk},
    )

    assert [neither.status_code, both.status_code] == [400, 400]
    assert snapshot(accepted) == before


def test_dispatches_to_a_department_of_the_town(client, cast, accepted, department, handler):
    response = post_as(
        client, cast.town_official, accepted, "dispatch", {"dispatch-department": department.pk}
    )

    assert response.status_code == 302
    incident = Incident.objects.get(pk=accepted.pk)
    assert (incident.status, incident.assignee_department) == (S.DISPATCHED, department)
    assert handler.has_perm("incidents.handle_incident", incident)


def test_offers_departments_of_the_town_and_above_and_the_grids_people(
    client, cast, accepted, department, ladder
):
    county_department = department_save(code="police", name="公安局", region=ladder.county)
    department_save(code="market", name="市场监管所", region=ladder.other_town)
    department_save(code="closed", name="已撤销", region=ladder.town, is_active=False)
    client.force_login(cast.town_official)

    response = client.get(reverse("incidents:detail", args=[accepted.pk]))

    form = next(f for f in response.context["action_forms"] if f.action == "dispatch")
    assert set(form.fields["department"].queryset) == {department, county_department}
    people = set(form.fields["user"].queryset)
    assert {cast.member, cast.leader, cast.village_staff, cast.town_official} <= people
    assert {cast.other_member, cast.other_official, cast.resident}.isdisjoint(people)


def test_refuses_a_department_of_another_town_as_a_form_error(client, cast, accepted, ladder):
    foreign = department_save(code="market", name="市场监管所", region=ladder.other_town)
    before = snapshot(accepted)

    response = post_as(
        client, cast.town_official, accepted, "dispatch", {"dispatch-department": foreign.pk}
    )

    assert response.status_code == 400
    assert snapshot(accepted) == before


def test_the_assignee_starts_and_handles_with_a_photo(client, cast, accepted):
    t.incident_dispatch(actor=cast.town_official, incident=accepted, user=cast.member)

    started = post_as(client, cast.member, accepted, "start", {"start-note": "已到场"})
    handled = post_as(
        client,
        cast.member,
        accepted,
        "handle",
        {"handle-note": "已清运", "handle-photo": jpeg_upload()},
    )

    assert [started.status_code, handled.status_code] == [302, 302]
    assert Incident.objects.get(pk=accepted.pk).status == S.HANDLED
    assert Attachment.objects.get(incident=accepted).kind == Attachment.Kind.AFTER
    assert events_of(accepted)[-2:] == ["start", "handle"]


def test_a_photo_that_is_not_an_image_undoes_the_handling(client, cast, in_progress):
    before = snapshot(in_progress)
    fake = SimpleUploadedFile("after.jpg", b"not an image", content_type="image/jpeg")

    response = post_as(
        client, cast.member, in_progress, "handle", {"handle-note": "已清运", "handle-photo": fake}
    )

    assert response.status_code == 400
    bound = next(form for form in response.context["action_forms"] if form.action == "handle")
    assert "photo" in bound.errors
    assert snapshot(in_progress) == before
    assert not Attachment.objects.filter(incident=in_progress).exists()


def test_verifies_and_closes_a_handled_case(client, cast, handled):
    response = post_as(client, cast.town_official, handled, "verify", {"verify-decision": "pass"})

    assert response.status_code == 302
    assert Incident.objects.get(pk=handled.pk).status == S.CLOSED
    assert events_of(handled)[-1] == "verify"


def test_sends_a_handled_case_back_for_rework_with_a_reason(client, cast, handled):
    reason = ReasonCode.objects.get(kind="rework", code="not-solved")
    response = post_as(
        client,
        cast.member,
        handled,
        "verify",
        {
            "verify-decision": "rework",
            "verify-reason": "仍有垃圾",
            "verify-reason_code": reason.pk,
        },
    )

    assert response.status_code == 302
    assert Incident.objects.get(pk=handled.pk).status == S.IN_PROGRESS
    event = IncidentEvent.objects.get(incident=handled, action="rework")
    assert (event.note, event.reason) == ("仍有垃圾", reason)


def test_rework_without_a_reason_code_is_refused(client, cast, handled):
    before = snapshot(handled)

    response = post_as(
        client,
        cast.member,
        handled,
        "verify",
        {"verify-decision": "rework", "verify-reason": "仍有垃圾"},
    )

    assert response.status_code == 400
    bound = next(form for form in response.context["action_forms"] if form.action == "verify")
    assert "reason_code" in bound.errors
    assert snapshot(handled) == before


def test_escalates_a_case_one_level(client, cast, case):
    response = post_as(client, cast.member, case, "escalate", {"escalate-reason": "需村里协调"})

    assert response.status_code == 302
    assert Incident.objects.get(pk=case.pk).level == Level.VILLAGE


def test_supervises_a_case_and_ends_the_supervision(client, cast, case, reason):
    code = reason("supervision", "overdue")
    refused = post_as(client, cast.town_official, case, "supervise", {"supervise-on": "1"})
    on = post_as(
        client,
        cast.town_official,
        case,
        "supervise",
        {"supervise-on": "1", "supervise-reason_code": code.pk, "supervise-level": "4"},
    )
    supervised = Incident.objects.get(pk=case.pk).is_supervised
    off = post_as(client, cast.town_official, case, "supervise", {"supervise-on": "0"})

    assert [refused.status_code, on.status_code, off.status_code] == [400, 302, 302]
    assert supervised is True
    assert Incident.objects.get(pk=case.pk).is_supervised is False
    assert events_of(case) == ["report", "supervise", "unsupervise"]


def test_merges_a_case_into_another_by_its_number(client, cast, case, report):
    survivor = report(title="同一堆垃圾")

    response = post_as(client, cast.town_official, case, "merge", {"merge-into": survivor.code})

    assert response.status_code == 302
    incident = Incident.objects.get(pk=case.pk)
    assert (incident.status, incident.duplicate_of_id) == (S.MERGED, survivor.pk)


def test_refuses_to_merge_into_a_case_the_user_cannot_see(client, cast, case, report, ladder):
    hidden = report(actor=cast.other_official, grid=ladder.b1)
    before = snapshot(case)

    response = post_as(client, cast.town_official, case, "merge", {"merge-into": hidden.code})

    assert response.status_code == 400
    assert snapshot(case) == before


def test_a_step_the_state_does_not_allow_answers_409_and_changes_nothing(client, cast, accepted):
    before = snapshot(accepted)

    response = post_as(client, cast.town_official, accepted, "accept")

    assert response.status_code == 409
    assert snapshot(accepted) == before
    html = response.content.decode()
    assert 'class="message message-error"' in html
    assert "cannot be" in html


def test_supervising_a_supervised_case_answers_409(client, cast, case):
    t.incident_supervise(actor=cast.town_official, incident=case, on=True)
    before = snapshot(case)

    response = post_as(client, cast.town_official, case, "supervise", {"supervise-on": "1"})

    assert response.status_code == 409
    assert snapshot(case) == before
    assert "The case is already supervised." in response.content.decode()


def test_escalating_a_case_at_the_top_answers_409(client, cast, case, ladder):
    Incident.objects.filter(pk=case.pk).update(
        level=Level.PREFECTURE, handling_region=Region.objects.get(pk=ladder.city.pk)
    )
    before = snapshot(case)

    response = post_as(client, cast.admin, case, "escalate", {"escalate-reason": "再上报"})

    assert response.status_code == 409
    assert snapshot(case) == before


@pytest.mark.parametrize(
    ("who", "action", "data", "status"),
    [
        ("member", "accept", {}, 403),
        ("member", "reject", {"reject-reason": "x"}, 403),
        ("member", "supervise", {"supervise-on": "1"}, 403),
        ("member", "merge", {"merge-into": "x"}, 403),
        ("other_member", "escalate", {"escalate-reason": "x"}, 404),
        ("other_official", "accept", {}, 404),
        ("other_official", "reject", {"reject-reason": "x"}, 404),
        ("resident", "accept", {}, 404),
        ("town_official", "start", {}, 403),
        ("town_official", "handle", {"handle-note": "x"}, 403),
    ],
)
def test_refuses_an_action_to_the_wrong_user_and_changes_nothing(
    client, cast, case, who, action, data, status
):
    before = snapshot(case)

    response = post_as(client, getattr(cast, who), case, action, data)

    assert response.status_code == status
    assert snapshot(case) == before


def test_a_missing_reason_from_a_user_without_the_right_is_a_denial_not_a_form(client, cast, case):
    before = snapshot(case)

    response = post_as(client, cast.member, case, "reject", {})

    assert response.status_code == 403
    assert snapshot(case) == before


def test_sends_an_anonymous_poster_to_the_login_page(client, case):
    before = snapshot(case)

    response = client.post(action_url(case, "accept"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert snapshot(case) == before


def test_an_unknown_action_answers_404(client, cast, case):
    assert post_as(client, cast.town_official, case, "evaporate").status_code == 404


def test_an_action_page_refuses_get(client, cast, case):
    client.force_login(cast.town_official)

    assert client.get(action_url(case, "accept")).status_code == 405
