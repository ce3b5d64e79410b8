"""Following a request by code and phone, and rating it without an account."""

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _

from incidents.models import Incident, IncidentEvent
from incidents.services.public import incident_evaluate_by_reporter_phone
from incidents.services.reporting import incident_report
from incidents.services.transitions import (
    incident_accept,
    incident_dispatch,
    incident_handle,
    incident_start,
    incident_verify,
)

PHONE = "13900001111"
NOT_FOUND = "No request matches this tracking code and phone. Check both and try again."


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def resident_case(cast, category, ladder):
    return incident_report(
        actor=None,
        category=category,
        title="路灯坏了",
        description="村口路灯坏了",
        source=Incident.Source.RESIDENT,
        grid=ladder.a1,
        reporter_name="李阿姨",
        reporter_phone=PHONE,
    )


def handled(incident, cast):
    incident = incident_accept(actor=cast.leader, incident=incident, note="内部备注：测试")
    incident = incident_dispatch(
        actor=cast.leader, incident=incident, user=cast.member, note="内部备注：派给网格员"
    )
    incident = incident_start(actor=cast.member, incident=incident)
    return incident_handle(actor=cast.member, incident=incident, note="内部备注：已清理")


def closed(incident, cast):
    return incident_verify(actor=cast.member, incident=handled(incident, cast), passed=True)


def track(client, code, phone, ip="10.0.0.1"):
    return client.post(reverse("public:track"), {"code": code, "phone": phone}, REMOTE_ADDR=ip)


def rate(client, code, phone, satisfaction="satisfied", comment="很好", ip="10.0.0.1"):
    data = {"code": code, "phone": phone, "satisfaction": satisfaction, "comment": comment}
    return client.post(reverse("public:rate"), data, REMOTE_ADDR=ip)


def test_right_code_and_phone_show_the_steps_without_notes_or_names(client, cast, resident_case):
    incident = handled(resident_case, cast)

    response = track(client, incident.code, "139 0000 1111")

    assert response.status_code == 200
    content = response.content.decode()
    assert [step.title for step in response.context["timeline"]] == [
        _("Your request was received"),
        _("Accepted"),
        _("Passed on for handling"),
        _("Handling started"),
        _("Reported as done; waiting for a check on the spot"),
    ]
    grid_office = _("Grid member of %(grid)s") % {"grid": incident.grid.name}
    assert [step.by for step in response.context["timeline"]][1:] == [grid_office] * 4
    assert "内部备注：测试" not in content
    assert "内部备注：派给网格员" not in content
    assert response.context["result"].note == "内部备注：已清理", (
        "the handler's report is the result"
    )
    for user in (cast.leader, cast.member):
        assert user.username not in content
    assert "李阿姨" not in content
    assert PHONE not in content
    assert response.context["rating_form"] is None


def test_a_wrong_phone_or_code_gives_the_same_404(client, resident_case):
    wrong_phone = track(client, resident_case.code, "13900002222")
    wrong_code = track(client, resident_case.code + "9", PHONE)

    assert wrong_phone.status_code == 404
    assert wrong_code.status_code == 404
    assert _(NOT_FOUND) in wrong_phone.content.decode()
    assert wrong_phone.context["notice"] == wrong_code.context["notice"]
    assert "timeline" not in wrong_phone.context


def test_a_case_filed_by_staff_without_phone_is_not_found(client, cast, report):
    incident = report()

    assert track(client, incident.code, PHONE).status_code == 404


def test_limits_wrong_guesses_per_address(client, resident_case):
    for _attempt in range(10):
        assert track(client, resident_case.code, "13900002222").status_code == 404

    refused = track(client, resident_case.code, PHONE)

    assert refused.status_code == 429
    assert track(client, resident_case.code, PHONE, ip="10.0.0.2").status_code == 200


def test_right_answers_do_not_count_as_guesses(client, resident_case):
    for _attempt in range(12):
        assert track(client, resident_case.code, PHONE).status_code == 200


def test_asks_for_a_rating_only_once_the_case_is_closed(client, cast, resident_case):
    open_page = track(client, resident_case.code, PHONE)
    closed(resident_case, cast)
    closed_page = track(client, resident_case.code, PHONE)

    assert open_page.context["rating_form"] is None
    assert 'name="satisfaction"' in closed_page.content.decode()
    assert closed_page.context["rating_form"].initial == {
        "code": resident_case.code,
        "phone": PHONE,
        "token": "",
    }


def test_refuses_a_rating_before_the_case_is_closed(client, cast, resident_case):
    handled(resident_case, cast)

    response = rate(client, resident_case.code, PHONE)

    assert response.status_code == 409
    resident_case.refresh_from_db()
    assert resident_case.status == Incident.Status.HANDLED
    assert resident_case.satisfaction == ""
    assert not resident_case.events.filter(action=IncidentEvent.Action.EVALUATE).exists()


def test_an_anonymous_reporter_rates_a_closed_case_by_phone(client, cast, resident_case):
    closed(resident_case, cast)

    response = rate(client, resident_case.code, PHONE, satisfaction="basically_satisfied")

    assert response.status_code == 200
    resident_case.refresh_from_db()
    assert resident_case.status == Incident.Status.EVALUATED
    assert resident_case.satisfaction == Incident.Satisfaction.BASICALLY_SATISFIED
    assert resident_case.evaluation_comment == "很好"
    event = resident_case.events.get(action=IncidentEvent.Action.EVALUATE)
    assert event.actor is None
    assert response.context["timeline"][-1].title == _("You rated the result")
    assert response.context["rating_form"] is None


def test_refuses_a_second_rating(client, cast, resident_case):
    closed(resident_case, cast)
    rate(client, resident_case.code, PHONE)

    response = rate(client, resident_case.code, PHONE, satisfaction="dissatisfied")

    assert response.status_code == 409
    resident_case.refresh_from_db()
    assert resident_case.satisfaction == Incident.Satisfaction.SATISFIED
    assert resident_case.events.filter(action=IncidentEvent.Action.EVALUATE).count() == 1


def test_refuses_a_rating_with_a_wrong_phone(client, cast, resident_case):
    closed(resident_case, cast)

    response = rate(client, resident_case.code, "13900002222")

    assert response.status_code == 404
    resident_case.refresh_from_db()
    assert resident_case.status == Incident.Status.CLOSED


def test_a_rating_without_a_choice_is_a_field_error(client, cast, resident_case):
    closed(resident_case, cast)

    response = rate(client, resident_case.code, PHONE, satisfaction="")

    assert response.status_code == 400
    assert list(response.context["rating_form"].errors) == ["satisfaction"]
    resident_case.refresh_from_db()
    assert resident_case.status == Incident.Status.CLOSED


def test_the_phone_service_refuses_a_wrong_phone(cast, resident_case):
    incident = closed(resident_case, cast)

    with pytest.raises(PermissionDenied):
        incident_evaluate_by_reporter_phone(
            incident=incident, phone="13900002222", satisfaction="satisfied"
        )

    incident.refresh_from_db()
    assert incident.status == Incident.Status.CLOSED


def test_a_signed_in_reporter_follows_and_rates_without_the_phone(client, cast, category, ladder):
    incident = incident_report(
        actor=cast.resident,
        category=category,
        title="路灯坏了",
        description="村口路灯坏了",
        source=Incident.Source.RESIDENT,
        grid=ladder.a1,
        reporter_name="王小明",
        reporter_phone="13812345678",
    )
    closed(incident, cast)
    client.force_login(cast.resident)

    page = client.get(reverse("public:track"), {"code": incident.code})
    response = rate(client, incident.code, "")

    assert page.status_code == 200
    assert page.context["incident"] == incident
    assert response.status_code == 200
    event = incident.events.get(action=IncidentEvent.Action.EVALUATE)
    assert event.actor == cast.resident


def test_another_signed_in_user_gets_only_the_form(client, cast, resident_case):
    client.force_login(cast.resident)

    response = client.get(reverse("public:track"), {"code": resident_case.code})

    assert response.status_code == 200
    assert "timeline" not in response.context
    assert response.context["form"].initial == {"code": resident_case.code}
