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
