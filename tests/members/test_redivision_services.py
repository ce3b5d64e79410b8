"""Proposing, accepting and discarding a split (members.services.redivision)."""

import threading

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from grids.models import Grid
from grids.validation import validate_grid
from incidents.models import Category, Incident
from incidents.permissions import incidents_visible_to
from incidents.services.reporting import incident_report
from members.models import GridAssignment, GridSplitProposal, Household, PatrolLog, Resident
from members.services.redivision import (
    BOTH,
    FIRST,
    NEITHER,
    SECOND,
    split_accept,
    split_discard,
    split_propose,
)
from tests.conftest import NOW, make_member
from tests.members.redivision import overload

pytestmark = pytest.mark.time_machine(NOW, tick=False)


def test_an_overloaded_grid_gets_a_valid_balanced_proposal(overloaded, cast, ladder):
    proposal = split_propose(actor=cast.town_official, grid=overloaded)

    assert proposal.status == GridSplitProposal.Status.PROPOSED
    assert (proposal.first_households, proposal.second_households) == (50, 50)
    assert proposal.unlocated_households == 0
    assert proposal.town_median == 40
    # A1 is taller than wide: an east-west line, the north half numbered first, after the
    # village's highest grid number (A2 is 002).
    assert proposal.axis == GridSplitProposal.Axis.HORIZONTAL
    assert (proposal.first_code, proposal.second_code) == ("331081112001003", "331081112001004")
    assert proposal.first_boundary.centroid.y > proposal.second_boundary.centroid.y
    assert proposal.first_name == "东山一网格 (north)"
    for code, boundary in (
        (proposal.first_code, proposal.first_boundary),
        (proposal.second_code, proposal.second_boundary),
    ):
        half = Grid(
            code=code, name="x", kind=overloaded.kind, village=ladder.v1, boundary=boundary
        )
        validate_grid(half, replacing=overloaded)
    # Nothing changes on the map until someone accepts.
    assert Grid.objects.filter(code__in=[proposal.first_code, proposal.second_code]).count() == 0
    assert Grid.objects.get(pk=overloaded.pk).is_active


def test_proposing_twice_returns_the_open_proposal(overloaded, cast):
    first = split_propose(actor=cast.town_official, grid=overloaded)
    assert split_propose(actor=cast.county_official, grid=overloaded).pk == first.pk
    assert GridSplitProposal.objects.count() == 1


def test_a_grid_below_the_bar_gets_no_proposal(overloaded, cast, ladder):
    with pytest.raises(ValidationError, match="Only an overloaded grid"):
        split_propose(actor=cast.town_official, grid=ladder.a2)
    assert not GridSplitProposal.objects.exists()


@pytest.mark.parametrize("who", ["member", "leader", "resident", "other_official"])
def test_refuses_a_proposal_by_anyone_without_the_grid_in_jurisdiction(overloaded, cast, who):
    with pytest.raises(PermissionDenied):
        split_propose(actor=getattr(cast, who), grid=overloaded)
    assert not GridSplitProposal.objects.exists()


def test_accepting_splits_the_grid_moves_households_and_reassigns_members(
    overloaded, cast, ladder
):
    patrol = PatrolLog.objects.create(
        member=cast.member.grid_member, grid=overloaded, started_at=NOW, ended_at=NOW
    )
    proposal = split_propose(actor=cast.town_official, grid=overloaded)
    member, leader = cast.member.grid_member, cast.leader.grid_member
    extra = make_member("member_extra", overloaded)

    proposal = split_accept(
        actor=cast.town_official,
        proposal=proposal,
        placements={member.pk: FIRST, leader.pk: BOTH, extra.pk: NEITHER},
    )

    north, south = proposal.first_grid, proposal.second_grid
    assert (north.code, south.code) == ("331081112001003", "331081112001004")
    assert north.is_active
    assert south.is_active
    old = Grid.objects.get(pk=overloaded.pk)
    assert not old.is_active  # retired, not deleted: its patrols still point at it
    assert PatrolLog.objects.get(pk=patrol.pk).grid_id == old.pk
    assert Household.objects.filter(grid=old).count() == 0
    assert (north.households, south.households) == (50, 50)
    assert north.population + south.population == Resident.objects.count()
    assert north.population == Resident.objects.filter(household__grid=north).count()
    assert Household.objects.filter(grid=north).count() == 50
    for household in Household.objects.filter(grid=north):
        assert household.location.y >= proposal.cut_at
    open_ = GridAssignment.objects.filter(ends_on__isnull=True)
    assert set(open_.filter(grid=old)) == set()
    assert set(open_.filter(grid=north).values_list("member_id", "is_leader")) == {
        (member.pk, False),
        (leader.pk, True),
    }
    assert set(open_.filter(grid=south).values_list("member_id", "is_leader")) == {
        (leader.pk, True)
    }
    assert not open_.filter(member=extra).exists()
    assert cast.member.has_perm("grids.patrol_grid", north)
    assert not cast.member.has_perm("grids.patrol_grid", old)
    assert proposal.status == GridSplitProposal.Status.ACCEPTED
    assert proposal.decided_by == cast.town_official
    validate_grid(north)
    validate_grid(south)


def test_accepting_needs_a_place_for_every_member(overloaded, cast):
    proposal = split_propose(actor=cast.town_official, grid=overloaded)
    with pytest.raises(ValidationError, match="Choose where each member"):
        split_accept(
            actor=cast.town_official,
            proposal=proposal,
            placements={cast.member.grid_member.pk: SECOND},
        )
    assert Grid.objects.get(pk=overloaded.pk).is_active
    assert GridSplitProposal.objects.get().status == GridSplitProposal.Status.PROPOSED


def test_households_without_a_location_fill_the_smaller_half(ladder, cast):
    grid = overload(ladder, households=100, unlocated=20)
    proposal = split_propose(actor=cast.town_official, grid=grid)
    assert proposal.first_households + proposal.second_households == 80
    assert proposal.unlocated_households == 20
    placements = {cast.member.grid_member.pk: FIRST, cast.leader.grid_member.pk: SECOND}

    proposal = split_accept(actor=cast.town_official, proposal=proposal, placements=placements)

    assert (proposal.first_grid.households, proposal.second_grid.households) == (50, 50)


def test_discarding_leaves_the_grid_and_a_new_proposal_may_follow(overloaded, cast):
    proposal = split_propose(actor=cast.town_official, grid=overloaded)
    split_discard(actor=cast.town_official, proposal=proposal)

    proposal.refresh_from_db()
    assert proposal.status == GridSplitProposal.Status.DISCARDED
    assert proposal.decided_at is not None
    with pytest.raises(ValidationError, match="already been decided"):
        split_accept(actor=cast.town_official, proposal=proposal, placements={})
    assert split_propose(actor=cast.town_official, grid=overloaded).pk != proposal.pk


def test_refuses_accept_and_discard_by_an_official_of_another_town(overloaded, cast):
    proposal = split_propose(actor=cast.town_official, grid=overloaded)
    with pytest.raises(PermissionDenied):
        split_discard(actor=cast.other_official, proposal=proposal)
    with pytest.raises(PermissionDenied):
        split_accept(actor=cast.other_official, proposal=proposal, placements={})
    assert GridSplitProposal.objects.get().status == GridSplitProposal.Status.PROPOSED
    assert Grid.objects.get(pk=overloaded.pk).is_active


def test_a_neighbour_moved_onto_a_half_since_the_proposal_stops_the_accept(
    overloaded, cast, ladder
):
    proposal = split_propose(actor=cast.town_official, grid=overloaded)
    # Meanwhile the neighbour's boundary grows over half of A1 (written around the checks).
    Grid.objects.filter(pk=ladder.a2.pk).update(
        boundary=MultiPolygon(Polygon.from_bbox((121.005, 28.00, 121.02, 28.01)), srid=4326)
    )
    with pytest.raises(ValidationError, match="overlaps grid 东山二网格"):
        split_accept(
            actor=cast.town_official,
            proposal=proposal,
            placements={cast.member.grid_member.pk: FIRST, cast.leader.grid_member.pk: FIRST},
        )
    assert Grid.objects.get(pk=overloaded.pk).is_active
    assert not Grid.objects.filter(code=proposal.first_code).exists()


@pytest.mark.django_db(transaction=True)
def test_two_officials_accepting_at_once_make_one_split(ladder, cast):
    grid = overload(ladder)
    proposal = split_propose(actor=cast.town_official, grid=grid)
    placements = {cast.member.grid_member.pk: FIRST, cast.leader.grid_member.pk: SECOND}
    start = threading.Barrier(2, timeout=30)
    results, refusals, errors = [], [], []

    def accept(actor):
        try:
            start.wait()
            results.append(split_accept(actor=actor, proposal=proposal, placements=placements))
        except ValidationError as refusal:
            refusals.append(refusal.messages)
        except Exception as error:  # noqa: BLE001 - reported to the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=accept, args=(actor,))
        for actor in (cast.town_official, cast.county_official)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert (len(results), len(refusals)) == (1, 1)
    assert Grid.objects.filter(village=ladder.v1, is_active=True).count() == 3  # A2 + halves
    assert Grid.objects.filter(code__startswith="331081112001").count() == 4


def test_a_proposal_cut_from_an_older_boundary_gives_way_and_cannot_be_accepted(
    overloaded, cast, ladder
):
    stale = split_propose(actor=cast.town_official, grid=overloaded)
    # The grid loses a strip on its west side (the admin redraws it).
    Grid.objects.filter(pk=overloaded.pk).update(
        boundary=MultiPolygon(Polygon.from_bbox((121.001, 28.00, 121.01, 28.01)), srid=4326)
    )
    with pytest.raises(ValidationError, match="boundary has changed"):
        split_accept(
            actor=cast.town_official,
            proposal=stale,
            placements={cast.member.grid_member.pk: FIRST, cast.leader.grid_member.pk: FIRST},
        )

    fresh = split_propose(actor=cast.town_official, grid=Grid.objects.get(pk=overloaded.pk))

    assert fresh.pk != stale.pk
    stale.refresh_from_db()
    assert stale.status == GridSplitProposal.Status.DISCARDED


def test_the_old_grids_open_cases_follow_the_half_that_holds_them(overloaded, cast, ladder):
    """Closed cases keep the retired grid (their history); open and suspended ones move to
    the half that covers their place, so that the new grids' members see and check them."""
    proposal = split_propose(actor=cast.town_official, grid=overloaded)
    garbage = Category.objects.get(code="garbage")

    def report(location=None):
        return incident_report(
            actor=cast.member,
            category=garbage,
            title="垃圾堆放",
            description="网格调整前上报",
            source=Incident.Source.PATROL,
            location=location,
            grid=overloaded,
        )

    north = report(proposal.first_boundary.point_on_surface)
    south = report(proposal.second_boundary.point_on_surface)
    suspended = report(proposal.second_boundary.point_on_surface)
    Incident.objects.filter(pk=suspended.pk).update(
        status=Incident.Status.SUSPENDED,
        suspended_from=Incident.Status.ACCEPTED,
        review_on=NOW.date(),
        deadline=None,
    )
    closed = report(proposal.second_boundary.point_on_surface)
    Incident.objects.filter(pk=closed.pk).update(status=Incident.Status.CLOSED)
    nowhere = report()
    elsewhere = report(proposal.first_boundary.point_on_surface)
    Incident.objects.filter(pk=elsewhere.pk).update(
        grid=ladder.a2, location=ladder.a2.boundary.point_on_surface
    )
    member, leader = cast.member.grid_member, cast.leader.grid_member

    proposal = split_accept(
        actor=cast.town_official,
        proposal=proposal,
        placements={member.pk: FIRST, leader.pk: SECOND},
    )

    grids = dict(Incident.objects.values_list("pk", "grid_id"))
    first, second = proposal.first_grid_id, proposal.second_grid_id
    assert grids == {
        north.pk: first,
        south.pk: second,
        suspended.pk: second,
        closed.pk: overloaded.pk,
        nowhere.pk: first,
        elsewhere.pk: ladder.a2.pk,
    }
    visible = set(incidents_visible_to(cast.member).values_list("pk", flat=True))
    assert {north.pk, nowhere.pk} <= visible
