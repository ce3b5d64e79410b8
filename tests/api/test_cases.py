"""GET /api/cases/: what each role lists and sees, the queue's filters, and the cost."""

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import Incident
from incidents.services.reporting import incident_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(report, cast, ladder, category):
    """A1 (by member_a1), A2 (by member_a2), B1 (other town, by the other official), and
    one filed by the resident in A1."""
    return {
        "a1": report(),
        "a2": report(actor=cast.other_member, grid=ladder.a2, title="A2 case"),
        "b1": report(actor=cast.other_official, grid=ladder.b1, title="B1 case"),
        "resident": incident_report(
            actor=cast.resident,
            category=category,
            title="Resident case",
            description="路灯坏了",
            source=Incident.Source.RESIDENT,
            location=Point(121.005, 28.005, srid=4326),
        ),
    }


def _codes(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["code"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("resident", {"resident"}),
        ("member", {"a1", "resident"}),
        ("other_member", {"a2"}),
        ("leader", {"a1", "resident"}),
        ("village_staff", {"a1", "a2", "resident"}),
        ("town_official", {"a1", "a2", "resident"}),
        ("other_official", {"b1"}),
        ("county_official", {"a1", "a2", "b1", "resident"}),
        ("admin", {"a1", "a2", "b1", "resident"}),
    ],
)
def test_lists_the_cases_each_role_may_see(api, cast, cases, who, visible):
    response = api(getattr(cast, who)).get("/api/cases/")

    assert _codes(response) == {cases[key].code for key in visible}


def test_refuses_anonymous_callers(api, cases):
    response = api(None).get("/api/cases/")

    assert response.status_code == 401


def test_answers_404_for_a_case_outside_the_callers_scope(api, cast, cases):
    outside = api(cast.other_official).get(f"/api/cases/{cases['a1'].pk}/")
    missing = api(cast.other_official).get("/api/cases/999999999/")

    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()


def test_detail_shows_the_reporters_phone_masked_and_the_available_steps(api, cast, report):
    incident = report(reporter_phone="13812345678", reporter_name="张三")

    body = api(cast.town_official).get(f"/api/cases/{incident.pk}/").json()

    assert body["reporter_phone_masked"] == "138****5678"
    assert "13812345678" not in str(body)
    assert {"accept", "reject", "supervise", "merge"} <= set(body["available_actions"])
    assert not {"start", "handle", "verify"} & set(body["available_actions"])


def test_filters_by_status_and_grid(api, cast, cases, ladder):
    client = api(cast.town_official)

    by_grid = client.get("/api/cases/", {"grid": ladder.a2.pk})
    by_status = client.get("/api/cases/", {"status": "closed"})

    assert _codes(by_grid) == {cases["a2"].code}
    assert _codes(by_status) == set()


def test_refuses_an_unknown_filter_value_with_a_reason(api, cast, cases):
    response = api(cast.town_official).get("/api/cases/", {"status": "lost", "grid": "x"})

    assert response.status_code == 400
    assert set(response.json()) == {"status", "grid"}


@pytest.mark.parametrize(
    "query", [{"created_from": "0001-01-01"}, {"created_to": "9999-12-31"}, {"page_size": "0"}]
)
def test_extreme_filter_values_answer_without_error(api, cast, cases, query):
    response = api(cast.town_official).get("/api/cases/", query)

    assert response.status_code == 200


def test_a_grid_filter_outside_the_scope_is_refused(api, cast, cases, ladder):
    response = api(cast.other_official).get("/api/cases/", {"grid": ladder.a1.pk})

    assert response.status_code == 400


def test_list_query_count_does_not_grow_with_cases(api, cast, report):
    client = api(cast.town_official)
    report()
    client.get("/api/cases/")  # the user's roles are cached on the user from here on
    with CaptureQueriesContext(connection) as one_case:
        client.get("/api/cases/")
    for _ in range(5):
        report()
    with CaptureQueriesContext(connection) as six_cases:
        response = client.get("/api/cases/")
    assert len(response.json()["results"]) == 6
    assert len(six_cases.captured_queries) == len(one_case.captured_queries) <= 8
