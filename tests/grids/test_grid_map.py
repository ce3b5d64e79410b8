import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grids.models import Grid, Region
from grids.services import region_save
from members.models import GridMember
from members.services import grid_assign_member
from tests.conftest import ASSIGNED_SINCE
from tests.factories import GridFactory, box

VISIBLE_GRIDS = [
    ("member", ["a1"]),
    ("other_member", ["a2"]),
    ("leader", ["a1"]),
    ("village_staff", ["a1", "a2"]),
    ("town_official", ["a1", "a2", "a3"]),
    ("other_official", ["b1"]),
    ("county_official", ["a1", "a2", "a3", "b1"]),
    ("admin", ["a1", "a2", "a3", "b1"]),
]


def geojson(client):
    return client.get(reverse("grids:geojson"))


def feature_codes(response) -> list[str]:
    return [feature["properties"]["code"] for feature in response.json()["features"]]


@pytest.mark.parametrize(("who", "grid_names"), VISIBLE_GRIDS)
def test_the_geojson_holds_exactly_the_grids_of_the_users_jurisdiction(
    client, cast, ladder, who, grid_names
):
    client.force_login(getattr(cast, who))

    response = geojson(client)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert feature_codes(response) == [getattr(ladder, name).code for name in grid_names]


def test_a_feature_carries_the_grids_facts_and_boundary(client, cast, ladder):
    Grid.objects.filter(pk=ladder.a1.pk).update(households=312, population=905)
    client.force_login(cast.member)

    response = geojson(client)

    assert response.json() == {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "331081112001001",
                "geometry": {
                    "type": "MultiPolygon",
                    "coordinates": [
                        [
                            [
                                [121.0, 28.0],
                                [121.0, 28.01],
                                [121.01, 28.01],
                                [121.01, 28.0],
                                [121.0, 28.0],
                            ]
                        ]
                    ],
                },
                "properties": {
                    "code": "331081112001001",
                    "name": "东山一网格",
                    "kind": "rural",
                    "kind_label": str(Grid.Kind.RURAL.label),
                    "village": "东山村",
                    "households": 312,
                    "population": 905,
                    "active": True,
                },
            }
        ],
    }


def test_the_geojson_refuses_anonymous_users(client, cast):
    response = geojson(client)

    assert response.status_code == 403
    assert set(response.json()) == {"detail"}


def test_the_geojson_refuses_a_resident(client, cast):
    client.force_login(cast.resident)

    response = geojson(client)

    assert response.status_code == 403
    assert "features" not in response.json()


def test_the_geojson_is_not_cached(client, cast):
    client.force_login(cast.town_official)

    response = geojson(client)

    assert "no-store" in response["Cache-Control"]


def add_grids_to_the_town(ladder, count: int) -> list[Grid]:
    """Grids in a new village of S Town, in boxes far east of the ladder's grids."""
    village = region_save(
        code="331081112009", name="新建村", level=Region.Level.VILLAGE, parent=ladder.town
    )
    return [
        GridFactory(
            code=f"331081112009{n:03d}",
            village=village,
            boundary=box(122.0 + n * 0.01, 29.0, 122.009 + n * 0.01, 29.009),
        )
        for n in range(1, count + 1)
    ]


def test_the_geojson_costs_as_many_queries_for_40_grids_as_for_4(client, cast, ladder):
    client.force_login(cast.county_official)
    with CaptureQueriesContext(connection) as four_grids:
        assert len(geojson(client).json()["features"]) == 4
    add_grids_to_the_town(ladder, 36)

    with CaptureQueriesContext(connection) as forty_grids:
        assert len(geojson(client).json()["features"]) == 40

    assert len(forty_grids.captured_queries) == len(four_grids.captured_queries)


def test_the_geojson_of_a_member_costs_as_many_queries_for_37_grids_as_for_1(client, cast, ladder):
    client.force_login(cast.member)
    with CaptureQueriesContext(connection) as one_grid:
        assert len(geojson(client).json()["features"]) == 1
    member = GridMember.objects.get(user=cast.member)
    for grid in add_grids_to_the_town(ladder, 36):
        grid_assign_member(member=member, grid=grid, starts_on=ASSIGNED_SINCE)

    with CaptureQueriesContext(connection) as many_grids:
        assert len(geojson(client).json()["features"]) == 37

    assert len(many_grids.captured_queries) == len(one_grid.captured_queries)


def test_the_map_page_loads_leaflet_from_our_own_static_files(client, cast):
    client.force_login(cast.town_official)

    response = client.get(reverse("grids:map"))

    assert response.status_code == 200
    content = response.content.decode()
    assert 'src="/static/leaflet/leaflet' in content
    assert 'src="/static/js/grid-map.js"' in content
    assert f'data-geojson-url="{reverse("grids:geojson")}"' in content
    assert "://" not in "".join(
        line for line in content.splitlines() if "<script" in line or "<link" in line
    )


def test_the_map_page_sends_anonymous_users_to_log_in(client, cast):
    response = client.get(reverse("grids:map"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('grids:map')}"


def test_the_map_page_refuses_a_resident(client, cast):
    client.force_login(cast.resident)

    response = client.get(reverse("grids:map"))

    assert response.status_code == 403


def test_home_sends_officials_to_their_case_queue(client, cast):
    client.force_login(cast.town_official)

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:queue")


def test_home_sends_a_resident_to_their_requests_without_staff_links(client, cast):
    client.force_login(cast.resident)

    response = client.get(reverse("home"), follow=True)

    assert response.status_code == 200
    content = response.content.decode()
    assert reverse("grids:map") not in content
    assert reverse("members:resident_list") not in content
    assert reverse("members:access_log") not in content


def nav_links(content: str) -> list[str]:
    nav = content.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]
    return [part.split('"', 1)[0] for part in nav.split('href="')[1:]]


# Grid members reach the map, their cases and the register through their workspace.
GRID_MEMBER_LINKS = [
    "members:workspace",
    "members:patrol",
    "incidents:quick_report",
    "members:households",
    "members:notifications",
]


@pytest.mark.parametrize(
    ("who", "links"),
    [
        ("member", GRID_MEMBER_LINKS),
        ("leader", GRID_MEMBER_LINKS),
        (
            "village_staff",
            [
                "grids:map",
                "incidents:queue",
                "dashboard:home",
                "incidents:supervision_register",
                "surveys:list",
                "members:resident_list",
                "members:access_log",
                "members:notifications",
            ],
        ),
        (
            "town_official",
            [
                "grids:map",
                "incidents:queue",
                "dashboard:home",
                "assessment:index",
                "incidents:supervision_register",
                "surveys:list",
                "members:resident_list",
                "members:access_log",
                "members:notifications",
            ],
        ),
    ],
)
def test_the_menu_shows_each_role_only_the_pages_it_may_use(client, cast, who, links):
    client.force_login(getattr(cast, who))

    response = client.get(reverse("grids:map"))

    assert nav_links(response.content.decode()) == [reverse(name) for name in links]


def test_the_menu_shows_the_administration_to_staff_accounts_only(client, cast):
    cast.town_official.is_staff = True
    cast.town_official.save(update_fields=["is_staff"])
    client.force_login(cast.town_official)

    response = client.get(reverse("grids:map"))

    assert reverse("admin:index") in nav_links(response.content.decode())


def test_every_page_offers_a_post_logout_and_a_language_switch(client, cast):
    client.force_login(cast.town_official)

    content = client.get(reverse("grids:map")).content.decode()

    assert f'method="post" action="{reverse("logout")}"' in content
    assert f'method="post" action="{reverse("set_language")}"' in content


def test_the_menu_offers_residents_their_requests_and_visitors_the_public_pages(client, cast):
    client.force_login(cast.resident)
    resident_links = nav_links(client.get(reverse("home"), follow=True).content.decode())
    client.logout()
    visitor_links = nav_links(client.get(reverse("login")).content.decode())

    assert resident_links == [reverse("public:new"), reverse("public:mine")]
    assert visitor_links == [reverse("public:new"), reverse("public:track")]


def test_without_a_tile_server_the_map_outlines_the_users_villages(client, cast, ladder, settings):
    settings.MAP_BASE = "none"
    client.force_login(cast.village_staff)

    response = client.get(reverse("grids:map"))

    villages = response.context["villages_geojson"]["features"]
    assert [feature["properties"]["name"] for feature in villages] == [ladder.v1.name]
    assert villages[0]["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    assert 'id="map-villages"' in response.content.decode()


def test_with_a_tile_server_the_map_leaves_the_villages_to_the_tiles(client, cast, settings):
    settings.MAP_BASE = "xyz"
    client.force_login(cast.town_official)

    response = client.get(reverse("grids:map"))

    assert response.context["villages_geojson"] is None
    assert 'id="map-villages"' not in response.content.decode()
