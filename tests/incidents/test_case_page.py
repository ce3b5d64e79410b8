"""The case page: who may open it, what it shows, which actions it offers, its photos."""

import datetime
import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from incidents.models import Attachment, Incident, IncidentEvent
from incidents.selectors import incident_available_actions
from incidents.services import transitions as t
from incidents.services.attachments import attachment_add
from incidents.services.catalogue import department_save
from tests.conftest import starter_reason

PHONE = "13912345678"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def page_url(incident) -> str:
    return reverse("incidents:detail", args=[incident.pk])


def jpeg_upload(name="photo.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def offered_actions(response) -> list[str]:
    return re.findall(
        r'<form method="post" action="[^"]+" class="action-form[^"]*" id="action-(\w+)"',
        response.content.decode(),
    )


@pytest.fixture
def case(report, point_in_a1):
    return report(location=point_in_a1, reporter_name="张三", reporter_phone=PHONE)


def test_shows_the_facts_of_the_case_with_a_masked_phone_only(client, cast, case):
    client.force_login(cast.town_official)

    response = client.get(page_url(case))

    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        case.title,
        case.code,
        "Reported",
        "Grid",
        "东山村",
        "垃圾乱堆乱放",
        "Ordinary",
        "张三",
        case.reporter_phone_masked,
    ):
        assert text in html
    assert PHONE not in html


def test_shows_the_timeline_with_actor_action_and_note(client, cast, case):
    t.incident_reject(
        actor=cast.town_official,
        incident=case,
        reason="不属实的举报",
        reason_code=starter_reason("reject"),
    )
    client.force_login(cast.town_official)

    response = client.get(page_url(case))

    events = response.context["events"]
    assert [event.action for event in events] == ["report", "reject"]
    html = response.content.decode()
    timeline = html[html.index('id="case-timeline"') :]
    assert "Rejected" in timeline
    assert "不属实的举报" in timeline
    assert "official_s" in timeline
    assert "Reported → Rejected" in timeline


def test_highlights_a_case_past_its_deadline(client, cast, case):
    Incident.objects.filter(pk=case.pk).update(
        deadline=timezone.now() - datetime.timedelta(hours=1)
    )
    client.force_login(cast.town_official)

    response = client.get(page_url(case))

    assert response.context["is_overdue"] is True
    assert 'class="is-overdue" id="case-deadline"' in response.content.decode()


def test_draws_the_point_and_the_grid_on_a_small_map(client, cast, case, ladder):
    client.force_login(cast.town_official)

    response = client.get(page_url(case))

    html = response.content.decode()
    data = json.loads(
        re.search(r'id="case-map-data" type="application/json">(.*?)</script>', html)[1]
    )
    assert data["point"] == [121.005, 28.005]
    assert data["boundary"]["type"] == "MultiPolygon"
    assert 'id="casemap"' in html
    assert "js/case-map.js" in html


def test_shows_no_map_for_a_case_without_a_place(client, cast, report):
    incident = report()
    client.force_login(cast.town_official)

    response = client.get(page_url(incident))

    assert response.context["map_data"] is None
    assert 'id="casemap"' not in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("other_official", 404),
        ("other_member", 404),
        ("resident", 404),
        ("member", 200),
        ("leader", 200),
        ("village_staff", 200),
        ("town_official", 200),
        ("county_official", 200),
    ],
)
def test_opens_the_case_page_only_to_those_who_can_see_the_case(client, cast, case, who, status):
    client.force_login(getattr(cast, who))

    response = client.get(page_url(case))

    assert response.status_code == status


def test_sends_an_anonymous_visitor_to_the_login_page(client, case):
    response = client.get(page_url(case))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_answers_404_for_a_case_that_does_not_exist(client, cast):
    client.force_login(cast.town_official)

    assert client.get(reverse("incidents:detail", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    ("who", "status", "expected"),
    [
        ("town_official", "reported", ["accept", "reject", "escalate", "supervise", "merge"]),
        ("leader", "reported", ["accept", "reject", "escalate", "supervise", "merge"]),
        ("member", "reported", ["escalate"]),
        ("town_official", "accepted", ["dispatch", "escalate", "supervise", "suspend", "merge"]),
        ("village_staff", "accepted", ["dispatch", "escalate", "supervise", "merge"]),
        ("member", "dispatched", ["start", "return", "extend", "escalate"]),
        ("member", "in_progress", ["handle", "return", "extend", "escalate"]),
        ("town_official", "handled", ["verify", "escalate", "supervise"]),
        ("member", "handled", ["verify", "escalate"]),
        ("town_official", "closed", ["reopen"]),
        ("member", "closed", []),
    ],
)
def test_offers_exactly_the_available_actions(client, cast, case, who, status, expected):
    steps = [
        lambda: t.incident_accept(actor=cast.town_official, incident=case),
        lambda: t.incident_dispatch(actor=cast.town_official, incident=case, user=cast.member),
        lambda: t.incident_start(actor=cast.member, incident=case),
        lambda: t.incident_handle(actor=cast.member, incident=case, note="已清理"),
        lambda: t.incident_verify(actor=cast.town_official, incident=case, passed=True),
    ]
    order = ["reported", "accepted", "dispatched", "in_progress", "handled", "closed"]
    for step in steps[: order.index(status)]:
        step()
    user = getattr(cast, who)
    client.force_login(user)

    response = client.get(page_url(case))

    incident = Incident.objects.get(pk=case.pk)
    assert incident.status == status
    assert offered_actions(response) == expected
    assert incident_available_actions(user, incident) == expected


def test_the_supervise_form_offers_to_end_supervision_of_a_supervised_case(client, cast, case):
    t.incident_supervise(actor=cast.town_official, incident=case, on=True)
    client.force_login(cast.town_official)

    response = client.get(page_url(case))

    html = response.content.decode()
    form = html[html.index('id="action-supervise"') :]
    assert 'name="supervise-on" value="0"' in form
    assert "End supervision" in form


@pytest.fixture
def photo(case, cast):
    return attachment_add(
        actor=cast.member, incident=case, upload=jpeg_upload(), kind=Attachment.Kind.REPORT
    )


def photo_url(incident, attachment) -> str:
    return reverse("incidents:photo", args=[incident.pk, attachment.pk])


def test_shows_photo_thumbnails_that_link_to_the_checked_photo_view(client, cast, case, photo):
    client.force_login(cast.town_official)

    response = client.get(page_url(case))

    assert f'<img src="{photo_url(case, photo)}"' in response.content.decode()


@pytest.mark.parametrize("who", ["town_official", "member", "county_official"])
def test_serves_a_photo_to_those_who_can_see_the_case(client, cast, case, photo, who):
    client.force_login(getattr(cast, who))

    response = client.get(photo_url(case, photo))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, max-age=3600"
    body = b"".join(response.streaming_content)
    assert body == photo.image.open("rb").read()


@pytest.mark.parametrize("who", ["other_official", "other_member", "resident"])
def test_hides_a_photo_from_those_who_cannot_see_the_case(client, cast, case, photo, who):
    client.force_login(getattr(cast, who))

    response = client.get(photo_url(case, photo))

    assert response.status_code == 404


def test_hides_a_photo_asked_for_under_another_case(client, cast, report, photo):
    visible_case = report(title="另一件")
    client.force_login(cast.town_official)

    response = client.get(photo_url(visible_case, photo))

    assert response.status_code == 404


def test_sends_an_anonymous_visitor_asking_for_a_photo_to_the_login_page(client, case, photo):
    response = client.get(photo_url(case, photo))

    assert response.status_code == 302


def test_the_timeline_names_who_acted_without_an_account(client, cast, report, ladder):
    """A resident's web report has no actor: its step names the source, not "System"; a
    step without an actor that names a department names the department."""
    case = report(
        actor=None,
        source=Incident.Source.RESIDENT,
        reporter_name="李阿姨",
        reporter_phone=PHONE,
    )
    department = department_save(code="um", name="石塘镇综合行政执法队", region=ladder.town)
    IncidentEvent.objects.create(
        incident=case, action="start", to_status="in_progress", department=department
    )
    client.force_login(cast.town_official)

    html = client.get(page_url(case)).content.decode()

    actors = re.findall(r'<span class="timeline-actor">([^<]*)</span>', html)
    assert actors == ["Resident", "石塘镇综合行政执法队"]
