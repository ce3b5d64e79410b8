"""Automatic dispatch after acceptance: precedence of the rules, and the official's
override."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from incidents.models import Category, DispatchRule, Incident, IncidentEvent
from incidents.services import transitions as t
from incidents.services.catalogue import department_save
from incidents.services.dispatch_rules import (
    dispatch_rule_for,
    incident_accept_and_dispatch,
    incident_dispatch_auto,
)
from incidents.services.errors import IncidentActionRefused
from tests.incidents.conftest import events_of

S = Incident.Status


@pytest.fixture
def departments(ladder):
    def make(code):
        return department_save(code=code, name=code, region=ladder.town)

    return {code: make(code) for code in ("environment", "urban", "village-works", "roads")}


def rule(ladder, *, priority=100, category=None, group=None, department=None, user=None, **more):
    return DispatchRule.objects.create(
        town=ladder.town,
        priority=priority,
        category=category,
        category_group=None if category else group,
        department=department,
        user=user,
        **more,
    )


@pytest.fixture
def garbage():
    return Category.objects.get(code="garbage")


def test_the_lowest_priority_number_wins(ladder, report, garbage, departments):
    rule(ladder, priority=20, category=garbage, department=departments["urban"])
    first = rule(ladder, priority=10, group=garbage.group, department=departments["environment"])

    assert dispatch_rule_for(report()) == first


def test_at_equal_priority_the_more_specific_rule_wins(ladder, report, garbage, departments):
    rule(ladder, group=garbage.group, department=departments["environment"])
    rule(ladder, category=garbage, department=departments["urban"])
    in_village = rule(
        ladder, group=garbage.group, village=ladder.v1, department=departments["roads"]
    )
    in_grid = rule(
        ladder, group=garbage.group, grid=ladder.a1, department=departments["village-works"]
    )

    assert dispatch_rule_for(report()) == in_grid
    in_grid.is_active = False
    in_grid.save()
    assert dispatch_rule_for(report()) == in_village


def test_rules_of_another_town_category_or_place_do_not_apply(
    ladder, report, garbage, departments
):
    other = department_save(code="env", name="env", region=ladder.other_town)
    DispatchRule.objects.create(town=ladder.other_town, category=garbage, department=other)
    rule(ladder, category=Category.objects.get(code="gas-hazard"), department=departments["urban"])
    rule(ladder, category=garbage, grid=ladder.a2, department=departments["urban"])

    assert dispatch_rule_for(report()) is None


def test_a_rule_whose_department_is_inactive_gives_way(ladder, report, garbage, departments):
    closed_down = departments["urban"]
    closed_down.is_active = False
    closed_down.save()
    rule(ladder, priority=1, category=garbage, department=closed_down)
    fallback = rule(ladder, priority=2, group=garbage.group, department=departments["roads"])

    assert dispatch_rule_for(report()) == fallback


def test_acceptance_dispatches_by_the_rule_and_records_it(
    ladder, report, garbage, departments, cast
):
    chosen = rule(ladder, category=garbage, department=departments["environment"])

    incident = incident_accept_and_dispatch(actor=cast.town_official, incident=report())

    incident.refresh_from_db()
    assert (incident.status, incident.assignee_department, incident.dispatch_rule) == (
        S.DISPATCHED,
        departments["environment"],
        chosen,
    )
    assert events_of(incident) == ["report", "accept", "auto_dispatch"]
    event = IncidentEvent.objects.get(incident=incident, action="auto_dispatch")
    assert (event.dispatch_rule, event.department, event.actor) == (
        chosen,
        departments["environment"],
        cast.town_official,
    )


def test_a_rule_may_send_the_case_to_a_village_person(ladder, report, garbage, cast):
    rule(ladder, category=garbage, user=cast.village_staff)

    incident = incident_accept_and_dispatch(actor=cast.town_official, incident=report())

    assert incident.assignee_user == cast.village_staff
    assert cast.village_staff.has_perm("incidents.handle_incident", incident)


def test_without_a_rule_the_case_waits_for_dispatch(report, cast):
    incident = incident_accept_and_dispatch(actor=cast.town_official, incident=report())

    assert Incident.objects.get(pk=incident.pk).status == S.ACCEPTED
    assert events_of(incident) == ["report", "accept"]


def test_an_official_overrides_an_automatic_dispatch(ladder, report, garbage, departments, cast):
    rule(ladder, category=garbage, department=departments["environment"])
    handler = departments["environment"].handlers.user_set.create(username="env_handler")
    incident = incident_accept_and_dispatch(actor=cast.town_official, incident=report())

    t.incident_dispatch(
        actor=cast.town_official, incident=incident, department=departments["roads"]
    )

    incident.refresh_from_db()
    assert (incident.assignee_department, incident.dispatch_rule) == (departments["roads"], None)
    assert events_of(incident)[-2:] == ["auto_dispatch", "dispatch"]
    assert not handler.has_perm("incidents.handle_incident", incident)


def test_automatic_dispatch_needs_a_manager_and_an_accepted_case(
    ladder, report, garbage, departments, cast
):
    rule(ladder, category=garbage, department=departments["environment"])
    reported = report()
    accepted = t.incident_accept(actor=cast.town_official, incident=report())

    with pytest.raises(IncidentActionRefused):
        incident_dispatch_auto(actor=cast.town_official, incident=reported)
    with pytest.raises(PermissionDenied):
        incident_dispatch_auto(actor=cast.member, incident=accepted)
    with pytest.raises(PermissionDenied):
        incident_accept_and_dispatch(actor=cast.other_official, incident=reported)

    assert events_of(reported) == ["report"]
    assert events_of(accepted) == ["report", "accept"]


def test_a_rule_must_stay_inside_its_town(ladder, garbage, departments):
    misplaced = DispatchRule(
        town=ladder.town, category=garbage, grid=ladder.b1, department=departments["urban"]
    )

    with pytest.raises(ValidationError) as error:
        misplaced.full_clean()

    assert "grid" in error.value.message_dict
