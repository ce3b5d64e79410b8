"""The admin scoped like the pages: the catalogue that governs every town is changed by
platform administrators only; a town's departments and dispatch rules by its own officials,
whose lists, change pages and choices hold their own town only."""

import pytest
from django.forms.models import model_to_dict

from incidents.models import Category, Department, DispatchRule, EscalationLimit, ReasonCode
from incidents.services.catalogue import department_save

pytestmark = pytest.mark.django_db


def staff(client, user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    return client


@pytest.fixture
def departments(ladder):
    ours = department_save(code="um", name="本镇执法队", region=ladder.town)
    theirs = department_save(code="um", name="他镇执法队", region=ladder.other_town)
    return ours, theirs


@pytest.mark.parametrize("who", ["town_official", "county_official"])
@pytest.mark.parametrize(
    ("model", "row"),
    [
        ("category", lambda: Category.objects.get(code="garbage")),
        ("escalationlimit", lambda: EscalationLimit.objects.first()),
        ("reasoncode", lambda: ReasonCode.objects.first()),
    ],
)
def test_officials_cannot_change_the_catalogue_of_every_town(client, cast, who, model, row):
    client = staff(client, getattr(cast, who))
    obj = row()

    added = client.get(f"/admin/incidents/{model}/add/")
    changed = client.post(f"/admin/incidents/{model}/{obj.pk}/change/", {"name": "改了"})

    assert added.status_code == 403
    assert changed.status_code == 403
    assert model_to_dict(type(obj).objects.get(pk=obj.pk)) == model_to_dict(obj)


def test_a_platform_administrator_changes_a_category(client, cast):
    client = staff(client, cast.admin)
    category = Category.objects.get(code="garbage")

    page = client.get(f"/admin/incidents/category/{category.pk}/change/")

    assert page.status_code == 200
    assert 'name="publication"' in page.text


def test_a_town_official_lists_and_opens_the_departments_of_the_own_town_only(
    client, cast, departments
):
    ours, theirs = departments
    client = staff(client, cast.town_official)

    listing = client.get("/admin/incidents/department/")
    other = client.get(f"/admin/incidents/department/{theirs.pk}/change/")
    edit = client.post(
        f"/admin/incidents/department/{theirs.pk}/change/", {"name": "改了", "is_active": "on"}
    )

    assert f"/admin/incidents/department/{ours.pk}/change/" in listing.text
    assert f"/admin/incidents/department/{theirs.pk}/change/" not in listing.text
    assert other.status_code == edit.status_code == 302  # outside the queryset
    assert Department.objects.get(pk=theirs.pk).name == "他镇执法队"


def test_a_town_official_cannot_add_a_department_in_another_town(client, cast, ladder):
    client = staff(client, cast.town_official)

    response = client.post(
        "/admin/incidents/department/add/",
        {"code": "x", "name": "他镇新部门", "region": ladder.other_town.pk, "is_active": "on"},
    )

    assert response.status_code == 200  # the form again, with the region refused
    assert "region" in response.context["adminform"].form.errors
    assert not Department.objects.filter(code="x").exists()


def test_a_county_official_reads_but_does_not_change_a_town_department(client, cast, departments):
    ours, _theirs = departments
    client = staff(client, cast.county_official)

    page = client.get(f"/admin/incidents/department/{ours.pk}/change/")
    client.post(
        f"/admin/incidents/department/{ours.pk}/change/", {"name": "改了", "is_active": "on"}
    )

    assert page.status_code == 200
    assert 'name="name"' not in page.text
    assert Department.objects.get(pk=ours.pk).name == "本镇执法队"


def test_a_dispatch_rule_offers_and_accepts_the_own_town_departments_only(
    client, cast, ladder, departments
):
    ours, theirs = departments
    client = staff(client, cast.town_official)
    garbage = Category.objects.get(code="garbage")
    body = {"town": ladder.town.pk, "priority": 10, "category": garbage.pk, "is_active": "on"}

    page = client.get("/admin/incidents/dispatchrule/add/")
    refused = client.post("/admin/incidents/dispatchrule/add/", {**body, "department": theirs.pk})
    saved = client.post("/admin/incidents/dispatchrule/add/", {**body, "department": ours.pk})

    assert "他镇执法队" not in page.text
    assert refused.status_code == 200
    assert "department" in refused.context["adminform"].form.errors
    assert saved.status_code == 302
    assert DispatchRule.objects.get().department == ours
