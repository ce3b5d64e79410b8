"""Reason codes and dispatch rules are data a town edits in the admin, within its reach."""

import pytest

from incidents.models import Category, DispatchRule, ReasonCode
from incidents.services.catalogue import department_save

pytestmark = pytest.mark.django_db


def staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def test_the_starter_reasons_cover_every_kind():
    kinds = set(ReasonCode.objects.filter(is_active=True).values_list("kind", flat=True))

    assert kinds == set(ReasonCode.Kind.values)


def test_a_platform_administrator_edits_reason_codes(client, cast):
    client.force_login(staff(cast.admin))
    reason = ReasonCode.objects.get(kind="return", code="not-competent")

    listing = client.get("/admin/incidents/reasoncode/")
    response = client.post(
        "/admin/incidents/reasoncode/add/",
        {
            "kind": "return",
            "code": "needs-survey",
            "name": "需现场勘测",
            "order": 50,
            "is_active": "on",
        },
    )

    assert listing.status_code == 200
    assert reason.name in listing.text
    assert response.status_code == 302
    assert ReasonCode.objects.get(code="needs-survey").kind == "return"


def test_each_official_sees_the_dispatch_rules_of_their_town_only(client, cast, ladder):
    garbage = Category.objects.get(code="garbage")
    ours = DispatchRule.objects.create(
        town=ladder.town,
        category=garbage,
        department=department_save(code="um", name="本镇执法队", region=ladder.town),
    )
    theirs = DispatchRule.objects.create(
        town=ladder.other_town,
        category=garbage,
        department=department_save(code="um", name="他镇执法队", region=ladder.other_town),
    )
    client.force_login(staff(cast.town_official))

    listing = client.get("/admin/incidents/dispatchrule/")
    other = client.get(f"/admin/incidents/dispatchrule/{theirs.pk}/change/")

    assert f"/admin/incidents/dispatchrule/{ours.pk}/change/" in listing.text
    assert f"/admin/incidents/dispatchrule/{theirs.pk}/change/" not in listing.text
    assert other.status_code == 302  # the admin's answer to an object outside the queryset


def test_a_grid_member_cannot_edit_rules(client, cast):
    client.force_login(staff(cast.member))

    response = client.get("/admin/incidents/dispatchrule/add/")

    assert response.status_code == 403
