"""``manage.py seed_demo`` options for larger synthetic data, on PostGIS."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from grids.models import Grid, Region
from grids.validation import metric_area
from members.models import (
    GridAssignment,
    GridMember,
    GridSplitProposal,
    Household,
    Resident,
    User,
)


def _seed(**options) -> str:
    output = StringIO()
    call_command("seed_demo", verbosity=0, stdout=output, **options)
    return output.getvalue()


def _overlapping_active_grids() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.code, b.code FROM grids_grid a
            JOIN grids_grid b ON a.id < b.id AND ST_Intersects(a.boundary, b.boundary)
            WHERE a.is_active AND b.is_active
              AND ST_Area(ST_Intersection(a.boundary, b.boundary)::geography) > 10
            """
        )
        return cursor.fetchall()


def test_seeds_more_towns_grids_and_residents(db):
    _seed(towns=3, grids_per_town=11, households_per_grid=4, residents_per_household=3.0)

    towns = Region.objects.filter(level=Region.Level.TOWN).order_by("code")
    assert [(t.code, t.name) for t in towns] == [
        ("331081112", "石塘镇"),
        ("331081113", "箬横镇"),
        ("331081114", "松门镇"),
    ]
    assert Region.objects.filter(level=Region.Level.VILLAGE).count() == 24
    for town in towns:
        assert Grid.objects.within(town).count() == 11
    assert GridMember.objects.count() == 33 + 17
    assert GridAssignment.objects.filter(is_leader=True).count() == 33
    # S Town's second grid is overloaded: twice as many households as the others.
    assert Household.objects.count() == 33 * 4 + 4
    assert Resident.objects.count() == 33 * 12 + 12
    overloaded = Grid.objects.get(households=8)
    assert overloaded == Grid.objects.within(towns[0]).order_by("code")[1]
    assert GridSplitProposal.objects.get().grid == overloaded
    assert _overlapping_active_grids() == []
    assert not any(a.boundary.intersects(b.boundary) for a in towns for b in towns if a != b)


def test_another_layout_retires_the_grids_it_moves(db):
    _seed(grids_per_town=12, households_per_grid=2)

    _seed(grids_per_town=16, households_per_grid=2)

    assert Grid.objects.filter(is_active=True).count() == 3 * 16  # the default county
    assert _overlapping_active_grids() == []
    # One open proposal on a grid in use, cut from that grid's boundary of today.
    proposal = GridSplitProposal.objects.get(status="proposed", grid__is_active=True)
    halves = proposal.first_boundary.union(proposal.second_boundary)
    assert metric_area(halves.sym_difference(proposal.grid.boundary)) < 1
    assert User.objects.filter(username="demo_leader").count() == 1


def test_refuses_a_weak_password_and_writes_nothing(db):
    with pytest.raises(CommandError):
        _seed(password="demo")

    assert not Region.objects.exists()
    assert not User.objects.exists()


def test_refuses_households_beyond_the_four_digit_code(db):
    with pytest.raises(CommandError, match="households-per-grid"):
        _seed(households_per_grid=10000)

    assert not Region.objects.exists()
