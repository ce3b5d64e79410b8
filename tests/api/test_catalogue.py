"""/api/categories/ and /api/departments/."""

import pytest

from incidents.services.catalogue import department_save

pytestmark = pytest.mark.django_db


def test_any_signed_in_user_lists_the_active_categories(api, cast):
    response = api(cast.resident).get("/api/categories/")

    assert response.status_code == 200
    assert "garbage" in {row["code"] for row in response.json()}


def test_anonymous_callers_are_refused(api):
    assert api(None).get("/api/categories/").status_code == 401


def test_departments_for_staff_only(api, cast, department):
    staff = api(cast.town_official).get("/api/departments/")
    resident = api(cast.resident).get("/api/departments/")

    assert [row["code"] for row in staff.json()["results"]] == ["urban-management"]
    assert resident.status_code == 403


def test_departments_of_the_own_town_and_above_only(api, cast, ladder, department):
    theirs = department_save(code="um-r", name="他镇执法队", region=ladder.other_town)
    county = department_save(code="police", name="市公安局", region=ladder.county)

    def codes(user):
        return {row["code"] for row in api(user).get("/api/departments/").json()["results"]}

    assert codes(cast.town_official) == {"urban-management", "police"}
    assert codes(cast.member) == {"urban-management", "police"}
    assert codes(cast.other_official) == {theirs.code, county.code}
    assert codes(cast.admin) == {"urban-management", theirs.code, county.code}
    detail = api(cast.town_official).get(f"/api/departments/{theirs.pk}/")
    assert detail.status_code == 404
