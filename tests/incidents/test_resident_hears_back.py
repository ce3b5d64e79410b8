"""The resident hears back: offices (never people) in the timeline, the result before the
rating, a signed tracking link, texts on acceptance and closure, and a call-back (回访)
after a dissatisfied rating that an official of the town records."""

import datetime

import pytest
from django.urls import reverse

from incidents.models import Attachment, CallBack, Incident
from incidents.services.attachments import attachment_save
from incidents.services.callbacks import callback_close
from incidents.services.errors import IncidentActionRefused
from incidents.services.reporting import incident_report
from incidents.services.tracking import tracking_link, tracking_token
from incidents.services.transitions import (
    incident_accept,
    incident_dispatch,
    incident_handle,
    incident_start,
    incident_verify,
)
from members.models import Notification
from members.notifications import notifications_deliver
from members.sms import CapturingSmsSender
from tests.conftest import NOW
from tests.incidents.test_case_page import jpeg_upload

PHONE = "13900001111"


@pytest.fixture
def sms_outbox(settings):
    settings.SMS_SENDER = "members.sms.CapturingSmsSender"
    settings.PUBLIC_BASE_URL = "https://grid.example.cn"
    CapturingSmsSender.outbox.clear()
    yield CapturingSmsSender.outbox
    CapturingSmsSender.outbox.clear()


@pytest.fixture
def request_case(category, ladder):
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


def handled_by_department(incident, cast, department, handler):
    incident = incident_accept(actor=cast.town_official, incident=incident)
    incident = incident_dispatch(
        actor=cast.town_official, incident=incident, user=None, department=department
    )
    incident = incident_start(actor=handler, incident=incident)
    incident = incident_handle(actor=handler, incident=incident, note="已更换灯泡，恢复照明")
    attachment_save(
        incident=incident, upload=jpeg_upload(), kind=Attachment.Kind.AFTER, uploaded_by=handler
    )
    return incident


@pytest.fixture
def closed_case(request_case, cast, department, handler):
    incident = handled_by_department(request_case, cast, department, handler)
    return incident_verify(actor=cast.member, incident=incident, passed=True)


def rate_by_link(client, incident, satisfaction, token=None):
    data = {
        "code": incident.code,
        "token": token or tracking_token(incident.code),
        "satisfaction": satisfaction,
        "comment": "灯还是不亮",
    }
    return client.post(reverse("public:rate"), data, REMOTE_ADDR="10.0.0.9")


def test_the_timeline_names_the_acting_offices_and_no_person(client, cast, closed_case, handler):
    response = client.get(tracking_link(closed_case.code))

    assert response.status_code == 200
    offices = [step.by for step in response.context["timeline"]]
    assert offices[1:5] == ["石塘镇社会治理中心"] * 2 + ["综合行政执法队"] * 2
    page = response.content.decode()
    for user in (cast.town_official, handler, cast.member):
        assert user.username not in page


def test_the_result_and_after_photo_come_before_the_rating(client, closed_case):
    page = client.get(tracking_link(closed_case.code)).content.decode()

    assert "已更换灯泡，恢复照明" in page
    photo = Attachment.objects.get(incident=closed_case, kind=Attachment.Kind.AFTER)
    photo_url = reverse("public:result_photo", args=[tracking_token(closed_case.code), photo.pk])
    assert photo_url in page
    assert page.index(photo_url) < page.index('name="satisfaction"')
    assert client.get(photo_url).status_code == 200


def test_a_forged_link_shows_nothing(client, closed_case):
    forged = tracking_token(closed_case.code)[:-2] + "xx"
    photo = Attachment.objects.get(incident=closed_case)

    assert client.get(reverse("public:track_link", args=[forged])).status_code == 404
    photo_url = reverse("public:result_photo", args=[forged, photo.pk])
    assert client.get(photo_url).status_code == 404


def test_no_result_photo_before_the_case_is_reported_done(client, request_case, cast):
    attachment = attachment_save(
        incident=request_case, upload=jpeg_upload(), kind=Attachment.Kind.AFTER
    )
    url = reverse("public:result_photo", args=[tracking_token(request_case.code), attachment.pk])

    assert client.get(url).status_code == 404


def test_acceptance_and_closure_text_the_reporters_phone_with_the_link(
    request_case, cast, department, handler, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        incident = handled_by_department(request_case, cast, department, handler)
        incident_verify(actor=cast.member, incident=incident, passed=True)

    notifications_deliver()

    link = tracking_link(request_case.code, absolute=True)
    assert [(m.phone, m.kind, m.params) for m in sms_outbox] == [
        (PHONE, "case_accepted", {"code": request_case.code, "link": link}),
        (PHONE, "case_closed", {"code": request_case.code, "link": link}),
    ]
    assert link.startswith("https://grid.example.cn/request/t/")
    assert not Notification.objects.filter(recipient__isnull=True, sms_status="pending").exists()


@pytest.mark.time_machine(NOW, tick=False)
def test_a_dissatisfied_rating_opens_a_call_back_for_the_town(client, cast, closed_case):
    response = rate_by_link(client, closed_case, "dissatisfied")

    assert response.status_code == 200
    callback = CallBack.objects.get()
    assert (callback.incident, callback.town_id, callback.closed_at) == (
        closed_case,
        closed_case.town_id,
        None,
    )
    assert NOW < callback.due_at <= NOW + datetime.timedelta(days=5)
    assert Notification.objects.filter(recipient=cast.town_official, kind="callback").count() == 1


def test_a_satisfied_rating_opens_no_call_back(client, closed_case):
    rate_by_link(client, closed_case, "satisfied")

    closed_case.refresh_from_db()
    assert closed_case.satisfaction == "satisfied"
    assert not CallBack.objects.exists()


def test_a_link_for_another_case_cannot_rate(client, closed_case, request_case):
    response = rate_by_link(client, closed_case, "satisfied", token=tracking_token("other"))

    assert response.status_code == 404
    closed_case.refresh_from_db()
    assert closed_case.satisfaction == ""


@pytest.fixture
def call_back(client, closed_case):
    rate_by_link(client, closed_case, "dissatisfied")
    return CallBack.objects.get()


def test_the_queue_lists_the_call_backs_due(client, cast, call_back):
    client.force_login(cast.town_official)

    response = client.get(reverse("incidents:queue"))

    assert [c.pk for c in response.context["callbacks"]] == [call_back.pk]
    assert 'id="callbacks"' in response.content.decode()


@pytest.mark.parametrize("who", ["other_official", "member", "resident"])
def test_the_queue_shows_no_call_back_to_others(client, cast, call_back, who):
    client.force_login(getattr(cast, who))

    response = client.get(reverse("incidents:queue"))

    assert response.status_code == 403 or response.context["callbacks"] == []


def test_an_official_of_the_town_records_the_call_back(client, cast, call_back):
    client.force_login(cast.town_official)
    url = reverse("incidents:callback_close", args=[call_back.incident_id])

    response = client.post(url, {"outcome": "已电话回访，约定周五复查"})

    assert response.status_code == 302
    call_back.refresh_from_db()
    assert (call_back.closed_by, call_back.outcome) == (
        cast.town_official,
        "已电话回访，约定周五复查",
    )
    assert client.get(reverse("incidents:queue")).context["callbacks"] == []


@pytest.mark.parametrize(("who", "status"), [("other_official", 404), ("member", 403)])
def test_others_cannot_record_the_call_back(client, cast, call_back, who, status):
    client.force_login(getattr(cast, who))
    url = reverse("incidents:callback_close", args=[call_back.incident_id])

    assert client.post(url, {"outcome": "x"}).status_code == status
    call_back.refresh_from_db()
    assert call_back.closed_at is None


def test_an_empty_outcome_is_refused_and_nothing_changes(client, cast, call_back):
    client.force_login(cast.town_official)
    url = reverse("incidents:callback_close", args=[call_back.incident_id])

    response = client.post(url, {"outcome": "  "})

    assert response.status_code == 400
    call_back.refresh_from_db()
    assert call_back.closed_at is None


def test_a_call_back_is_recorded_once(cast, call_back):
    callback_close(actor=cast.town_official, callback=call_back, outcome="已回访")

    with pytest.raises(IncidentActionRefused) as refused:
        callback_close(actor=cast.town_official, callback=call_back, outcome="再次")

    assert refused.value.code == "callback_closed"
    call_back.refresh_from_db()
    assert call_back.outcome == "已回访"


def test_the_dashboard_shows_the_call_back_rate(client, cast, call_back):
    callback_close(actor=cast.town_official, callback=call_back, outcome="已回访")
    client.force_login(cast.town_official)

    response = client.get(reverse("dashboard:home"))

    figures = response.context["figures"]["callbacks"]
    assert (figures["opened"], figures["done"], figures["rate"]) == (1, 1, 1.0)
    assert 'id="dash-callback-rate"' in response.content.decode()
