"""The register kept from the field: scope, idempotency on the client key, the edit log,
ID numbers encrypted and masked at once."""

import datetime
import threading
import uuid

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from members import personal_data
from members.models import Household, HouseholdEdit, HouseholdVisit, Resident, ResidentTag
from members.services.register import (
    household_add,
    household_edit,
    household_visit_record,
    resident_add,
    resident_edit,
)
from tests.conftest import NOW, TODAY

KEY = uuid.UUID("0b7c5a1e-2d3f-4a5b-8c6d-7e8f90a1b2c3")
ID_NUMBER = "331081199003070028"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def household(cast):
    return cast.resident_record.household


def test_a_member_adds_a_household_to_their_grid_with_the_next_code(cast, ladder, household):
    added = household_add(actor=cast.member, grid=ladder.a1, address="东山村8号", client_key=KEY)

    assert added.code == "3310811120010010002"
    edit = HouseholdEdit.objects.get()
    assert (edit.household, edit.actor, edit.action) == (added, cast.member, "add")
    assert edit.changes == {"code": ["", added.code], "address": ["", "东山村8号"]}


def test_a_replayed_add_lands_once(cast, ladder):
    first = household_add(actor=cast.member, grid=ladder.a1, address="东山村8号", client_key=KEY)
    again = household_add(actor=cast.member, grid=ladder.a1, address="东山村8号", client_key=KEY)

    assert again == first
    assert Household.objects.filter(address="东山村8号").count() == 1
    assert HouseholdEdit.objects.count() == 1


@pytest.mark.parametrize("who", ["other_member", "town_official", "resident", "admin"])
def test_refuses_a_grid_that_is_not_the_members(cast, ladder, who):
    with pytest.raises(PermissionDenied):
        household_add(actor=getattr(cast, who), grid=ladder.a1, address="x", client_key=KEY)

    assert not HouseholdEdit.objects.exists()


def test_edits_the_address_and_logs_old_and_new(cast, household):
    old = household.address

    household_edit(actor=cast.member, household=household, address="东山村9号", client_key=KEY)

    household.refresh_from_db()
    assert household.address == "东山村9号"
    edit = HouseholdEdit.objects.get()
    assert (edit.actor, edit.action, edit.resident) == (cast.member, "edit", None)
    assert edit.changes == {"address": [old, "东山村9号"]}
    assert edit.at == NOW


def test_a_replayed_edit_lands_once_and_does_not_undo_a_later_one(cast, household):
    household_edit(actor=cast.member, household=household, address="9号", client_key=KEY)
    household_edit(actor=cast.leader, household=household, address="10号", client_key=uuid.uuid4())

    household_edit(actor=cast.member, household=household, address="9号", client_key=KEY)

    household.refresh_from_db()
    assert household.address == "10号"
    assert HouseholdEdit.objects.count() == 2


def test_refuses_another_users_key(cast, household):
    household_edit(actor=cast.member, household=household, address="9号", client_key=KEY)

    with pytest.raises(ValidationError):
        household_edit(actor=cast.leader, household=household, address="11号", client_key=KEY)


@pytest.mark.parametrize("who", ["other_member", "town_official", "resident"])
def test_refuses_an_edit_outside_the_members_grids(cast, household, who):
    old = household.address

    with pytest.raises(PermissionDenied):
        household_edit(
            actor=getattr(cast, who), household=household, address="9号", client_key=KEY
        )

    household.refresh_from_db()
    assert household.address == old
    assert not HouseholdEdit.objects.exists()


def test_an_edit_that_changes_nothing_is_not_logged(cast, household):
    household_edit(
        actor=cast.member, household=household, address=household.address, client_key=KEY
    )

    assert not HouseholdEdit.objects.exists()


def test_refuses_an_empty_address(cast, household):
    with pytest.raises(ValidationError) as error:
        household_edit(actor=cast.member, household=household, address="  ", client_key=KEY)

    assert "address" in error.value.message_dict


def test_a_resident_added_in_the_field_has_the_id_number_encrypted_and_masked(cast, household):
    elderly = ResidentTag.objects.get(code="elderly-alone")

    resident = resident_add(
        actor=cast.member,
        household=household,
        name="李奶奶",
        gender="female",
        id_number=ID_NUMBER,
        phone="13900001111",
        tags=[elderly],
        client_key=KEY,
    )

    resident.refresh_from_db()
    assert resident.id_number_masked == "3310**************"
    assert ID_NUMBER not in resident.id_number_encrypted
    assert personal_data.decrypt(resident.id_number_encrypted) == ID_NUMBER
    assert resident.id_number_hash == personal_data.lookup_hash(ID_NUMBER)
    edit = HouseholdEdit.objects.get()
    assert (edit.resident, edit.action) == (resident, "add")
    assert edit.changes["id_number"] == ["", "3310**************"]
    assert edit.changes["phone"] == ["", "139****1111"]
    assert edit.changes["tags"] == [[], [elderly.name]]
    assert ID_NUMBER not in str(edit.changes)
    assert "13900001111" not in str(edit.changes)


def test_a_replayed_resident_add_lands_once(cast, household):
    for _ in range(2):
        resident_add(
            actor=cast.member, household=household, name="李奶奶", gender="female", client_key=KEY
        )

    assert Resident.objects.filter(name="李奶奶").count() == 1
    assert HouseholdEdit.objects.count() == 1


def test_refuses_an_invalid_id_number_and_writes_nothing(cast, household):
    with pytest.raises(ValidationError) as error:
        resident_add(
            actor=cast.member,
            household=household,
            name="李奶奶",
            gender="female",
            id_number="331081199003070027",
            client_key=KEY,
        )

    assert "id_number" in error.value.message_dict
    assert not Resident.objects.filter(name="李奶奶").exists()
    assert not HouseholdEdit.objects.exists()


def test_a_resident_edit_keeps_a_blank_id_number_and_logs_the_masks(cast):
    resident = cast.resident_record

    resident_edit(
        actor=cast.member,
        resident=resident,
        name="王小明",
        gender="male",
        phone="13700002222",
        client_key=KEY,
    )

    resident.refresh_from_db()
    assert personal_data.decrypt(resident.id_number_encrypted) == "331081198001010019"
    assert resident.phone_masked == "137****2222"
    edit = HouseholdEdit.objects.get()
    assert edit.changes == {"phone": ["138****5678", "137****2222"]}


def test_a_resident_edit_logs_a_new_id_number_masked_only(cast):
    resident_edit(
        actor=cast.member,
        resident=cast.resident_record,
        name="王小明",
        gender="male",
        id_number=ID_NUMBER,
        client_key=KEY,
    )

    edit = HouseholdEdit.objects.get()
    assert edit.changes == {"id_number": ["3310**************", "3310**************"]}


@pytest.mark.parametrize("who", ["other_member", "town_official", "resident"])
def test_refuses_a_resident_edit_outside_the_members_grids(cast, who):
    with pytest.raises(PermissionDenied):
        resident_edit(
            actor=getattr(cast, who),
            resident=cast.resident_record,
            name="改名",
            gender="male",
            client_key=KEY,
        )

    cast.resident_record.refresh_from_db()
    assert cast.resident_record.name == "王小明"
    assert not HouseholdEdit.objects.exists()


def test_records_a_visit_once(cast, household):
    for _ in range(2):
        visit = household_visit_record(
            actor=cast.member,
            household=household,
            visited_on=TODAY,
            purpose="care",
            notes="身体好",
            client_key=KEY,
        )

    assert HouseholdVisit.objects.get() == visit
    assert (visit.member.user, visit.visited_on, visit.notes) == (cast.member, TODAY, "身体好")


@pytest.mark.parametrize(
    ("visited_on", "field"),
    [
        (TODAY + datetime.timedelta(days=1), "visited_on"),
        (TODAY - datetime.timedelta(days=40), "visited_on"),
    ],
)
def test_refuses_an_impossible_visit_date(cast, household, visited_on, field):
    with pytest.raises(ValidationError) as error:
        household_visit_record(
            actor=cast.member,
            household=household,
            visited_on=visited_on,
            purpose="care",
            client_key=KEY,
        )

    assert field in error.value.message_dict
    assert not HouseholdVisit.objects.exists()


@pytest.mark.parametrize("who", ["other_member", "town_official", "resident"])
def test_refuses_a_visit_outside_the_members_grids(cast, household, who):
    with pytest.raises(PermissionDenied):
        household_visit_record(
            actor=getattr(cast, who),
            household=household,
            visited_on=TODAY,
            purpose="care",
            client_key=KEY,
        )

    assert not HouseholdVisit.objects.exists()


def _twice_at_once(call) -> list:
    """Run ``call`` in two threads (two database connections) released together."""
    barrier, results = threading.Barrier(2), []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(call())
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_of_one_edit_land_once(cast, household):
    results = _twice_at_once(
        lambda: (
            household_edit(
                actor=cast.member, household=household, address="并发9号", client_key=KEY
            ).pk
        )
    )

    assert results == [household.pk, household.pk]
    assert HouseholdEdit.objects.get().changes["address"][1] == "并发9号"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_of_one_add_land_once(cast, ladder):
    results = _twice_at_once(
        lambda: (
            household_add(actor=cast.member, grid=ladder.a1, address="并发8号", client_key=KEY).pk
        )
    )

    assert len(results) == 2
    assert results[0] == results[1]
    assert Household.objects.filter(address="并发8号").count() == 1
    assert HouseholdEdit.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_of_one_visit_land_once(cast, household):
    results = _twice_at_once(
        lambda: (
            household_visit_record(
                actor=cast.member,
                household=household,
                visited_on=TODAY,
                purpose="care",
                client_key=KEY,
            ).pk
        )
    )

    assert len(results) == 2
    assert results[0] == results[1]
    assert HouseholdVisit.objects.count() == 1


def test_a_new_birth_date_is_logged_as_an_age_band_only(cast):
    resident = cast.resident_record
    resident_edit(
        actor=cast.member,
        resident=resident,
        name="王小明",
        gender="male",
        birth_date=datetime.date(1980, 1, 1),
        client_key=KEY,
    )
    resident_edit(
        actor=cast.member,
        resident=resident,
        name="王小明",
        gender="male",
        birth_date=datetime.date(1980, 3, 1),
        client_key=uuid.uuid4(),
    )

    first, second = HouseholdEdit.objects.order_by("id")
    assert first.changes == {"birth_date": ["", "40–49 years"]}
    assert second.changes == {"birth_date": ["40–49 years", "40–49 years"]}
    assert "1980" not in str(first.changes) + str(second.changes)
