import pytest
from django.core.exceptions import ValidationError

from members import personal_data
from members.models import Resident
from members.services import resident_save
from tests.factories import HouseholdFactory

ID_NUMBER = "331081198001010019"


@pytest.fixture
def household(ladder):
    return HouseholdFactory(grid=ladder.a1)


def test_stores_id_number_and_phone_encrypted_hashed_and_masked(household):
    resident = resident_save(
        household=household,
        name="林一",
        gender="female",
        id_number=ID_NUMBER,
        phone="13812345678",
    )

    row = Resident.objects.get(pk=resident.pk)
    assert ID_NUMBER not in row.id_number_encrypted
    assert personal_data.decrypt(row.id_number_encrypted) == ID_NUMBER
    assert row.id_number_hash == personal_data.lookup_hash(ID_NUMBER)
    assert row.id_number_masked == "3310**************"
    assert personal_data.decrypt(row.phone_encrypted) == "13812345678"
    assert row.phone_masked == "138****5678"


def test_the_lookup_hash_depends_on_the_key(settings):
    first = personal_data.lookup_hash(ID_NUMBER)
    settings.PERSONAL_DATA_KEY = "another key"

    assert personal_data.lookup_hash(ID_NUMBER) != first


def test_a_lowercase_x_is_the_same_id_number(household):
    resident = resident_save(
        household=household, name="林二", gender="male", id_number="11010519491231002x"
    )

    assert resident.id_number_masked == "1101**************"


@pytest.mark.parametrize(
    ("id_number", "message"),
    [
        ("331081198001010018", "This ID number's check digit is wrong; please check it."),
        ("3310811980010100", "An ID number has 17 digits and a final digit or X."),
        ("33108119800101001Y", "An ID number has 17 digits and a final digit or X."),
    ],
)
def test_refuses_a_bad_id_number_and_saves_nothing(household, id_number, message):
    with pytest.raises(ValidationError) as error:
        resident_save(household=household, name="林三", gender="male", id_number=id_number)

    assert error.value.message_dict == {"id_number": [message]}
    assert not Resident.objects.exists()


def test_refuses_a_bad_phone_and_saves_nothing(household):
    with pytest.raises(ValidationError) as error:
        resident_save(household=household, name="林三", gender="male", phone="12345")

    assert error.value.message_dict == {
        "phone": ["Enter an 11-digit mobile number or a landline with area code."]
    }
    assert not Resident.objects.exists()


def test_refuses_an_id_number_registered_to_someone_else(household):
    resident_save(household=household, name="林一", gender="male", id_number=ID_NUMBER)

    with pytest.raises(ValidationError) as error:
        resident_save(household=household, name="林一一", gender="male", id_number=ID_NUMBER)

    assert error.value.message_dict == {
        "id_number": [f"This ID number is already registered (household {household.code})."]
    }
    assert Resident.objects.get().name == "林一"


def test_updating_a_resident_keeps_their_own_id_number(household):
    resident = resident_save(household=household, name="林一", gender="male", id_number=ID_NUMBER)

    resident_save(
        resident=resident, household=household, name="林壹", gender="male", id_number=ID_NUMBER
    )

    assert Resident.objects.get().name == "林壹"


def test_residents_without_id_numbers_do_not_collide(household):
    resident_save(household=household, name="甲", gender="male")
    resident_save(household=household, name="乙", gender="female")

    assert Resident.objects.filter(id_number_hash__isnull=True).count() == 2
