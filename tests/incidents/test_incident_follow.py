"""Joining a case instead of reporting it again: followers hear of its progress."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from incidents.models import Incident, IncidentEvent, IncidentFollower
from incidents.services import transitions as t
from incidents.services.errors import IncidentActionRefused
from incidents.services.followers import incident_follow
from incidents.services.public import incident_find_for_reporter
from members.models import Notification
from tests.incidents.conftest import events_of

S = Incident.Status


@pytest.fixture(autouse=True)
def _english(settings):
    """Pages speak English in these tests (the catalogue is merged separately)."""
    settings.LANGUAGE_CODE = "en"


def anonymous_request(report):
    """A request sent through the public door by someone without an account."""
    return report(
        actor=None,
        source=Incident.Source.RESIDENT,
        reporter_name="李阿姨",
        reporter_phone="13900001111",
    )


def test_a_resident_follows_and_is_notified_like_the_reporter(report, cast):
    incident = anonymous_request(report)

    incident_follow(actor=cast.resident, incident=incident)
    Notification.objects.all().delete()
    t.incident_accept(actor=cast.town_official, incident=incident)

    assert IncidentFollower.objects.get(incident=incident).user == cast.resident
    assert events_of(incident) == ["report", "follow", "accept"]
    assert Notification.objects.filter(
        recipient=cast.resident, title__contains="accepted"
    ).exists()


def test_following_twice_or_ones_own_case_is_refused(report, cast):
    incident = report()
    incident_follow(actor=cast.other_member, incident=incident)

    with pytest.raises(IncidentActionRefused):
        incident_follow(actor=cast.other_member, incident=incident)
    with pytest.raises(PermissionDenied):
        incident_follow(actor=cast.member, incident=incident)  # the reporter

    assert IncidentFollower.objects.count() == 1
    assert events_of(incident).count("follow") == 1


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("other_member", True),  # patrols a grid of the same town
        ("town_official", True),
        ("village_staff", True),
        ("resident", False),  # a patrol finding is not a public request
        ("other_official", False),  # another town
    ],
)
def test_who_may_follow_a_patrol_finding(report, cast, who, allowed):
    incident = report()

    if allowed:
        incident_follow(actor=getattr(cast, who), incident=incident)
    else:
        with pytest.raises(PermissionDenied):
            incident_follow(actor=getattr(cast, who), incident=incident)

    assert IncidentFollower.objects.exists() == allowed
    assert events_of(incident).count("follow") == int(allowed)


def test_a_merged_case_is_not_followed(report, cast):
    merged = report()
    t.incident_merge(actor=cast.town_official, incident=merged, into=report())

    with pytest.raises(IncidentActionRefused):
        incident_follow(actor=cast.other_member, incident=merged)

    assert not IncidentFollower.objects.exists()


def test_an_anonymous_resident_follows_by_phone_and_tracks_the_case(report):
    incident = report()

    incident_follow(actor=None, incident=incident, name="张三", phone="139 1234 5678")

    follower = IncidentFollower.objects.get()
    assert (follower.user, follower.phone_masked) == (None, "139****5678")
    assert incident_find_for_reporter(code=incident.code, phone="13912345678") == incident
    assert incident_find_for_reporter(code=incident.code, phone="13900000000") is None


def test_an_anonymous_join_needs_a_name_and_phone(report):
    with pytest.raises(ValidationError):
        incident_follow(actor=None, incident=report(), name="张三", phone="")

    assert not IncidentFollower.objects.exists()


def test_the_join_page_follows_a_suggested_case(client, report, cast):
    incident = report()
    client.force_login(cast.other_member)

    response = client.post(reverse("incidents:join", args=[incident.pk]), {"next": "/cases/"})

    assert response.status_code == 302
    assert IncidentFollower.objects.get().user == cast.other_member
    assert IncidentEvent.objects.filter(incident=incident, action="follow").count() == 1


def public_request(report, cast):
    return report(actor=cast.resident, source=Incident.Source.RESIDENT)


def test_the_public_join_keeps_the_form_and_follows_by_phone(client, report, cast):
    incident = public_request(report, cast)
    data = {
        "join_code": incident.code,
        "reporter_name": "张三",
        "reporter_phone": "13912345678",
        "description": "门口垃圾",
    }

    response = client.post(reverse("public:join"), data)

    assert response.status_code == 302
    assert response.url == reverse("public:joined")
    assert IncidentFollower.objects.get().phone_masked == "139****5678"
    assert incident.code in client.get(response.url).content.decode()


def test_the_public_join_refuses_without_a_phone_and_keeps_what_was_typed(client, report, cast):
    incident = public_request(report, cast)
    data = {"join_code": incident.code, "reporter_name": "张三", "description": "门口垃圾很多"}

    response = client.post(reverse("public:join"), data)

    assert response.status_code == 400
    assert "门口垃圾很多" in response.content.decode()
    assert not IncidentFollower.objects.exists()


def test_the_public_join_offers_no_case_staff_found_on_patrol(client, report):
    internal = report()  # a grid member's patrol finding: not a public request
    data = {
        "join_code": internal.code,
        "reporter_name": "张三",
        "reporter_phone": "13912345678",
        "description": "门口垃圾",
    }

    response = client.post(reverse("public:join"), data)

    assert response.status_code == 404
    assert "门口垃圾" in response.content.decode()
    assert not IncidentFollower.objects.exists()


def test_a_join_from_another_town_is_refused_before_the_status_is_told(client, report, cast):
    incident = report()
    Incident.objects.filter(pk=incident.pk).update(status=Incident.Status.REJECTED)
    client.force_login(cast.other_official)

    response = client.post(
        reverse("incidents:join", args=[incident.pk]), {"next": "/cases/"}, follow=True
    )

    text = response.content.decode()
    assert "You may not follow this case." in text
    assert "This case was not accepted" not in text
    assert not IncidentFollower.objects.exists()
