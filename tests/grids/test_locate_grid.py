from django.contrib.gis.geos import Point

from grids.services import locate_grid


def test_finds_the_grid_holding_a_point_inside(ladder, point_in_a1):
    assert locate_grid(point_in_a1) == ladder.a1


def test_a_point_on_a_shared_edge_belongs_to_the_lower_code(ladder):
    on_edge = Point(121.01, 28.005, srid=4326)

    assert locate_grid(on_edge) == ladder.a1


def test_a_point_on_an_outer_edge_belongs_to_its_grid(ladder):
    assert locate_grid(Point(121.12, 28.005, srid=4326)) == ladder.b1


def test_a_point_outside_every_grid_has_none(ladder):
    assert locate_grid(Point(121.5, 28.5, srid=4326)) is None


def test_an_inactive_grid_is_not_found(ladder, point_in_a1):
    ladder.a1.is_active = False
    ladder.a1.save(update_fields=["is_active"])

    assert locate_grid(point_in_a1) is None


def test_locating_is_one_query(ladder, point_in_a1, django_assert_num_queries):
    with django_assert_num_queries(1):
        locate_grid(point_in_a1)


def test_it_answers_as_the_orm_query_it_stands_for(ladder):
    """The raw lookup finds what ``Grid.objects.active().containing(p).order_by("code")``
    finds, inside, on shared and outer edges, at corners and outside, in 4326 and 3857."""
    from grids.models import Grid

    points = [
        Point(x / 1000, y / 1000, srid=4326)
        for x in range(120990, 121140, 5)
        for y in range(27990, 28030, 5)
    ]
    points.append(Point(121.01, 28.005, srid=4326).transform(3857, clone=True))
    for point in points:
        where = point.transform(4326, clone=True) if point.srid != 4326 else point
        expected = Grid.objects.active().containing(where).order_by("code").first()
        assert locate_grid(point) == expected, point.coords


def test_the_grid_comes_back_whole_but_its_boundary_on_demand(ladder, point_in_a1):
    grid = locate_grid(point_in_a1)

    assert (grid.code, grid.name, grid.village_id) == (
        ladder.a1.code,
        ladder.a1.name,
        ladder.a1.village_id,
    )
    assert grid.get_deferred_fields() == {"boundary"}
    assert grid.boundary.covers(point_in_a1)
