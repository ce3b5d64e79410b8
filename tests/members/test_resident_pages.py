import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import PersonalDataAccess, ResidentTag
from members.services import resident_reveal, resident_save
from tests.factories import HouseholdFactory

ID_NUMBER = "331081198001010019"
PHONE = "13812345678"
MASKED_ID_NUMBER = "3310**************"
MASKED_PHONE = "138****5678"


@pytest.fixture(autouse=True)
def english(settings):
    """Pages in English, so that assertions do not depend on the Chinese catalogue."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def neighbours(cast, ladder):
    """A resident in grid A2 and one in grid B1 (the other town), beside the cast's in A1."""
    in_a2 = resident_save(
        household=HouseholdFactory(grid=ladder.a2, code="3310811120010020001"),
        name="张三",
        gender="female",
    )
    in_b1 = resident_save(
        household=HouseholdFactory(grid=ladder.b1, code="3310811130010010001"),
        name="李四",
        gender="male",
    )
    return in_a2, in_b1


def residents_page(client, **params):
    return client.get(reverse("members:resident_list"), params)


def listed_names(response) -> list[str]:
    return [resident.name for resident in response.context["page"].object_list]


def export_bytes(client, **params) -> bytes:
    response = client.get(reverse("members:resident_export"), params)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def reveal_url(resident) -> str:
    return reverse("members:resident_reveal", args=[resident.pk])


def reveal(client, resident, field="id_number", reason="Visit about a pension claim"):
    return client.post(reveal_url(resident), {"field": field, "reason": reason})


# --- The list ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "names"),
    [
        ("member", ["王小明"]),
        ("other_member", ["张三"]),
        ("leader", ["王小明"]),
        ("village_staff", ["王小明", "张三"]),
        ("town_official", ["王小明", "张三"]),
        ("other_official", ["李四"]),
        ("county_official", ["王小明", "张三", "李四"]),
        ("admin", ["王小明", "张三", "李四"]),
    ],
)
def test_the_resident_list_shows_the_residents_of_the_users_jurisdiction(
    client, cast, neighbours, who, names
):
    client.force_login(getattr(cast, who))

    response = residents_page(client)

    assert response.status_code == 200
    assert listed_names(response) == names


def test_the_resident_list_sends_anonymous_users_to_log_in(client, cast):
    response = residents_page(client)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_resident_list_refuses_a_resident(client, cast):
    client.force_login(cast.resident)

    response = residents_page(client)

    assert response.status_code == 403


def test_the_resident_list_shows_masked_id_numbers_and_phones_only(client, cast):
    client.force_login(cast.town_official)

    response = residents_page(client)

    assert MASKED_ID_NUMBER.encode() in response.content
    assert MASKED_PHONE.encode() in response.content
    assert ID_NUMBER.encode() not in response.content
    assert PHONE.encode() not in response.content


def test_the_resident_list_finds_residents_by_name(client, cast, neighbours):
    client.force_login(cast.town_official)

    response = residents_page(client, q="张")

    assert listed_names(response) == ["张三"]


def test_the_resident_list_finds_residents_by_household_code(client, cast, neighbours):
    client.force_login(cast.town_official)

    response = residents_page(client, q="3310811120010010001")

    assert listed_names(response) == ["王小明"]


def test_the_resident_list_filters_by_grid(client, cast, ladder, neighbours):
    client.force_login(cast.town_official)

    response = residents_page(client, grid=ladder.a2.code)

    assert listed_names(response) == ["张三"]


def test_the_resident_list_refuses_a_grid_filter_outside_the_jurisdiction(
    client, cast, ladder, neighbours
):
    client.force_login(cast.town_official)

    response = residents_page(client, grid=ladder.b1.code)

    assert listed_names(response) == []
    assert list(response.context["form"].errors) == ["grid"]


def add_tagged_residents(ladder, count: int) -> None:
    tags = list(ResidentTag.objects.order_by("code")[:2])
    for n in range(count):
        resident_save(
            household=HouseholdFactory(grid=ladder.a1, code=f"33108111200100199{n:02d}"),
            name=f"居民{n:02d}",
            gender="female",
            phone=f"1391234{n:04d}",
            tags=tags,
        )


def test_the_resident_list_costs_as_many_queries_for_30_residents_as_for_1(client, cast, ladder):
    client.force_login(cast.town_official)
    with CaptureQueriesContext(connection) as one_resident:
        assert len(listed_names(residents_page(client))) == 1
    add_tagged_residents(ladder, 29)

    with CaptureQueriesContext(connection) as thirty_residents:
        response = residents_page(client)
        assert len(listed_names(response)) == 30

    assert len(thirty_residents.captured_queries) == len(one_resident.captured_queries)
    assert response.content.count(b'class="tag"') == 58


def test_the_resident_list_pages_by_50(client, cast, ladder):
    add_tagged_residents(ladder, 50)
    client.force_login(cast.town_official)

    first, second = residents_page(client), residents_page(client, page=2)

    assert (len(listed_names(first)), len(listed_names(second))) == (50, 1)


# --- The export ----------------------------------------------------------------------


def test_the_export_holds_masked_values_only(client, cast):
    client.force_login(cast.town_official)

    content = export_bytes(client)

    assert ID_NUMBER.encode() not in content
    assert PHONE.encode() not in content
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[1:] == [
        [
            "王小明",
            "Male",
            "3310811120010010001",
            "331081112001001",
            "东山一网格",
            MASKED_ID_NUMBER,
            MASKED_PHONE,
            "",
        ]
    ]


def test_the_export_follows_the_lists_scope_and_filters(client, cast, ladder, neighbours):
    client.force_login(cast.village_staff)

    everyone = export_bytes(client)
    in_a2 = export_bytes(client, grid=ladder.a2.code)

    names = [
        [row[0] for row in csv.reader(io.StringIO(content.decode("utf-8-sig")))][1:]
        for content in (everyone, in_a2)
    ]
    assert names == [["王小明", "张三"], ["张三"]]


def test_the_export_refuses_a_resident(client, cast):
    client.force_login(cast.resident)

    response = client.get(reverse("members:resident_export"))

    assert response.status_code == 403


def test_the_export_neutralises_spreadsheet_formulas(client, cast, ladder):
    resident_save(
        household=HouseholdFactory(grid=ladder.a1, code="3310811120010010002"),
        name="=HYPERLINK(1)",
        gender="male",
    )
    client.force_login(cast.town_official)

    content = export_bytes(client).decode("utf-8-sig")

    names = [row[0] for row in csv.reader(io.StringIO(content))][1:]
    assert names == ["王小明", "'=HYPERLINK(1)"]


def test_the_export_costs_as_many_queries_for_30_residents_as_for_1(client, cast, ladder):
    client.force_login(cast.town_official)
    with CaptureQueriesContext(connection) as one_resident:
        assert export_bytes(client).count(b"\n") == 2
    add_tagged_residents(ladder, 29)

    with CaptureQueriesContext(connection) as thirty_residents:
        assert export_bytes(client).count(b"\n") == 31

    assert len(thirty_residents.captured_queries) == len(one_resident.captured_queries)


# --- Reveal --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["leader", "village_staff", "town_official", "county_official", "admin"]
)
def test_an_allowed_user_sees_the_id_number_once_and_the_look_is_logged(client, cast, ladder, who):
    actor = getattr(cast, who)
    client.force_login(actor)

    response = reveal(client, cast.resident_record, field="id_number", reason="Pension claim")

    assert response.status_code == 200
    assert ID_NUMBER.encode() in response.content
    assert PHONE.encode() not in response.content
    access = PersonalDataAccess.objects.get()
    assert (
        access.actor,
        access.resident,
        access.grid,
        access.field,
        access.reason,
        access.ip_address,
    ) == (actor, cast.resident_record, ladder.a1, "id_number", "Pension claim", "127.0.0.1")


def test_revealing_the_phone_shows_the_phone_only(client, cast):
    client.force_login(cast.town_official)

    response = reveal(client, cast.resident_record, field="phone")

    assert PHONE.encode() in response.content
    assert ID_NUMBER.encode() not in response.content
    assert PersonalDataAccess.objects.get().field == "phone"


def test_the_revealed_value_is_never_cached(client, cast):
    client.force_login(cast.town_official)

    response = reveal(client, cast.resident_record)

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_the_reveal_form_shows_nothing_and_logs_nothing(client, cast):
    client.force_login(cast.town_official)

    response = client.get(reveal_url(cast.resident_record))

    assert response.status_code == 200
    assert ID_NUMBER.encode() not in response.content
    assert PHONE.encode() not in response.content
    assert PersonalDataAccess.objects.count() == 0


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reveal_without_a_reason_is_refused_and_not_logged(client, cast, reason):
    client.force_login(cast.town_official)

    response = reveal(client, cast.resident_record, reason=reason)

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["reason"]
    assert ID_NUMBER.encode() not in response.content
    assert PersonalDataAccess.objects.count() == 0


@pytest.mark.parametrize("who", ["member", "resident"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_reveal_by_a_role_without_the_permission_is_forbidden_and_not_logged(
    client, cast, who, method
):
    client.force_login(getattr(cast, who))

    response = getattr(client, method)(
        reveal_url(cast.resident_record), {"field": "id_number", "reason": "Curious"}
    )

    assert response.status_code == 403
    assert ID_NUMBER.encode() not in response.content
    assert PersonalDataAccess.objects.count() == 0


@pytest.mark.parametrize("who", ["other_official", "other_member"])
def test_a_reveal_outside_the_jurisdiction_is_not_found_and_not_logged(client, cast, who):
    client.force_login(getattr(cast, who))

    response = reveal(client, cast.resident_record)

    assert response.status_code == 404
    assert PersonalDataAccess.objects.count() == 0


def test_a_reveal_by_an_anonymous_user_is_sent_to_log_in_and_not_logged(client, cast):
    response = reveal(client, cast.resident_record)

    assert response.status_code == 302
    assert PersonalDataAccess.objects.count() == 0


# --- The access log ------------------------------------------------------------------


@pytest.fixture
def leaders_look(cast):
    resident_reveal(
        actor=cast.leader,
        resident=cast.resident_record,
        field="phone",
        reason="Flood warning call",
        ip_address="10.0.0.7",
    )
    return PersonalDataAccess.objects.get()


@pytest.mark.parametrize(
    ("who", "sees_the_look"),
    [
        ("village_staff", True),
        ("town_official", True),
        ("county_official", True),
        ("admin", True),
        ("other_official", False),
    ],
)
def test_the_access_log_shows_officials_the_looks_in_their_jurisdiction(
    client, cast, leaders_look, who, sees_the_look
):
    client.force_login(getattr(cast, who))

    response = client.get(reverse("members:access_log"))

    assert response.status_code == 200
    expected = [leaders_look] if sees_the_look else []
    assert list(response.context["page"].object_list) == expected
    assert (b"Flood warning call" in response.content) is sees_the_look
    assert (b"10.0.0.7" in response.content) is sees_the_look


@pytest.mark.parametrize("who", ["member", "leader", "resident"])
def test_the_access_log_is_forbidden_to_grid_staff_and_residents(client, cast, leaders_look, who):
    client.force_login(getattr(cast, who))

    response = client.get(reverse("members:access_log"))

    assert response.status_code == 403
    assert b"Flood warning call" not in response.content


def test_the_access_log_sends_anonymous_users_to_log_in(client, cast):
    response = client.get(reverse("members:access_log"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
