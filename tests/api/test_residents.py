"""/api/residents/ and /api/households/: the register, masked; one value at a time through
the audited reveal."""

import pytest

from members.models import PersonalDataAccess
from members.services import resident_save
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def test_lists_residents_with_masked_id_and_phone(api, cast):
    response = api(cast.member).get("/api/residents/")

    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["id_number_masked"] == "3310**************"
    assert row["phone_masked"] == "138****5678"
    assert "331081198001010019" not in response.content.decode()
    assert "13812345678" not in response.content.decode()


@pytest.mark.parametrize(
    ("who", "count"),
    [
        ("member", 1),
        ("other_member", 0),
        ("village_staff", 1),
        ("town_official", 1),
        ("other_official", 0),
    ],
)
def test_scopes_the_register_by_role(api, cast, who, count):
    residents = api(getattr(cast, who)).get("/api/residents/")
    households = api(getattr(cast, who)).get("/api/households/")

    assert residents.json()["count"] == count
    assert households.json()["count"] == count


def test_refuses_the_register_to_a_resident_account(api, cast):
    assert api(cast.resident).get("/api/residents/").status_code == 403


def test_reveal_returns_the_value_and_records_the_look(api, cast):
    resident = cast.resident_record

    response = api(cast.village_staff).post(
        f"/api/residents/{resident.pk}/reveal/",
        {"field": "id_number", "reason": "核实低保资格"},
        format="json",
    )

    assert response.json() == {"field": "id_number", "value": "331081198001010019"}
    access = PersonalDataAccess.objects.get()
    assert (access.actor, access.field, access.reason) == (
        cast.village_staff,
        "id_number",
        "核实低保资格",
    )


def test_reveal_without_a_reason_is_refused_and_not_logged(api, cast):
    response = api(cast.village_staff).post(
        f"/api/residents/{cast.resident_record.pk}/reveal/",
        {"field": "phone", "reason": " "},
        format="json",
    )

    assert response.status_code == 400
    assert "reason" in response.json()
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("member", 403), ("other_official", 404)])
def test_reveal_is_refused_without_the_right(api, cast, who, status):
    """A grid member may reveal the phone of a household of the grid (to call it), never
    an ID number."""
    response = api(getattr(cast, who)).post(
        f"/api/residents/{cast.resident_record.pk}/reveal/",
        {"field": "id_number", "reason": "好奇"},
        format="json",
    )

    assert response.status_code == status
    assert "331081198001010019" not in response.content.decode()
    assert not PersonalDataAccess.objects.exists()


def test_the_grid_member_reveals_the_phone_of_a_household_of_the_grid(api, cast):
    response = api(cast.member).post(
        f"/api/residents/{cast.resident_record.pk}/reveal/",
        {"field": "phone", "reason": "入户走访"},
        format="json",
    )

    assert response.status_code == 200
    assert "13812345678" in response.content.decode()
    assert PersonalDataAccess.objects.get().actor == cast.member


def test_resident_list_query_count_does_not_grow(api, cast, django_assert_max_num_queries):
    for n in range(5):
        household = HouseholdFactory(grid=cast.resident_record.household.grid)
        resident_save(household=household, name=f"居民{n}", gender="female")
    with django_assert_max_num_queries(8):
        response = api(cast.town_official).get("/api/residents/")
    assert response.json()["count"] == 6
