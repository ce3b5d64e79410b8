"""The hotline operator's page (/cases/hotline/): a call filed as a hotline case with the
caller's number encrypted and shown masked; bad input answered beside its field with
nothing saved; only hotline operators get in."""

import uuid

import pytest
from django.test import Client

from core.roles import Role
from incidents.models import HotlineOrder, Incident
from members import personal_data
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

URL = "/cases/hotline/"
# The page with its last calls (3 or 9 of them): session, user, groups, categories,
# grids, villages, the calls, the menu's counts.
QUERIES = 12


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def call(kind, **overrides):
    data = {
        "caller_phone": "13912345678",
        "caller_name": "李女士",
        "category": kind.pk,
        "description": "东山村村口路灯不亮",
        "urgency": "ordinary",
        "address": "东山村村口",
        "latitude": "28.005",
        "longitude": "121.005",
        "grid": "",
        "order_id": "",
        "client_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def test_the_operator_files_a_call_and_gets_a_fresh_form(operator, category, ladder):
    client = signed_in(operator)

    response = client.post(URL, call(category), follow=True)

    incident = Incident.objects.get()
    assert (incident.source, incident.grid, incident.reporter) == ("hotline", ladder.a1, operator)
    assert incident.title == "东山村村口路灯不亮"
    assert f"Call filed as case {incident.code}." in response.content.decode()
    assert response.redirect_chain == [(URL, 302)]
    assert not HotlineOrder.objects.exists()


def test_the_callers_number_is_encrypted_and_the_page_shows_it_masked(operator, category):
    client = signed_in(operator)
    client.post(URL, call(category))

    page = client.get(URL).content.decode()

    incident = Incident.objects.get()
    assert personal_data.decrypt(incident.reporter_phone_encrypted) == "13912345678"
    assert "139****5678" in page
    assert "13912345678" not in page


def test_a_work_order_number_links_the_case_to_the_hotline(operator, category):
    client = signed_in(operator)

    client.post(URL, call(category, order_id="GD-0042"))
    response = client.post(URL, call(category, order_id="GD-0042"), follow=True)

    order = HotlineOrder.objects.get()
    assert order.order_id == "GD-0042"
    assert Incident.objects.count() == 1
    assert "This work order was filed before" in response.content.decode()


def test_the_same_form_sent_twice_files_one_case(operator, category):
    client = signed_in(operator)
    data = call(category)

    client.post(URL, data)
    client.post(URL, data)

    assert Incident.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"caller_phone": ""}, "caller_phone", "This field is required."),
        ({"caller_phone": "1234"}, "caller_phone", "Enter an 11-digit mobile number"),
        ({"description": "  "}, "description", "This field is required."),
        ({"category": ""}, "category", "This field is required."),
        ({"latitude": "", "longitude": ""}, "grid", "Give the place on the map"),
        ({"latitude": "28.005", "longitude": ""}, "latitude", "Click the map again"),
        ({"order_id": "GD 1/2"}, "order_id", "Letters, digits"),
    ],
)
def test_bad_input_is_answered_beside_its_field_and_nothing_saved(
    operator, category, overrides, field, message
):
    response = signed_in(operator).post(URL, call(category, **overrides))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert field in response.context["form"].errors
    assert not Incident.objects.exists()


def test_a_grid_outside_the_operators_jurisdiction_cannot_be_chosen(category, ladder):
    town_operator = make_user("hotline_s", Role.HOTLINE_OPERATOR, ladder.town)
    data = call(category, latitude="", longitude="", grid=str(ladder.b1.pk))

    response = signed_in(town_operator).post(URL, data)

    assert response.status_code == 400
    assert "grid" in response.context["form"].errors
    assert not Incident.objects.exists()


def test_a_place_outside_the_operators_jurisdiction_is_refused(category, ladder):
    town_operator = make_user("hotline_s", Role.HOTLINE_OPERATOR, ladder.town)
    data = call(category, latitude="28.005", longitude="121.11")

    response = signed_in(town_operator).post(URL, data)

    assert response.status_code == 400
    assert "outside your jurisdiction" in response.content.decode()
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    "who", ["resident", "member", "leader", "village_staff", "town_official", "county_official"]
)
def test_others_may_not_open_or_post_the_call_page(cast, category, who):
    client = signed_in(getattr(cast, who))

    assert client.get(URL).status_code == 403
    assert client.post(URL, call(category)).status_code == 403
    assert not Incident.objects.exists()


def test_the_anonymous_are_sent_to_sign_in(category):
    response = Client().post(URL, call(category))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Incident.objects.exists()


def test_the_operator_lands_on_the_call_page_and_sees_its_link(operator):
    client = signed_in(operator)

    response = client.get("/", follow=True)

    assert response.redirect_chain[-1][0] == URL
    assert 'href="/cases/hotline/"' in response.content.decode()


def test_the_last_calls_cost_the_same_queries_however_many(
    operator, category, django_assert_max_num_queries
):
    client = signed_in(operator)
    client.get(URL)
    for _ in range(3):
        client.post(URL, call(category))
    with django_assert_max_num_queries(QUERIES):
        client.get(URL)
    for _ in range(6):
        client.post(URL, call(category))

    with django_assert_max_num_queries(QUERIES):
        page = client.get(URL).content.decode()
    assert page.count('data-code="') == 9


@pytest.mark.parametrize(
    "path", ["/cases/", "/grids/map/", "/members/notifications/", "/accounts/password/"]
)
def test_every_page_in_the_operators_menu_opens(operator, path):
    assert signed_in(operator).get(path).status_code == 200


def test_the_operator_opens_the_case_it_filed_with_the_number_masked(operator, category):
    client = signed_in(operator)
    client.post(URL, call(category))
    incident = Incident.objects.get()

    page = client.get(f"/cases/{incident.pk}/").content.decode()

    assert incident.code in page
    assert "13912345678" not in page
