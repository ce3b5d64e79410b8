"""A member knows it worked: a confirmation after every report (page or outbox), the
findings kept on the patrol and on the cases reported from it, a patrol summary."""

import datetime
import uuid

import pytest
from django.contrib.gis.geos import LineString
from django.urls import reverse

from incidents.models import Category, Incident
from members.models import PatrolLog
from members.services.patrols import patrol_start
from tests.conftest import NOW

REPORT = reverse("incidents:quick_report")
PATROL_KEY = uuid.UUID("5d1c2a8e-9b3f-4e6a-8c7d-1f2e3a4b5c6d")


@pytest.fixture
def patrol(cast, ladder):
    return patrol_start(actor=cast.member, grid=ladder.a1, client_key=PATROL_KEY)


def report_data(ladder, **extra):
    return {
        "category": Category.objects.get(code="garbage").pk,
        "description": "河道漂浮垃圾较多",
        "urgency": "ordinary",
        "grid": ladder.a1.pk,
        "client_key": uuid.uuid4(),
        **extra,
    }


def test_a_report_from_the_page_lands_on_its_case_with_a_confirmation(client, cast, ladder):
    client.force_login(cast.member)

    response = client.post(REPORT, report_data(ladder), follow=True)

    incident = Incident.objects.get()
    assert response.redirect_chain[-1][0] == reverse("incidents:detail", args=[incident.pk])
    [message] = [str(m) for m in response.context["messages"]]
    assert incident.code in message


def test_a_report_from_the_outbox_answers_with_the_case_and_its_number(client, cast, ladder):
    client.force_login(cast.member)

    answer = client.post(REPORT, report_data(ladder), HTTP_X_OUTBOX="1").json()

    incident = Incident.objects.get()
    assert answer["url"] == reverse("incidents:detail", args=[incident.pk])
    assert incident.code in answer["message"]


def test_a_finding_reported_on_patrol_stays_on_the_patrol_and_links_the_case(
    client, cast, ladder, patrol
):
    client.force_login(cast.member)

    client.post(REPORT, report_data(ladder, patrol=PATROL_KEY))

    incident = Incident.objects.get()
    patrol.refresh_from_db()
    assert incident.patrol == patrol
    assert patrol.findings == "河道漂浮垃圾较多"


def test_someone_elses_patrol_key_links_nothing(client, cast, ladder):
    other = patrol_start(actor=cast.other_member, grid=ladder.a2, client_key=PATROL_KEY)
    client.force_login(cast.member)

    client.post(REPORT, report_data(ladder, patrol=PATROL_KEY))

    assert Incident.objects.get().patrol is None
    other.refresh_from_db()
    assert other.findings == ""


@pytest.mark.time_machine(NOW, tick=False)
def test_stopping_a_patrol_shows_its_summary(client, cast, ladder, patrol):
    client.force_login(cast.member)
    client.post(REPORT, report_data(ladder, patrol=PATROL_KEY))
    PatrolLog.objects.filter(pk=patrol.pk).update(
        started_at=NOW - datetime.timedelta(minutes=42),
        # About 111 m northwards and back along a meridian.
        route=LineString((121.005, 28.005), (121.005, 28.006), srid=4326),
    )

    response = client.post(
        reverse("members:patrol_stop", args=[PATROL_KEY]),
        {"findings": "河道漂浮垃圾较多", "ended_at": NOW.isoformat()},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("members:patrol_summary", args=[PATROL_KEY])
    assert response.context["minutes"] == 42
    assert 105 < response.context["metres"] < 115
    page = response.content.decode()
    assert Incident.objects.get().code in page
    assert 'id="patrol-cases"' in page


@pytest.mark.parametrize("who", ["other_member", "town_official"])
def test_a_patrol_summary_is_its_members_own(client, cast, patrol, who):
    client.force_login(getattr(cast, who))

    response = client.get(reverse("members:patrol_summary", args=[PATROL_KEY]))

    assert response.status_code in (403, 404)
