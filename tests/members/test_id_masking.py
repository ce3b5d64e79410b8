"""A masked ID number cannot be rebuilt from what a role that may not reveal it sees: the
mask, the gender, the age band and the grid (hence the county code) leave more than
10,000 numbers; the birth date never appears in the API or the admin."""

import datetime
import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from members import personal_data
from members.services import resident_save
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.time_machine(NOW, tick=False)

ID_NUMBER = "331081198507150019"
BIRTH_DATE = datetime.date(1985, 7, 15)
COUNTY = "331081"  # the grid's county: known to anyone who sees the grid
LEAST_CANDIDATES = 10_000


@pytest.fixture
def resident(cast):
    return resident_save(
        household=cast.resident_record.household,
        name="陈大海",
        gender="male",
        birth_date=BIRTH_DATE,
        id_number=ID_NUMBER,
        phone="13912345678",
    )


def _birth_dates(band: str) -> list[datetime.date]:
    """Every day on which someone of that age band today may have been born."""
    low, high = (int(n) for n in re.findall(r"\d+", band))
    first = TODAY.replace(year=TODAY.year - high - 1) + datetime.timedelta(days=1)
    last = TODAY.replace(year=TODAY.year - low)
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def _candidates(masked: str, gender: str, dates: list[datetime.date], stop_after: int) -> int:
    """The numbers that fit every shown digit, the county, the gender (the parity of digit
    17), the possible birth dates and the check digit; counting stops past ``stop_after``."""
    shown = {i: c for i, c in enumerate(masked) if c != "*"}
    odd = gender == "male"
    count = 0
    for day in dates:
        for sequence in range(1000):
            if (sequence % 2 == 1) != odd:
                continue
            first17 = f"{COUNTY}{day:%Y%m%d}{sequence:03d}"
            number = first17 + personal_data.id_number_check_char(first17)
            if all(number[i] == c for i, c in shown.items()):
                count += 1
                if count > stop_after:
                    return count
    return count


def test_the_mask_and_every_field_a_grid_member_sees_leave_over_10000_numbers(cast, resident):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(cast.member)

    response = api.get("/api/residents/", {"household": resident.household_id})

    row = next(r for r in response.json()["results"] if r["id"] == resident.pk)
    text = response.content.decode()
    assert "birth_date" not in row
    assert BIRTH_DATE.isoformat() not in text
    assert f"{BIRTH_DATE:%Y%m%d}" not in text
    assert row["age_band"] == "40–49 years"
    candidates = _candidates(
        row["id_number_masked"], row["gender"], _birth_dates(row["age_band"]), LEAST_CANDIDATES
    )
    assert candidates > LEAST_CANDIDATES


def test_the_former_mask_beside_the_birth_date_left_one_number():
    """The counter finds what the finding said: digits 1-4 and 15-18 shown, and the birth
    date in clear beside them."""
    former_mask = f"{ID_NUMBER[:4]}{'*' * 10}{ID_NUMBER[-4:]}"

    assert _candidates(former_mask, "male", [BIRTH_DATE], LEAST_CANDIDATES) == 1


def test_the_admin_shows_an_age_band_never_the_birth_date(client, cast, resident):
    cast.member.is_staff = True
    cast.member.save(update_fields=["is_staff"])
    client.force_login(cast.member)

    response = client.get(
        reverse("admin:members_resident_change", args=[resident.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "1985" not in page
    assert "40–49 years" in page
    assert "3310**************" in page


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话13812020330", "电话138****0330"),
        ("电话138-1202-0330", "电话138****0330"),
        ("电话138 1202 0330。", "电话138****0330。"),
        ("电话138.1202.0330", "电话138****0330"),
        ("+86 138 1202 0330", "+86 138****0330"),
        ("+86-13812020330", "+86-138****0330"),
        ("+8613812020330", "+86138****0330"),
        ("身份证331081198507150019", "身份证3310**************"),
        ("身份证 331081 19850715 0019", "身份证 3310**************"),
        ("订单号12345678901234567890", "订单号12345678901234567890"),
    ],
)
def test_masks_numbers_written_with_separators(text, masked):
    assert personal_data.mask_text(text) == masked
