"""POST /api/hotline/orders/: the 12345 bridge's intake. A work order becomes a hotline case
through incident_report, once per work order number; bad input is refused with reasons and
leaves nothing behind; only hotline operators (by token) may post."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.roles import Role
from incidents.models import HotlineOrder, Incident, IncidentEvent
from members import personal_data
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

URL = "/api/hotline/orders/"
POINT_A1 = {"type": "Point", "coordinates": [121.005, 28.005]}


@pytest.fixture
def hotline(operator):
    """The hotline's system, with the token of its operator account."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=operator).key}")
    return client


def order(**overrides):
    body = {
        "order_id": "GD20261123-0001",
        "category": "garbage",
        "description": "东山村村口垃圾堆放三天无人清理",
        "caller_name": "李女士",
        "caller_phone": "13912345678",
        "location": POINT_A1,
        "address": "东山村村口",
    }
    body.update(overrides)
    return body


def test_a_work_order_becomes_a_hotline_case_in_its_grid(hotline, ladder, operator):
    response = hotline.post(URL, order(), format="json")

    assert response.status_code == 201, response.content
    incident = Incident.objects.get()
    assert response.json() == {
        "order_id": "GD20261123-0001",
        "case_id": incident.pk,
        "case_code": incident.code,
        "status": "reported",
        "created": True,
    }
    assert (incident.source, incident.grid, incident.reporter) == ("hotline", ladder.a1, operator)
    assert incident.title == "东山村村口垃圾堆放三天无人清理"
    assert incident.deadline is not None
    assert HotlineOrder.objects.get().incident == incident
    assert list(IncidentEvent.objects.values_list("action", flat=True)) == ["report"]


def test_the_callers_number_is_stored_encrypted_and_masked(hotline):
    hotline.post(URL, order(caller_phone=" 139 1234 5678"), format="json")

    incident = Incident.objects.get()
    assert incident.reporter_phone_masked == "139****5678"
    assert "13912345678" not in incident.reporter_phone_encrypted
    assert personal_data.decrypt(incident.reporter_phone_encrypted) == "13912345678"
    assert incident.reporter_phone_hash == personal_data.lookup_hash("13912345678")


def test_a_work_order_sent_twice_makes_one_case(hotline):
    first = hotline.post(URL, order(), format="json")
    second = hotline.post(URL, order(), format="json")

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == {**first.json(), "created": False}
    assert Incident.objects.count() == 1
    assert IncidentEvent.objects.count() == 1


def test_another_work_order_makes_another_case(hotline):
    hotline.post(URL, order(), format="json")
    hotline.post(URL, order(order_id="GD20261123-0002"), format="json")

    assert Incident.objects.count() == 2


def test_a_grid_code_places_an_order_without_a_point(hotline, ladder):
    response = hotline.post(URL, order(location=None, grid=ladder.a3.code), format="json")

    assert response.status_code == 201, response.content
    assert Incident.objects.get().grid == ladder.a3


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"order_id": ""}, "order_id"),
        ({"order_id": "GD 1/2"}, "order_id"),
        ({"order_id": "x" * 65}, "order_id"),
        ({"category": "no-such-category"}, "category"),
        ({"description": ""}, "description"),
        ({"description": "   "}, "description"),
        ({"caller_phone": ""}, "caller_phone"),
        ({"caller_phone": "12345"}, "caller_phone"),
        ({"location": {"type": "Point", "coordinates": [200, 28]}}, "location"),
        ({"location": None}, "grid"),
        ({"location": {"type": "Point", "coordinates": [120.0, 28.0]}}, "location"),
        ({"location": None, "grid": "no-such-grid"}, "grid"),
        ({"urgency": "yesterday"}, "urgency"),
    ],
)
def test_bad_input_is_refused_with_its_reason_and_nothing_saved(hotline, overrides, field):
    response = hotline.post(URL, order(**overrides), format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Incident.objects.exists()
    assert not HotlineOrder.objects.exists()


def test_a_grid_outside_the_operators_jurisdiction_is_refused(ladder):
    town_operator = make_user("hotline_s", Role.HOTLINE_OPERATOR, ladder.town)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(town_operator)

    response = client.post(URL, order(location=None, grid=ladder.b1.code), format="json")

    assert response.status_code == 403
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    "who", ["anonymous", "resident", "member", "town_official", "county_official"]
)
def test_only_hotline_operators_may_post_work_orders(cast, who):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    user = getattr(cast, who)
    if user is not None:
        client.force_authenticate(user)

    response = client.post(URL, order(), format="json")

    assert response.status_code in (401, 403)
    assert not Incident.objects.exists()


def test_a_wrong_token_is_refused():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")

    assert client.post(URL, order(), format="json").status_code == 401
    assert not Incident.objects.exists()


def test_the_operator_sees_the_case_it_filed_and_no_other(hotline, report, operator):
    other = report()
    hotline.post(URL, order(), format="json")
    mine = Incident.objects.get(source="hotline")

    response = hotline.get("/api/cases/")

    assert [row["id"] for row in response.json()["results"]] == [mine.pk]
    assert hotline.get(f"/api/cases/{other.pk}/").status_code == 404
