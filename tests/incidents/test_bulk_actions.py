"""Bulk work from the queue: each case through its service, refusals listed, none undone."""

import pytest
from django.urls import reverse

from incidents.models import Incident, IncidentEvent
from incidents.services import transitions as t
from incidents.services.catalogue import department_save

S = Incident.Status
BULK = reverse("incidents:bulk")


@pytest.fixture(autouse=True)
def _english(settings):
    """Pages speak English in these tests (the catalogue is merged separately)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def mixed(report, cast, ladder):
    """A reported case, an accepted one, and one of the other town."""
    other_town = report(actor=cast.other_official, grid=ladder.b1)
    return {
        "reported": report(),
        "accepted": t.incident_accept(actor=cast.town_official, incident=report()),
        "foreign": other_town,
    }


def post(client, user, operation, cases, **more):
    client.force_login(user)
    data = {"operation": operation, "ids": [case.pk for case in cases], **more}
    return client.post(BULK, data)


def test_accepts_the_allowed_and_lists_the_refused_with_reasons(client, cast, mixed):
    response = post(client, cast.town_official, "accept", mixed.values())

    assert response.status_code == 200
    results = {row["pk"]: row for row in response.context["results"]}
    assert results[mixed["reported"].pk]["ok"] is True
    assert "cannot be" in results[mixed["accepted"].pk]["message"]
    assert results[mixed["foreign"].pk]["message"] == "No case you can see has this number."
    assert (response.context["succeeded"], response.context["refused"]) == (1, 2)
    assert Incident.objects.get(pk=mixed["reported"].pk).status == S.ACCEPTED
    assert Incident.objects.get(pk=mixed["foreign"].pk).status == S.REPORTED
    assert IncidentEvent.objects.filter(action="accept").count() == 2


def test_dispatches_to_a_department_each_case_it_may(client, cast, mixed, ladder):
    department = department_save(code="urban", name="城管", region=ladder.town)

    response = post(
        client,
        cast.town_official,
        "dispatch",
        [mixed["accepted"], mixed["reported"]],
        department=department.pk,
    )

    oks = [row["ok"] for row in response.context["results"]]
    assert oks == [True, False]
    assert Incident.objects.get(pk=mixed["accepted"].pk).assignee_department == department
    assert Incident.objects.get(pk=mixed["reported"].pk).status == S.REPORTED


def test_supervises_and_refuses_the_ones_supervised_already(client, cast, mixed):
    t.incident_supervise(actor=cast.town_official, incident=mixed["accepted"], on=True)

    response = post(
        client, cast.town_official, "supervise", [mixed["reported"], mixed["accepted"]]
    )

    assert [row["ok"] for row in response.context["results"]] == [True, False]
    assert IncidentEvent.objects.filter(action="supervise").count() == 2


def test_exports_only_the_selected_cases_it_may_see(client, cast, mixed):
    response = post(client, cast.town_official, "export", [mixed["reported"], mixed["foreign"]])

    body = b"".join(response.streaming_content).decode()
    assert mixed["reported"].code in body
    assert mixed["foreign"].code not in body
    assert mixed["accepted"].code not in body


def test_refuses_bad_input_with_400_and_changes_nothing(client, cast, mixed):
    no_department = post(client, cast.town_official, "dispatch", [mixed["accepted"]])
    not_ids = post(client, cast.town_official, "accept", [], ids=["abc"])
    nothing = post(client, cast.town_official, "accept", [])

    assert (no_department.status_code, not_ids.status_code, nothing.status_code) == (400, 400, 400)
    assert Incident.objects.get(pk=mixed["reported"].pk).status == S.REPORTED


@pytest.mark.parametrize("who", ["member", "resident"])
def test_refuses_people_who_do_not_manage_cases(client, cast, mixed, who):
    response = post(client, getattr(cast, who), "accept", [mixed["reported"]])

    assert response.status_code == 403
    assert Incident.objects.get(pk=mixed["reported"].pk).status == S.REPORTED


def test_the_queue_offers_the_bulk_form_to_managers_only(client, cast, mixed):
    client.force_login(cast.town_official)
    official = client.get(reverse("incidents:queue")).content.decode()
    client.force_login(cast.member)
    member = client.get(reverse("incidents:queue")).content.decode()

    assert 'id="bulk-form"' in official
    assert f'name="ids" value="{mixed["reported"].pk}"' in official
    assert 'id="bulk-form"' not in member
