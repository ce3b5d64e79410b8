"""/api/categories/ and /api/departments/."""

import pytest

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
