import pytest

from incidents.models import CalendarYear, Department
from tests.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_admin(cast):
    cast.admin.is_staff = True
    cast.admin.save(update_fields=["is_staff"])
    return cast.admin


@pytest.mark.time_machine(NOW, tick=False)
def test_the_calendar_pages_warn_of_a_year_nobody_entered(client, staff_admin):
    client.force_login(staff_admin)

    response = client.get("/admin/incidents/calendarday/", HTTP_ACCEPT_LANGUAGE="en")

    assert "No official working calendar has been entered for 2027" in response.text


@pytest.mark.time_machine(NOW, tick=False)
def test_the_warning_goes_once_the_year_is_entered(client, staff_admin):
    CalendarYear.objects.create(year=2027, source="国办发明电〔2026〕")
    client.force_login(staff_admin)

    response = client.get("/admin/incidents/calendarday/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "No official working calendar" not in response.text


def test_cases_are_shown_masked_and_not_editable_in_the_admin(client, staff_admin, report):
    case = report(
        actor=None, source="resident", reporter_name="李女士", reporter_phone="13900001234"
    )
    client.force_login(staff_admin)

    page = client.get(f"/admin/incidents/incident/{case.pk}/change/")
    client.post(f"/admin/incidents/incident/{case.pk}/change/", {"status": "closed"})

    assert page.status_code == 200
    assert "139****1234" in page.text
    assert "13900001234" not in page.text
    case.refresh_from_db()
    assert case.status == "reported"


def test_a_department_added_in_the_admin_gets_its_handler_group(client, staff_admin, ladder):
    client.force_login(staff_admin)

    response = client.post(
        "/admin/incidents/department/add/",
        {
            "code": "market-supervision",
            "name": "市场监管所",
            "region": ladder.town.pk,
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    department = Department.objects.get()
    assert department.handlers.name == "dept:331081112:market-supervision"


@pytest.mark.time_machine(NOW, tick=False)
def test_officials_pages_warn_of_the_missing_calendar_but_residents_do_not(client, cast):
    client.force_login(cast.town_official)
    official_page = client.get("/grids/map/", HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(cast.resident)
    resident_page = client.get("/", HTTP_ACCEPT_LANGUAGE="en")

    assert "No official working calendar has been entered for 2027" in official_page.text
    assert "No official working calendar" not in resident_page.text
