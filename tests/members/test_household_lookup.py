import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.services import resident_save
from tests.factories import HouseholdFactory

LOOKUP = reverse("members:households")


@pytest.fixture
def other_household(ladder):
    household = HouseholdFactory(grid=ladder.a2, code="3310811120010020001", address="东山二组")
    resident_save(
        household=household,
        name="李四",
        gender="male",
        id_number="331081198001010035",
        phone="13900001111",
    )
    return household


def test_anonymous_users_are_sent_to_log_in(client):
    assert client.get(LOOKUP).url.startswith(reverse("login"))


@pytest.mark.parametrize("who", ["resident", "town_official"])
def test_only_grid_members_use_the_lookup(client, cast, who):
    client.force_login(getattr(cast, who))

    assert client.get(LOOKUP).status_code == 403


def test_lists_the_households_of_the_members_grids_masked(client, cast, other_household):
    client.force_login(cast.member)

    response = client.get(LOOKUP)

    page = response.content.decode()
    assert [h.code for h in response.context["page"].object_list] == ["3310811120010010001"]
    assert "王小明" in page
    assert cast.resident_record.phone_masked in page
    assert "13812345678" not in page
    assert "李四" not in page


@pytest.mark.parametrize("query", ["331081112001001", "王小", "东山"])
def test_finds_by_code_name_or_address(client, cast, ladder, query):
    HouseholdFactory(grid=ladder.a1, code="3310811120010010002", address="东山一组5号")
    client.force_login(cast.member)

    response = client.get(LOOKUP, {"q": query})

    codes = [h.code for h in response.context["page"].object_list]
    assert codes
    assert all(code.startswith("331081112001001") for code in codes)


def test_a_grid_outside_the_members_is_a_field_error(client, cast, ladder):
    client.force_login(cast.member)

    response = client.get(LOOKUP, {"grid": ladder.a2.pk})

    assert response.status_code == 200
    assert "grid" in response.context["form"].errors
    assert list(response.context["page"].object_list) == []


def test_opens_a_household_with_its_residents_masked(client, cast):
    household = cast.resident_record.household
    client.force_login(cast.member)

    response = client.get(reverse("members:household", args=[household.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert cast.resident_record.id_number_masked in page
    assert "331081198001010019" not in page


def test_cannot_open_a_household_of_another_grid(client, cast, other_household):
    client.force_login(cast.member)

    response = client.get(reverse("members:household", args=[other_household.pk]))

    assert response.status_code == 404


def test_the_lookup_runs_the_same_queries_whatever_the_number_of_households(client, cast, ladder):
    client.force_login(cast.member)
    client.get(LOOKUP)
    with CaptureQueriesContext(connection) as few:
        client.get(LOOKUP)
    for number in range(5):
        household = HouseholdFactory(grid=ladder.a1, code=f"33108111200100100{number + 10}")
        resident_save(household=household, name=f"居民{number}", gender="female")

    with CaptureQueriesContext(connection) as many:
        response = client.get(LOOKUP)

    assert len(response.context["page"].object_list) == 6
    assert len(many.captured_queries) == len(few.captured_queries)
