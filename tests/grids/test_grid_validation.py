import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.exceptions import ValidationError

from grids.models import Grid
from grids.services import grid_save
from tests.factories import box


def save_grid(village, boundary, code="331081112001009"):
    return grid_save(
        code=code, name="新网格", kind=Grid.Kind.RURAL, village=village, boundary=boundary
    )


def boundary_errors(error: ValidationError) -> list[str]:
    return error.message_dict["boundary"]


def test_refuses_a_self_intersecting_boundary(ladder):
    bow_tie = MultiPolygon(
        Polygon(((121.0, 28.0), (121.01, 28.01), (121.01, 28.0), (121.0, 28.01), (121.0, 28.0))),
        srid=4326,
    )

    with pytest.raises(ValidationError) as error:
        save_grid(ladder.v1, bow_tie)

    assert boundary_errors(error.value) == [
        "The boundary is not a valid polygon: Self-intersection[121.005 28.005]."
    ]
    assert not Grid.objects.filter(code="331081112001009").exists()


def test_refuses_a_boundary_overlapping_another_grid_of_the_town(ladder):
    # Half of A2 (0.005° × 0.01° ≈ 491 m × 1,109 m) lies under the new grid.
    with pytest.raises(ValidationError) as error:
        save_grid(ladder.v1, box(121.015, 28.00, 121.02, 28.01))

    [message] = boundary_errors(error.value)
    assert message.startswith("The boundary overlaps grid 东山二网格 (331081112001002) by ")
    area = float(message.rsplit("by ", 1)[1].removesuffix(" m².").replace(",", ""))
    assert 544_000 < area < 546_500
    assert Grid.objects.count() == 4


def test_accepts_a_grid_that_only_touches_its_neighbours(ladder):
    ladder.a2.boundary = box(121.01, 28.00, 121.015, 28.01)
    ladder.a2.save(update_fields=["boundary"])

    grid = save_grid(ladder.v1, box(121.015, 28.00, 121.02, 28.01))

    assert grid.pk is not None


def test_accepts_an_overlap_within_the_tolerance(ladder, settings):
    ladder.a2.boundary = box(121.01, 28.00, 121.015, 28.01)
    ladder.a2.save(update_fields=["boundary"])
    settings.GRID_OVERLAP_TOLERANCE_M2 = 600.0  # a sliver of ~0.000005° × 0.01° ≈ 540 m²

    grid = save_grid(ladder.v1, box(121.014995, 28.00, 121.02, 28.01))

    assert grid.pk is not None


def test_ignores_overlap_with_an_inactive_grid(ladder):
    ladder.a2.is_active = False
    ladder.a2.save(update_fields=["is_active"])

    grid = save_grid(ladder.v1, box(121.015, 28.00, 121.02, 28.01))

    assert grid.pk is not None


def test_ignores_overlap_with_a_grid_of_another_town(ladder):
    ladder.w1.boundary = None
    ladder.w1.save(update_fields=["boundary"])

    grid = grid_save(
        code="331081113001002",
        name="南湾二网格",
        kind=Grid.Kind.RURAL,
        village=ladder.w1,
        boundary=box(121.03, 28.00, 121.035, 28.005),
    )

    assert grid.pk is not None


def test_refuses_a_boundary_outside_its_village(ladder):
    with pytest.raises(ValidationError) as error:
        save_grid(ladder.v1, box(121.0, 28.012, 121.005, 28.02))

    [message] = boundary_errors(error.value)
    assert message.startswith("The boundary lies ")
    assert message.endswith(" m² outside its village 东山村.")
    assert not Grid.objects.filter(code="331081112001009").exists()


def test_reports_every_problem_of_one_boundary_at_once(ladder):
    with pytest.raises(ValidationError) as error:
        save_grid(ladder.v1, box(121.015, 28.005, 121.025, 28.02))

    messages = boundary_errors(error.value)
    assert len(messages) == 3
    assert messages[0].startswith("The boundary lies ")
    assert {m.split(" by ")[0] for m in messages[1:]} == {
        "The boundary overlaps grid 东山二网格 (331081112001002)",
        "The boundary overlaps grid 西山一网格 (331081112002001)",
    }


def test_a_grid_needs_a_village_on_the_village_rung(ladder):
    with pytest.raises(ValidationError) as error:
        save_grid(ladder.town, box(121.0, 28.0, 121.001, 28.001))

    assert error.value.message_dict == {"village": ["A grid belongs to a village or community."]}


def test_refuses_a_grid_code_that_is_not_village_code_plus_sequence(ladder):
    with pytest.raises(ValidationError) as error:
        save_grid(ladder.v1, box(121.0, 28.0, 121.001, 28.001), code="33108111200100")

    assert "code" in error.value.message_dict


def test_refuses_coordinates_out_of_range(ladder):
    with pytest.raises(ValidationError) as error:
        save_grid(ladder.v1, box(181.0, 28.0, 182.0, 28.1))

    assert boundary_errors(error.value) == [
        "The boundary has coordinates outside longitude ±180 and latitude ±90."
    ]
