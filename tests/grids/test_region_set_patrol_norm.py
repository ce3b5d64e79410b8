import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from grids.models import Region
from grids.services import region_set_patrol_norm


def test_a_town_sets_and_clears_its_daily_patrol_norm(ladder):
    region_set_patrol_norm(region=ladder.town, minutes=45)
    assert Region.objects.get(pk=ladder.town.pk).patrol_norm_minutes == 45

    region_set_patrol_norm(region=ladder.town, minutes=None)
    assert Region.objects.get(pk=ladder.town.pk).patrol_norm_minutes is None


@pytest.mark.parametrize("minutes", [0, 601])
def test_refuses_a_norm_outside_a_day_of_work(ladder, minutes):
    with pytest.raises(ValidationError) as error:
        region_set_patrol_norm(region=ladder.town, minutes=minutes)

    assert "patrol_norm_minutes" in error.value.message_dict
    assert Region.objects.get(pk=ladder.town.pk).patrol_norm_minutes is None


def test_refuses_a_norm_for_a_county(ladder):
    with pytest.raises(ValidationError):
        region_set_patrol_norm(region=ladder.county, minutes=30)

    assert Region.objects.get(pk=ladder.county.pk).patrol_norm_minutes is None


def test_the_admin_form_saves_the_norm(client, cast, ladder):
    cast.admin.is_staff = True
    cast.admin.save(update_fields=["is_staff"])
    client.force_login(cast.admin)
    data = {
        "name": "石塘镇",
        "level": Region.Level.TOWN,
        "parent": ladder.county.pk,
        "boundary": "",
        "patrol_norm_minutes": "40",
        "_save": "Save",
    }

    response = client.post(reverse("admin:grids_region_change", args=[ladder.town.pk]), data)

    assert response.status_code == 302
    assert Region.objects.get(pk=ladder.town.pk).patrol_norm_minutes == 40
