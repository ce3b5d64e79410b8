"""The advisor's rule and geometry: who is overloaded, where the line goes, which codes
the halves get, and that the halves pass the grid checks (grids/validation.py)."""

import random

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.exceptions import ValidationError

from grids.models import Grid
from grids.splitting import HORIZONTAL, VERTICAL, next_grid_codes, split_grid
from grids.validation import metric_area, validate_grid
from members.redivision import is_overloaded, median_households, town_median_households
from tests.factories import box


def test_a_grid_is_overloaded_at_one_and_a_half_times_the_median():
    median = median_households([40, 40, 50, 60, 200])
    assert median == 50
    assert is_overloaded(75, median)
    assert not is_overloaded(74, median)
    assert not is_overloaded(10, 0.0)


def test_the_median_counts_the_active_grids_of_the_town_only(overloaded, ladder):
    # A1 100, A2 40, A3 40 in S Town; B1 (another town) is not counted.
    assert town_median_households(overloaded) == 40


def test_a_wide_grid_is_cut_north_south_with_the_households_balanced():
    boundary = box(121.00, 28.00, 121.04, 28.01)
    rng = random.Random(1)  # noqa: S311 - test data
    # Most households crowd into the west: the line moves west of the middle.
    points = [(rng.uniform(121.00, 121.01), rng.uniform(28.0, 28.01)) for _ in range(60)]
    points += [(rng.uniform(121.01, 121.04), rng.uniform(28.0, 28.01)) for _ in range(20)]

    split = split_grid(boundary, points)

    assert split.axis == VERTICAL
    assert (split.first_points, split.second_points) == (40, 40)
    assert 121.00 < split.cut_at < 121.01
    assert split.first.extent[0] == pytest.approx(121.00)  # the first half is the west
    assert split.first.area + split.second.area == pytest.approx(boundary.area)
    assert metric_area(split.first.intersection(split.second)) == pytest.approx(0, abs=1e-6)


def test_a_tall_grid_is_cut_east_west_and_the_north_comes_first():
    boundary = box(121.00, 28.00, 121.01, 28.04)
    points = [(121.005, 28.001 + 0.001 * n) for n in range(30)]

    split = split_grid(boundary, points)

    assert split.axis == HORIZONTAL
    assert (split.first_points, split.second_points) == (15, 15)
    assert split.first.extent[1] == pytest.approx(split.cut_at)  # north of the line
    assert split.second.extent[3] == pytest.approx(split.cut_at)


def test_without_located_households_the_line_halves_the_area():
    boundary = MultiPolygon(
        Polygon(((121.0, 28.0), (121.04, 28.0), (121.04, 28.01), (121.0, 28.0))), srid=4326
    )
    split = split_grid(boundary, [])
    assert split.first.area == pytest.approx(split.second.area, rel=1e-6)


def test_new_codes_follow_the_village_s_highest_number_retired_grids_included():
    taken = ["331081112001001", "331081112001007", "331081112002009"]
    assert next_grid_codes("331081112001", taken) == ["331081112001008", "331081112001009"]
    assert next_grid_codes("331081112001", ["331081112001998"]) == []


def test_halves_may_overlap_the_grid_they_replace_but_no_other(overloaded, ladder):
    split = split_grid(overloaded.boundary, [])
    half = Grid(
        code="331081112001003",
        name="半",
        kind=Grid.Kind.RURAL,
        village=ladder.v1,
        boundary=split.first,
    )
    validate_grid(half, replacing=overloaded)
    with pytest.raises(ValidationError, match="overlaps grid 东山一网格"):
        validate_grid(half)
    wider = Grid(
        code="331081112001004",
        name="越界",
        kind=Grid.Kind.RURAL,
        village=ladder.v1,
        boundary=box(121.005, 28.00, 121.015, 28.01),
    )
    with pytest.raises(ValidationError, match="overlaps grid 东山二网格"):
        validate_grid(wider, replacing=overloaded)


def test_points_outside_the_grid_do_not_move_the_line():
    boundary = box(121.00, 28.00, 121.04, 28.01)
    inside = [(121.001 + 0.001 * n, 28.005) for n in range(10)]
    split = split_grid(boundary, [*inside, (125.0, 28.0), (125.1, 28.0)])
    assert split.cut_at == pytest.approx((121.005 + 121.006) / 2)
    assert Point(split.cut_at, 28.005).within(boundary)
