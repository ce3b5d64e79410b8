"""POST /api/cases/: filing a case through incident_report, and malformed input refused."""

import uuid

import pytest

from incidents.models import Incident

pytestmark = pytest.mark.django_db

POINT_A1 = {"type": "Point", "coordinates": [121.005, 28.005]}


def _body(kind, **overrides):
    body = {
        "category": kind.pk,
        "title": "井盖缺失",
        "description": "路口井盖缺失",
        "source": "patrol",
        "location": POINT_A1,
    }
    body.update(overrides)
    return body


def test_a_grid_member_files_a_case_located_in_the_grid(api, cast, category, ladder):
    response = api(cast.member).post("/api/cases/", _body(category), format="json")

    assert response.status_code == 201, response.content
    incident = Incident.objects.get()
    assert incident.grid == ladder.a1
    assert incident.deadline is not None
    assert response.json()["location"] == POINT_A1


def test_the_same_client_key_files_once(api, cast, category):
    key = str(uuid.uuid4())
    client = api(cast.member)

    first = client.post("/api/cases/", _body(category, client_key=key), format="json")
    again = client.post("/api/cases/", _body(category, client_key=key), format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Incident.objects.count() == 1


def test_a_member_may_not_file_in_another_grid(api, cast, category, ladder):
    response = api(cast.other_member).post(
        "/api/cases/", _body(category, location=None, grid=ladder.b1.pk), format="json"
    )

    assert response.status_code == 403
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("location", "field"),
    [
        ({"type": "Point", "coordinates": [181, 28]}, "location"),
        ({"type": "Point", "coordinates": [121, "28"]}, "location"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}, "location"),
        ({"type": "Point", "coordinates": [121, 28], "crs": {"type": "name"}}, "location"),
        ("POINT(121 28)", "location"),
        ({"type": "Point", "coordinates": [10, 10]}, "location"),  # outside every grid
    ],
)
def test_refuses_bad_geojson_with_a_reason_and_files_nothing(api, cast, category, location, field):
    response = api(cast.member).post(
        "/api/cases/", _body(category, location=location), format="json"
    )

    assert response.status_code == 400
    assert field in response.json()
    assert not Incident.objects.exists()


def test_refuses_wrong_types(api, cast, category):
    response = api(cast.member).post(
        "/api/cases/",
        _body(category, category="garbage", urgency="now", grid="one"),
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {"category", "urgency", "grid"}
    assert not Incident.objects.exists()
