import pytest

from core.roles import Role
from incidents.models import Category, Incident, IncidentEvent
from incidents.services.catalogue import department_save
from incidents.services.reporting import incident_report
from tests.conftest import make_user
from tests.incidents import fake_hotline as fake


@pytest.fixture
def category(db):
    return Category.objects.get(code="garbage")


@pytest.fixture
def department(ladder):
    return department_save(code="urban-management", name="综合行政执法队", region=ladder.town)


@pytest.fixture
def handler(department):
    user = make_user("handler_um", "department_handler", department.region)
    user.groups.add(department.handlers)
    return user


@pytest.fixture
def report(cast, category, ladder):
    """A function that files a case in grid A1 as its grid member."""

    def _report(**overrides) -> Incident:
        values = {
            "actor": cast.member,
            "category": category,
            "title": "垃圾堆放",
            "description": "村口垃圾堆放三天无人清理",
            "source": Incident.Source.PATROL,
            "grid": ladder.a1,
        }
        values.update(overrides)
        return incident_report(**values)

    return _report


def events_of(incident: Incident) -> list[str]:
    return list(
        IncidentEvent.objects.filter(incident=incident)
        .order_by("id")
        .values_list("action", flat=True)
    )


@pytest.fixture
def fake_hotline(settings):
    """The hotline's callback endpoint, served in the test process (fake_hotline.py)."""
    server = fake.serve(settings)
    yield server
    fake.stop(server)


@pytest.fixture
def operator(ladder):
    """A hotline operator account of the county (the hotline's system uses one too)."""
    return make_user("hotline_12345", Role.HOTLINE_OPERATOR, ladder.county)
