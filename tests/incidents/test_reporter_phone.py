"""Phones when the job needs them: the officials handling a case reveal the reporter's
phone with a reason, logged, as a tel: link; nobody else."""

import pytest
from django.urls import reverse

from incidents.models import Incident, ReporterPhoneAccess
from incidents.services.reporting import incident_report

PHONE = "13900001111"


@pytest.fixture
def case(category, ladder):
    return incident_report(
        actor=None,
        category=category,
        title="噪音扰民",
        description="夜里施工",
        source=Incident.Source.RESIDENT,
        grid=ladder.a1,
        reporter_name="李阿姨",
        reporter_phone=PHONE,
    )


def reveal(client, case, reason="回访核实情况"):
    return client.post(reverse("incidents:reporter_phone", args=[case.pk]), {"reason": reason})


@pytest.mark.parametrize("who", ["town_official", "village_staff", "county_official"])
def test_an_official_over_the_case_reveals_the_phone_to_call(client, cast, case, who):
    client.force_login(getattr(cast, who))

    response = reveal(client, case)

    assert response.status_code == 200
    assert f'href="tel:{PHONE}"' in response.content.decode()
    access = ReporterPhoneAccess.objects.get()
    assert (access.actor, access.incident, access.reason) == (
        getattr(cast, who),
        case,
        "回访核实情况",
    )


def test_the_case_page_offers_the_reveal_but_shows_the_number_masked(client, cast, case):
    client.force_login(cast.town_official)

    page = client.get(reverse("incidents:detail", args=[case.pk])).content.decode()

    assert "139****1111" in page
    assert 'id="reporter-phone-form"' in page
    assert PHONE not in page


def test_a_reason_is_required_and_nothing_is_logged_without_one(client, cast, case):
    client.force_login(cast.town_official)

    response = reveal(client, case, reason="  ")

    assert response.status_code == 400
    assert PHONE not in response.content.decode()
    assert not ReporterPhoneAccess.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("other_official", 404), ("resident", 404)])
def test_others_cannot_reveal_the_phone(client, cast, case, who, status):
    client.force_login(getattr(cast, who))

    assert reveal(client, case).status_code == status
    assert not ReporterPhoneAccess.objects.exists()


def test_a_grid_member_who_sees_the_case_cannot_reveal_the_phone(client, cast, case):
    client.force_login(cast.member)

    response = reveal(client, case)

    assert response.status_code == 403
    assert not ReporterPhoneAccess.objects.exists()
