"""The register's pages: who may open them, forms through the page and the outbox, the
overdue visits in the workspace, and queries that do not grow with the register."""

import datetime
import uuid

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grids.models import Grid
from members.models import Household, HouseholdEdit, HouseholdVisit, ResidentTag
from members.selectors import visit_coverage_by_grid, visits_overdue_for
from members.services import resident_save
from members.services.register import household_visit_record
from tests.conftest import NOW, TODAY
from tests.factories import HouseholdFactory

OUTBOX = {"HTTP_X_OUTBOX": "1"}


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def household(cast):
    return cast.resident_record.household


def _routes(household, resident):
    return [
        reverse("members:household_add"),
        reverse("members:household_edit", args=[household.pk]),
        reverse("members:household_visit", args=[household.pk]),
        reverse("members:resident_add", args=[household.pk]),
        reverse("members:resident_edit", args=[household.pk, resident.pk]),
    ]


def test_anonymous_users_are_sent_to_log_in(client, cast, household):
    for url in _routes(household, cast.resident_record):
        response = client.get(url)

        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("who", ["resident", "town_official", "village_staff", "admin"])
def test_only_grid_members_keep_the_register(client, cast, household, who):
    client.force_login(getattr(cast, who))

    for url in _routes(household, cast.resident_record):
        assert client.get(url).status_code == 403
        assert client.post(url, {"address": "x", "client_key": uuid.uuid4()}).status_code == 403

    assert not HouseholdEdit.objects.exists()


def test_another_grids_member_finds_no_such_household(client, cast, household):
    client.force_login(cast.other_member)

    for url in _routes(household, cast.resident_record)[1:]:
        assert client.get(url).status_code == 404
        assert client.post(url, {"address": "x", "client_key": uuid.uuid4()}).status_code == 404

    assert not HouseholdEdit.objects.exists()
    assert not HouseholdVisit.objects.exists()


def test_another_grids_member_cannot_add_to_a_grid_not_theirs(client, cast, ladder):
    client.force_login(cast.other_member)

    response = client.post(
        reverse("members:household_add"),
        {"grid": ladder.a1.pk, "address": "东山村8号", "client_key": uuid.uuid4()},
    )

    assert response.status_code == 400
    assert "grid" in response.context["form"].errors
    assert not Household.objects.filter(address="东山村8号").exists()


@pytest.mark.parametrize("who", ["member", "leader"])
def test_the_grids_members_open_every_form(client, cast, household, who):
    client.force_login(getattr(cast, who))

    for url in _routes(household, cast.resident_record):
        response = client.get(url)

        assert response.status_code == 200
        assert b'name="client_key"' in response.content


def test_the_resident_form_never_shows_the_id_number(client, cast, household):
    client.force_login(cast.member)

    response = client.get(
        reverse("members:resident_edit", args=[household.pk, cast.resident_record.pk])
    )

    assert b"331081198001010019" not in response.content
    assert b"13812345678" not in response.content
    assert "3310**************" in response.content.decode()


def test_an_edit_from_the_page_is_saved_logged_and_shown(client, cast, household):
    client.force_login(cast.member)
    url = reverse("members:household_edit", args=[household.pk])

    response = client.post(url, {"address": "东山村9号", "client_key": uuid.uuid4()})

    assert response.status_code == 302
    assert response.url == reverse("members:household", args=[household.pk])
    page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "东山村9号" in page
    assert "member_a1" in page
    assert HouseholdEdit.objects.get().actor == cast.member


def test_the_outbox_gets_json_and_a_replay_lands_once(client, cast, household):
    client.force_login(cast.member)
    url = reverse("members:household_edit", args=[household.pk])
    data = {"address": "东山村9号", "client_key": str(uuid.uuid4())}

    first = client.post(url, data, **OUTBOX)
    client.post(url, {"address": "东山村10号", "client_key": str(uuid.uuid4())}, **OUTBOX)
    replay = client.post(url, data, **OUTBOX)

    assert first.status_code == replay.status_code == 200
    assert first.json()["url"] == reverse("members:household", args=[household.pk])
    assert HouseholdEdit.objects.count() == 2
    household.refresh_from_db()
    assert household.address == "东山村10号"


def test_a_refused_form_answers_its_errors(client, cast, household):
    client.force_login(cast.member)
    url = reverse("members:resident_add", args=[household.pk])
    data = {"name": "李奶奶", "gender": "female", "id_number": "123", "client_key": uuid.uuid4()}

    page = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    json = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en", **OUTBOX)

    assert page.status_code == json.status_code == 400
    assert "id_number" in page.context["form"].errors
    assert "id_number" in json.json()["errors"]
    assert not HouseholdEdit.objects.exists()


@pytest.mark.parametrize("data", [{}, {"client_key": "not-a-key"}, {"visited_on": "x"}])
def test_a_bad_visit_post_is_a_form_error_not_a_crash(client, cast, household, data):
    client.force_login(cast.member)

    response = client.post(reverse("members:household_visit", args=[household.pk]), data)

    assert response.status_code == 400
    assert not HouseholdVisit.objects.exists()


def _key_household(grid, code, tag="elderly-alone"):
    household = HouseholdFactory(grid=grid, code=code)
    resident_save(
        household=household,
        name=f"居民{code[-3:]}",
        gender="female",
        tags=[ResidentTag.objects.get(code=tag)],
    )
    return household


def test_overdue_households_show_in_the_workspace_until_visited(client, cast, ladder):
    weekly = _key_household(ladder.a1, "3310811120010010101")
    client.force_login(cast.member)

    assert weekly.code in client.get(reverse("members:workspace")).content.decode()

    response = client.post(
        reverse("members:household_visit", args=[weekly.pk]),
        {"visited_on": TODAY.isoformat(), "purpose": "care", "client_key": uuid.uuid4()},
    )

    assert response.status_code == 302
    assert weekly.code not in client.get(reverse("members:workspace")).content.decode()


def test_a_household_is_overdue_once_its_groups_interval_has_passed(cast, ladder):
    weekly = _key_household(ladder.a1, "3310811120010010101")
    monthly = _key_household(ladder.a1, "3310811120010010102", tag="low-income")
    _key_household(ladder.a2, "3310811120010020101")  # another member's grid
    for household in (weekly, monthly):
        household_visit_record(
            actor=cast.member,
            household=household,
            visited_on=TODAY - datetime.timedelta(days=8),
            purpose="care",
            client_key=uuid.uuid4(),
        )

    overdue = visits_overdue_for(cast.member, TODAY)

    assert [household.code for household in overdue] == [weekly.code]
    assert overdue[0].due_on == TODAY - datetime.timedelta(days=1)


def test_visit_coverage_counts_key_households_visited_in_time(cast, ladder):
    visited = _key_household(ladder.a1, "3310811120010010101")
    _key_household(ladder.a1, "3310811120010010102")
    _key_household(ladder.a3, "3310811120020010101")
    household_visit_record(
        actor=cast.member,
        household=visited,
        visited_on=TODAY,
        purpose="care",
        client_key=uuid.uuid4(),
    )

    rows = visit_coverage_by_grid(Grid.objects.all(), TODAY)

    assert [(row["code"], row["key"], row["covered"]) for row in rows] == [
        (ladder.a3.code, 1, 0),
        (ladder.a1.code, 2, 1),
    ]
    assert rows[1]["share"] == 0.5


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_workspace_and_household_queries_do_not_grow_with_the_register(client, cast, ladder):
    client.force_login(cast.member)
    first = _key_household(ladder.a1, "3310811120010010101")
    for _ in range(2):
        household_visit_record(
            actor=cast.member,
            household=first,
            visited_on=TODAY - datetime.timedelta(days=9),
            purpose="care",
            client_key=uuid.uuid4(),
        )
    client.post(
        reverse("members:household_edit", args=[first.pk]),
        {"address": "新址1号", "client_key": uuid.uuid4()},
    )
    pages = [
        reverse("members:workspace"),
        reverse("members:households"),
        reverse("members:household", args=[first.pk]),
    ]
    small = [_queries(client, url) for url in pages]
    for index in range(2, 12):
        household = _key_household(ladder.a1, f"33108111200100102{index:02d}")
        household_visit_record(
            actor=cast.member,
            household=first,
            visited_on=TODAY - datetime.timedelta(days=index),
            purpose="routine",
            client_key=uuid.uuid4(),
        )
        client.post(
            reverse("members:household_edit", args=[first.pk]),
            {"address": f"新址{index}号", "client_key": uuid.uuid4()},
        )
        resident_save(household=first, name=f"家人{index}", gender="male")
        assert household

    large = [_queries(client, url) for url in pages]

    assert large == small


def test_the_dashboard_shows_visit_coverage_per_grid(client, cast, ladder):
    _key_household(ladder.a1, "3310811120010010101")
    client.force_login(cast.town_official)

    response = client.get(reverse("dashboard:home"), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="dash-visit-coverage"' in page
    assert ladder.a1.name in page


def test_a_member_adds_a_household_and_a_resident_from_the_pages(client, cast, ladder):
    client.force_login(cast.member)

    response = client.post(
        reverse("members:household_add"),
        {"grid": ladder.a1.pk, "address": "东山村新8号", "client_key": uuid.uuid4()},
    )

    household = Household.objects.get(address="东山村新8号")
    assert response.status_code == 302
    assert response.url == reverse("members:household", args=[household.pk])
    response = client.post(
        reverse("members:resident_add", args=[household.pk]),
        {
            "name": "赵大爷",
            "gender": "male",
            "id_number": "331081199003070036",
            "tags": [ResidentTag.objects.get(code="elderly-alone").pk],
            "client_key": uuid.uuid4(),
        },
    )
    assert response.status_code == 302
    resident = household.residents.get()
    assert resident.id_number_masked == "3310**************"
    page = client.get(reverse("members:household", args=[household.pk])).content.decode()
    assert "331081199003070036" not in page
    assert [edit.action for edit in HouseholdEdit.objects.order_by("id")] == ["add", "add"]
    assert household.code in client.get(reverse("members:workspace")).content.decode()
