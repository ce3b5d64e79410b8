"""Maps without the internet: the address search over villages, grids and the town's
landmarks, and the village outlines with their names that stand in for street tiles."""

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.urls import reverse

from grids.models import Region
from grids.selectors import places_search, villages_feature_collection
from grids.services import landmark_save

PLACES = reverse("grids:places")


@pytest.fixture
def school(ladder):
    return landmark_save(
        town=ladder.town, name="石塘中心小学", location=Point(121.015, 28.005), aliases="小学"
    )


def test_finds_a_village_and_centres_inside_it(ladder):
    [place] = places_search("东山村")

    assert (place["name"], place["kind"], place["within"]) == ("东山村", "village", "石塘镇")
    assert 121.00 <= place["lng"] <= 121.02
    assert 28.00 <= place["lat"] <= 28.01


def test_finds_grids_by_name_and_by_code(ladder):
    assert [p["name"] for p in places_search("东山一")] == ["东山一网格"]
    assert [p["name"] for p in places_search(ladder.a3.code)] == ["西山一网格"]


def test_finds_a_landmark_by_name_or_other_name(ladder, school):
    assert [(p["name"], p["lat"], p["lng"], p["zoom"]) for p in places_search("小学")] == [
        ("石塘中心小学", 28.005, 121.015, 17)
    ]


def test_an_empty_search_finds_nothing(ladder):
    assert places_search("   ") == []


def test_the_search_costs_three_queries(ladder, school, django_assert_num_queries):
    with django_assert_num_queries(3):
        places_search("山")


def test_the_public_endpoint_answers_names_and_points(client, ladder, school):
    response = client.get(PLACES, {"q": "中心小学"})

    assert response.status_code == 200
    assert [p["name"] for p in response.json()["places"]] == ["石塘中心小学"]


def test_the_village_outlines_carry_their_names(ladder):
    collection = villages_feature_collection(Region.objects.filter(pk__in=[ladder.v1.pk]))

    [feature] = collection["features"]
    assert feature["properties"] == {"name": "东山村"}
    assert feature["geometry"]["type"] == "MultiPolygon"


def test_the_public_form_draws_the_villages_and_offers_the_search(client, ladder):
    page = client.get(reverse("public:new")).content.decode()

    assert 'id="portal-villages"' in page
    assert "东山村" in page
    assert f'data-url="{PLACES}"' in page
    assert page.index('name="address"') < page.index('id="portalmap"')


def test_a_landmark_belongs_to_a_town(ladder):
    with pytest.raises(ValidationError):
        landmark_save(town=ladder.v1, name="村口", location=Point(121.005, 28.005))
