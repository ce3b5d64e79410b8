"""/api/grids/ and /api/regions/: the ladder and the grid map through the grids funnel."""

import pytest

pytestmark = pytest.mark.django_db


def _grid_codes(response) -> set[str]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["type"] == "FeatureCollection"
    return {feature["properties"]["code"] for feature in body["features"]}


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("member", {"a1"}),
        ("other_member", {"a2"}),
        ("village_staff", {"a1", "a2"}),
        ("town_official", {"a1", "a2", "a3"}),
        ("other_official", {"b1"}),
        ("admin", {"a1", "a2", "a3", "b1"}),
    ],
)
def test_lists_the_grids_each_role_may_see_as_geojson(api, cast, ladder, who, visible):
    response = api(getattr(cast, who)).get("/api/grids/")

    assert _grid_codes(response) == {getattr(ladder, key).code for key in visible}


def test_a_grid_is_a_geojson_feature_with_its_boundary(api, cast, ladder):
    body = api(cast.member).get(f"/api/grids/{ladder.a1.pk}/").json()

    assert body["type"] == "Feature"
    assert body["geometry"]["type"] == "MultiPolygon"
    assert body["properties"]["village_code"] == ladder.v1.code


@pytest.mark.parametrize("who", ["resident", "anonymous"])
def test_refuses_callers_without_the_map(api, cast, ladder, who):
    response = api(getattr(cast, who)).get("/api/grids/")

    assert response.status_code in (401, 403)


def test_a_grid_outside_the_scope_answers_404(api, cast, ladder):
    response = api(cast.member).get(f"/api/grids/{ladder.b1.pk}/")

    assert response.status_code == 404


def test_filters_by_bounding_box(api, cast, ladder):
    response = api(cast.town_official).get("/api/grids/", {"in_bbox": "121.021,28.0,121.03,28.01"})

    assert _grid_codes(response) == {ladder.a3.code}


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "0,0,200,10", "nan,0,1,1", "5,5,1,1"])
def test_refuses_a_bounding_box_that_is_not_one(api, cast, ladder, bbox):
    response = api(cast.town_official).get("/api/grids/", {"in_bbox": bbox})

    assert response.status_code == 400
    assert "in_bbox" in response.json()["detail"]


def test_grid_list_query_count_does_not_grow(api, cast, ladder, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = api(cast.admin).get("/api/grids/")
    assert len(response.json()["features"]) == 4


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("member", {"v1"}),
        ("village_staff", {"v1"}),
        ("town_official", {"town", "v1", "v2"}),
        ("other_official", {"other_town", "w1"}),
    ],
)
def test_lists_the_regions_each_role_may_see(api, cast, ladder, who, visible):
    response = api(getattr(cast, who)).get("/api/regions/")

    assert response.status_code == 200
    codes = {row["code"] for row in response.json()["results"]}
    assert codes == {getattr(ladder, key).code for key in visible}


def test_filters_regions_within_a_division_code(api, cast, ladder):
    response = api(cast.county_official).get("/api/regions/", {"within": ladder.other_town.code})

    assert {row["code"] for row in response.json()["results"]} == {
        ladder.other_town.code,
        ladder.w1.code,
    }
