import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from incidents.models import Incident
from incidents.permissions import incident_get_for_user, incidents_visible_to
from incidents.services.transitions import incident_accept, incident_dispatch

SEES = {
    "anonymous": set(),
    "resident": {"A1 by resident"},
    "member": {"A1 by member", "A1 by resident"},
    "other_member": {"A2"},
    "leader": {"A1 by member", "A1 by resident"},
    "village_staff": {"A1 by member", "A1 by resident", "A2"},
    "town_official": {"A1 by member", "A1 by resident", "A2"},
    "other_official": {"B1"},
    "county_official": {"A1 by member", "A1 by resident", "A2", "B1"},
    "admin": {"A1 by member", "A1 by resident", "A2", "B1"},
    "handler": {"A2"},
}


@pytest.fixture
def cases(report, cast, ladder, department, handler):
    report(title="A1 by member")
    report(title="A1 by resident", actor=cast.resident, source=Incident.Source.RESIDENT)
    shared = report(title="A2", actor=cast.other_member, grid=ladder.a2)
    report(title="B1", actor=cast.other_official, grid=ladder.b1)
    incident_accept(actor=cast.town_official, incident=shared)
    incident_dispatch(actor=cast.town_official, incident=shared, department=department)
    return {"handler": handler}


@pytest.mark.parametrize(("name", "titles"), SEES.items())
def test_each_user_sees_the_cases_of_their_scope(cases, cast, name, titles):
    user = cases.get(name) or getattr(cast, name, None) or AnonymousUser()

    assert set(incidents_visible_to(user).values_list("title", flat=True)) == titles


def test_a_case_out_of_scope_answers_404_like_a_missing_one(cases, cast):
    b1 = Incident.objects.get(title="B1")

    with pytest.raises(Http404):
        incident_get_for_user(cast.town_official, b1.pk)
    with pytest.raises(Http404):
        incident_get_for_user(cast.town_official, 10**9)


def test_scoping_is_one_query(cases, cast, django_assert_num_queries):
    user = cast.town_official
    user._role_cache = frozenset({"town_official"})

    with django_assert_num_queries(1):
        list(incidents_visible_to(user))
