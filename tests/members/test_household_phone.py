"""A grid member calls a household of their own grid: the phone revealed with a reason,
logged like an ID reveal, as a tel: link; never for another grid, never an ID number."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from members.models import PersonalDataAccess
from members.services import resident_reveal


def reveal(client, resident, reason="入户走访前联系"):
    url = reverse("members:household_phone", args=[resident.household_id])
    return client.post(url, {"resident": resident.pk, "reason": reason})


def test_the_member_of_the_grid_reveals_the_phone_to_call(client, cast):
    resident = cast.resident_record
    client.force_login(cast.member)

    response = reveal(client, resident)

    assert response.status_code == 200
    assert 'href="tel:13812345678"' in response.content.decode()
    access = PersonalDataAccess.objects.get()
    assert (access.actor, access.resident, access.field) == (cast.member, resident, "phone")


def test_the_household_page_shows_the_phone_masked_with_the_reveal(client, cast):
    client.force_login(cast.member)

    url = reverse("members:household", args=[cast.resident_record.household_id])
    page = client.get(url).content.decode()

    assert "138****5678" in page
    assert "13812345678" not in page
    assert reverse("members:household_phone", args=[cast.resident_record.household_id]) in page


def test_a_reason_is_required(client, cast):
    client.force_login(cast.member)

    response = reveal(client, cast.resident_record, reason="")

    assert response.status_code == 400
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("other_member", 404), ("town_official", 403)])
def test_others_cannot_use_the_members_reveal(client, cast, who, status):
    client.force_login(getattr(cast, who))

    assert reveal(client, cast.resident_record).status_code == status
    assert not PersonalDataAccess.objects.exists()


def test_a_member_still_cannot_reveal_an_id_number(cast):
    with pytest.raises(PermissionDenied):
        resident_reveal(
            actor=cast.member, resident=cast.resident_record, field="id_number", reason="x"
        )
    assert not PersonalDataAccess.objects.exists()
