import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members import personal_data
from members.models import GridAssignment, PersonalDataAccess, Resident, ResidentTag
from members.services import grid_assign_member, resident_reveal, resident_save
from tests.conftest import ASSIGNED_SINCE, NOW, TODAY
from tests.factories import GridMemberFactory, HouseholdFactory, UserFactory

RESIDENT_LIST = reverse("admin:members_resident_changelist")
ASSIGNMENT_LIST = reverse("admin:members_gridassignment_changelist")
ASSIGNMENT_ADD = reverse("admin:members_gridassignment_add")
ACCESS_LIST = reverse("admin:members_personaldataaccess_changelist")
ID_NUMBER = "331081198001010019"  # the cast's resident
PHONE = "13812345678"
ENDED_ON = TODAY - datetime.timedelta(days=30)
NEXT_YEAR = TODAY + datetime.timedelta(days=365)

# Assignments start and end by the day: today is NOW's.
pytestmark = pytest.mark.time_machine(NOW, tick=False)


@pytest.fixture
def staff_client(client):
    """Logs a cast user into the admin, in English so that messages read as written."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def login(user):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        client.force_login(user)
        return client

    return login


def id_number(sequence: int) -> str:
    first17 = f"33108119900101{sequence:03d}"
    return first17 + personal_data.id_number_check_char(first17)


def add_residents(grid, count: int, start: int) -> None:
    household = HouseholdFactory(grid=grid)
    tags = list(ResidentTag.objects.all()[:2])
    for sequence in range(start, start + count):
        resident_save(
            household=household,
            name=f"居民{sequence}",
            gender="female",
            id_number=id_number(sequence),
            phone=f"139{sequence:08d}",
            tags=tags,
        )


def change_url(resident: Resident) -> str:
    return reverse("admin:members_resident_change", args=[resident.pk])


def resident_form(resident: Resident, **overrides) -> dict:
    return {
        "household": resident.household_id,
        "name": resident.name,
        "gender": resident.gender,
        "birth_date": "",
        "id_number": "",
        "phone": "",
        "tags": [],
        "_save": "Save",
        **overrides,
    }


def listed(response) -> list[str]:
    return [str(row) for row in response.context["cl"].result_list]


def fresh(user):
    """The user read again, without the permission caches of the object in hand."""
    return type(user).objects.get(pk=user.pk)


def test_resident_changelist_runs_as_many_queries_for_many_residents_as_for_few(
    cast, ladder, staff_client
):
    client = staff_client(cast.town_official)
    add_residents(ladder.a1, 2, start=100)
    client.get(RESIDENT_LIST)  # warm up caches that are not per request (content types)
    with CaptureQueriesContext(connection) as few:
        assert client.get(RESIDENT_LIST).status_code == 200

    add_residents(ladder.a2, 12, start=200)
    with CaptureQueriesContext(connection) as many:
        response = client.get(RESIDENT_LIST)

    assert response.context["cl"].result_count == 15
    assert len(many) == len(few)


def test_resident_changelist_shows_masked_id_numbers_and_phones_only(cast, staff_client):
    resident = cast.resident_record

    response = staff_client(cast.town_official).get(RESIDENT_LIST)

    assert ID_NUMBER.encode() not in response.content
    assert PHONE.encode() not in response.content
    assert resident.id_number_hash.encode() not in response.content
    assert b"3310**************" in response.content
    assert b"138****5678" in response.content


def test_resident_change_form_never_shows_the_full_id_number_or_phone(cast, staff_client):
    resident = cast.resident_record

    response = staff_client(cast.town_official).get(change_url(resident))

    assert response.status_code == 200
    for secret in (ID_NUMBER, PHONE, resident.id_number_encrypted, resident.phone_encrypted):
        assert secret.encode() not in response.content
    assert b"Current: 3310**************. Leave blank to keep it." in response.content
    assert b"Current: 138****5678. Leave blank to keep it." in response.content
    assert reverse("members:resident_reveal", kwargs={"pk": resident.pk}).encode() in (
        response.content
    )


def test_saving_a_resident_with_a_wrong_check_digit_shows_the_error_and_changes_nothing(
    cast, staff_client
):
    resident = cast.resident_record
    before = Resident.objects.values().get(pk=resident.pk)
    wrong = "331081198001010010"

    response = staff_client(cast.town_official).post(
        change_url(resident), resident_form(resident, name="王大明", id_number=wrong)
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "id_number": ["This ID number's check digit is wrong; please check it."]
    }
    assert wrong.encode() not in response.content
    assert Resident.objects.values().get(pk=resident.pk) == before


def test_refuses_an_id_number_registered_to_another_resident(cast, ladder, staff_client):
    add_residents(ladder.a1, 1, start=300)
    resident = cast.resident_record
    before = Resident.objects.values().get(pk=resident.pk)

    response = staff_client(cast.town_official).post(
        change_url(resident), resident_form(resident, id_number=id_number(300))
    )

    [message] = response.context["adminform"].form.errors["id_number"]
    assert message.startswith("This ID number is already registered (household ")
    assert Resident.objects.values().get(pk=resident.pk) == before


def test_saving_a_resident_with_blank_id_number_and_phone_keeps_them(cast, staff_client):
    resident = cast.resident_record
    elderly = ResidentTag.objects.get(code="elderly-alone")

    response = staff_client(cast.town_official).post(
        change_url(resident), resident_form(resident, name="王大明", tags=[elderly.pk])
    )

    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.name == "王大明"
    assert list(resident.tags.all()) == [elderly]
    assert personal_data.decrypt(resident.id_number_encrypted) == ID_NUMBER
    assert personal_data.decrypt(resident.phone_encrypted) == PHONE
    assert resident.id_number_hash == personal_data.lookup_hash(ID_NUMBER)


def test_saving_a_new_id_number_in_the_admin_encrypts_and_masks_it(cast, staff_client):
    resident = cast.resident_record

    response = staff_client(cast.town_official).post(
        change_url(resident), resident_form(resident, id_number=id_number(7).lower())
    )

    assert response.status_code == 302
    resident.refresh_from_db()
    assert personal_data.decrypt(resident.id_number_encrypted) == id_number(7)
    assert resident.id_number_masked == personal_data.mask_id_number(id_number(7))
    assert personal_data.decrypt(resident.phone_encrypted) == PHONE


def test_adds_a_resident_in_the_admin_through_resident_save(cast, ladder, staff_client):
    household = HouseholdFactory(grid=ladder.a2)
    data = {
        "household": household.pk,
        "name": "李四",
        "gender": "male",
        "birth_date": "1990-01-01",
        "id_number": id_number(8),
        "phone": "13900001111",
        "_save": "Save",
    }

    response = staff_client(cast.town_official).post(reverse("admin:members_resident_add"), data)

    assert response.status_code == 302
    resident = Resident.objects.get(name="李四")
    assert resident.household == household
    assert resident.id_number_hash == personal_data.lookup_hash(id_number(8))
    assert resident.phone_masked == "139****1111"


def test_finds_a_resident_by_exact_id_number_and_masks_the_search_term(cast, staff_client):
    client = staff_client(cast.town_official)

    response = client.get(RESIDENT_LIST, {"q": ID_NUMBER})

    assert listed(response) == ["王小明"]
    assert ID_NUMBER.encode() not in response.content
    assert response.context["cl"].query == "3310**************"


def test_finds_a_resident_by_exact_phone_without_echoing_it_in_filters_and_facets(
    cast, staff_client
):
    client = staff_client(cast.town_official)

    response = client.get(RESIDENT_LIST, {"q": PHONE, "gender__exact": "male", "_facets": "True"})

    assert listed(response) == ["王小明"]
    assert PHONE.encode() not in response.content
    assert b"138****5678" in response.content


def test_finds_residents_by_name_and_household_code(cast, ladder, staff_client):
    add_residents(ladder.a1, 1, start=400)
    client = staff_client(cast.town_official)

    assert listed(client.get(RESIDENT_LIST, {"q": "小明"})) == ["王小明"]
    assert listed(client.get(RESIDENT_LIST, {"q": "3310811120010010001"})) == ["王小明"]


def test_town_official_sees_only_the_residents_of_his_town(cast, ladder, staff_client):
    add_residents(ladder.b1, 1, start=500)
    other = Resident.objects.get(name="居民500")
    client = staff_client(cast.town_official)

    assert listed(client.get(RESIDENT_LIST)) == ["王小明"]
    response = client.get(change_url(other), follow=True)
    assert response.redirect_chain == [(reverse("admin:index"), 302)]
    assert [str(message) for message in response.context["messages"]] == [
        f"resident with ID “{other.pk}” doesn’t exist. Perhaps it was deleted?"
    ]


def test_resident_changelist_offers_no_bulk_delete(cast, staff_client):
    resident = cast.resident_record
    data = {"action": "delete_selected", "_selected_action": [resident.pk], "index": "0"}

    response = staff_client(cast.admin).post(RESIDENT_LIST, {**data, "post": "yes"})

    assert response.context["action_form"] is None
    assert Resident.objects.filter(pk=resident.pk).exists()


def test_access_log_admin_refuses_add_change_and_delete(cast, staff_client):
    resident = cast.resident_record
    resident_reveal(actor=cast.town_official, resident=resident, field="phone", reason="回访")
    access = PersonalDataAccess.objects.get()
    client = staff_client(cast.town_official)
    change = reverse("admin:members_personaldataaccess_change", args=[access.pk])

    assert listed(client.get(ACCESS_LIST)) == [str(access)]
    assert client.get(reverse("admin:members_personaldataaccess_add")).status_code == 403
    assert client.post(change, {"reason": "改写"}).status_code == 403
    delete = reverse("admin:members_personaldataaccess_delete", args=[access.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert PersonalDataAccess.objects.values_list("reason", flat=True).get() == "回访"


def test_access_log_admin_shows_nothing_to_an_official_of_another_town(cast, staff_client):
    resident_reveal(
        actor=cast.town_official, resident=cast.resident_record, field="phone", reason="回访"
    )

    response = staff_client(cast.other_official).get(ACCESS_LIST)

    assert listed(response) == []


@pytest.fixture
def new_member(ladder):
    """An active grid member of S Town's V1, assigned to nothing yet."""
    user = UserFactory(username="member_new", roles=["grid_member"])
    user.jurisdiction = ladder.v1
    user.save(update_fields=["jurisdiction"])
    return GridMemberFactory(user=user)


def test_creating_an_assignment_in_the_admin_grants_the_grid_permission(
    cast, ladder, new_member, staff_client
):
    client = staff_client(cast.town_official)
    data = {
        "member": new_member.pk,
        "grid": ladder.a3.pk,
        "starts_on": TODAY.isoformat(),
        "_save": "Save",
    }

    response = client.post(ASSIGNMENT_ADD, data)

    assert response.status_code == 302
    assignment = GridAssignment.objects.get(member=new_member)
    assert (assignment.grid, assignment.is_leader, assignment.ends_on) == (ladder.a3, False, None)
    assert fresh(new_member.user).has_perm("grids.patrol_grid", ladder.a3)


def test_end_action_ends_the_assignment_today_and_revokes_the_permission(
    cast, ladder, new_member, staff_client
):
    assignment = grid_assign_member(member=new_member, grid=ladder.a3, starts_on=ASSIGNED_SINCE)
    client = staff_client(cast.town_official)

    response = client.post(
        ASSIGNMENT_LIST,
        {"action": "end_today", "_selected_action": [assignment.pk]},
        follow=True,
    )

    assignment.refresh_from_db()
    assert assignment.ends_on == TODAY
    assert not fresh(new_member.user).has_perm("grids.patrol_grid", ladder.a3)
    assert [str(message) for message in response.context["messages"]] == ["Ended 1 assignment."]


def test_end_action_reports_an_assignment_that_had_already_ended(
    cast, ladder, new_member, staff_client
):
    ended = grid_assign_member(member=new_member, grid=ladder.a3, starts_on=ASSIGNED_SINCE)
    GridAssignment.objects.filter(pk=ended.pk).update(ends_on=ENDED_ON)
    open_one = grid_assign_member(member=new_member, grid=ladder.a2, starts_on=ASSIGNED_SINCE)
    client = staff_client(cast.town_official)

    response = client.post(
        ASSIGNMENT_LIST,
        {"action": "end_today", "_selected_action": [ended.pk, open_one.pk]},
        follow=True,
    )

    assert [str(message) for message in response.context["messages"]] == [
        f"{ended}: This assignment has already ended.",
        "Ended 1 assignment.",
    ]
    assert GridAssignment.objects.get(pk=ended.pk).ends_on == ENDED_ON
    assert GridAssignment.objects.get(pk=open_one.pk).ends_on == TODAY


def test_an_existing_assignment_only_lets_its_end_date_change(
    cast, ladder, new_member, staff_client
):
    assignment = grid_assign_member(member=new_member, grid=ladder.a3, starts_on=ASSIGNED_SINCE)
    client = staff_client(cast.town_official)
    url = reverse("admin:members_gridassignment_change", args=[assignment.pk])

    response = client.post(
        url,
        {
            "member": cast.member.grid_member.pk,
            "grid": ladder.a1.pk,
            "ends_on": NEXT_YEAR.isoformat(),
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    assignment.refresh_from_db()
    assert (assignment.member, assignment.grid, assignment.ends_on) == (
        new_member,
        ladder.a3,
        NEXT_YEAR,
    )
    assert fresh(new_member.user).has_perm("grids.patrol_grid", ladder.a3)


def test_assignments_cannot_be_deleted_in_the_admin(cast, ladder, staff_client):
    assignment = GridAssignment.objects.get(member__user=cast.member)
    client = staff_client(cast.admin)

    response = client.post(
        reverse("admin:members_gridassignment_delete", args=[assignment.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert GridAssignment.objects.filter(pk=assignment.pk).exists()


def test_town_official_sees_only_the_assignments_of_his_towns_grids(cast, ladder, staff_client):
    outside = GridMemberFactory(user=UserFactory(username="member_b1", roles=["grid_member"]))
    grid_assign_member(member=outside, grid=ladder.b1, starts_on=ASSIGNED_SINCE)

    response = staff_client(cast.town_official).get(ASSIGNMENT_LIST)

    assert {row.grid for row in response.context["cl"].result_list} == {ladder.a1, ladder.a2}


@pytest.mark.parametrize(
    "model", ["gridmember", "gridassignment", "household", "resident", "residenttag", "patrollog"]
)
def test_member_admin_pages_open_for_the_platform_admin(cast, model, staff_client):
    client = staff_client(cast.admin)

    assert client.get(reverse(f"admin:members_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:members_{model}_add")).status_code == 200


def test_view_only_official_sees_the_masked_values_on_the_resident_page(cast, staff_client):
    resident = cast.resident_record

    response = staff_client(cast.county_official).get(change_url(resident))

    assert response.status_code == 200
    assert ID_NUMBER.encode() not in response.content
    assert PHONE.encode() not in response.content
    assert b"3310**************" in response.content
    assert b"138****5678" in response.content


def test_deactivating_a_member_in_the_admin_revokes_his_grid_permissions(
    cast, ladder, staff_client
):
    member = cast.member.grid_member
    data = {"employment": member.employment, "phone": member.phone, "_save": "Save"}
    data.update({"assignments-TOTAL_FORMS": "0", "assignments-INITIAL_FORMS": "0"})

    response = staff_client(cast.admin).post(
        reverse("admin:members_gridmember_change", args=[member.pk]), data
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.is_active is False
    assert not fresh(cast.member).has_perm("grids.patrol_grid", ladder.a1)


def test_refuses_in_the_admin_a_second_open_assignment_of_a_member_to_a_grid(
    cast, ladder, staff_client
):
    member = cast.member.grid_member
    member.user.jurisdiction = ladder.v1
    member.user.save(update_fields=["jurisdiction"])
    data = {
        "member": member.pk,
        "grid": ladder.a1.pk,
        "starts_on": TODAY.isoformat(),
        "_save": "Save",
    }

    response = staff_client(cast.town_official).post(ASSIGNMENT_ADD, data)

    assert response.context["adminform"].form.errors == {
        "__all__": ["This member is already assigned to this grid."]
    }
    assert GridAssignment.objects.filter(member=member).count() == 1


def test_town_official_cannot_assign_a_member_to_a_grid_of_another_town(
    cast, ladder, new_member, staff_client
):
    data = {"member": new_member.pk, "grid": ladder.b1.pk, "starts_on": TODAY.isoformat()}

    response = staff_client(cast.town_official).post(ASSIGNMENT_ADD, {**data, "_save": "Save"})

    assert list(response.context["adminform"].form.errors) == ["grid"]
    assert not GridAssignment.objects.filter(member=new_member).exists()
    assert not fresh(new_member.user).has_perm("grids.patrol_grid", ladder.b1)


def test_household_search_for_the_resident_form_stays_in_the_officials_town(
    cast, ladder, staff_client
):
    HouseholdFactory(grid=ladder.b1, code="3310811130010010001")
    params = {
        "app_label": "members",
        "model_name": "resident",
        "field_name": "household",
        "term": "331081",
    }

    response = staff_client(cast.town_official).get(reverse("admin:autocomplete"), params)

    assert [row["text"] for row in response.json()["results"]] == [
        str(cast.resident_record.household)
    ]


def test_the_patrol_admin_shows_its_flags_with_their_reasons(client, cast, ladder):
    import datetime
    import uuid

    from members.models import PatrolLog
    from members.services.authenticity import patrols_assess

    started = datetime.datetime(2026, 11, 20, 1, 0, tzinfo=datetime.UTC)
    patrol = PatrolLog.objects.create(
        member=cast.member.grid_member,
        grid=ladder.a1,
        client_key=uuid.uuid4(),
        started_at=started,
        ended_at=started + datetime.timedelta(minutes=40),
    )
    patrols_assess(ids=[patrol.pk])
    cast.admin.is_staff = True
    cast.admin.save(update_fields=["is_staff"])
    client.force_login(cast.admin)

    page = client.get(
        f"/admin/members/patrollog/{patrol.pk}/change/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert "No route was recorded (0 m, at least 50 m expected)." in page
