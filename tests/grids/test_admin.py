import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grids.admin import TownFilter
from grids.models import Grid, Region
from grids.services import region_save
from tests.factories import GridFactory, box

GRID_LIST = reverse("admin:grids_grid_changelist")
GRID_ADD = reverse("admin:grids_grid_add")
REGION_LIST = reverse("admin:grids_region_changelist")
REGION_ADD = reverse("admin:grids_region_add")


@pytest.fixture
def staff_client(client):
    """Logs a cast user into the admin, in English so that messages read as written."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def login(user):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        client.force_login(user)
        return client

    return login


def grid_form(village, boundary, **overrides):
    return {
        "code": "331081112003001",
        "name": "新网格",
        "kind": Grid.Kind.RURAL,
        "village": village.pk,
        "boundary": boundary.geojson,
        "households": "120",
        "population": "350",
        "is_active": "on",
        "_save": "Save",
        **overrides,
    }


@pytest.fixture
def v3(ladder):
    return region_save(
        code="331081112003",
        name="北山村",
        level=Region.Level.VILLAGE,
        parent=ladder.town,
        boundary=box(121.04, 28.00, 121.06, 28.01),
    )


def listed(response) -> list[str]:
    return [str(row) for row in response.context["cl"].result_list]


def test_grid_changelist_runs_as_many_queries_for_many_grids_as_for_few(
    cast, ladder, staff_client
):
    client = staff_client(cast.town_official)
    client.get(GRID_LIST)  # warm up caches that are not per request (content types)
    with CaptureQueriesContext(connection) as few:
        assert client.get(GRID_LIST).status_code == 200

    for number in range(100, 112):
        GridFactory(code=f"331081112002{number}", village=ladder.v2)
    with CaptureQueriesContext(connection) as many:
        response = client.get(GRID_LIST)

    assert response.context["cl"].result_count == 15
    assert len(many) == len(few)


def test_town_official_sees_only_the_grids_of_his_town(cast, ladder, staff_client):
    response = staff_client(cast.town_official).get(GRID_LIST)

    assert listed(response) == [str(ladder.a1), str(ladder.a2), str(ladder.a3)]


def test_town_official_cannot_open_a_grid_of_another_town(cast, ladder, staff_client):
    client = staff_client(cast.town_official)

    response = client.get(reverse("admin:grids_grid_change", args=[ladder.b1.pk]), follow=True)

    assert response.redirect_chain == [(reverse("admin:index"), 302)]
    assert [str(message) for message in response.context["messages"]] == [
        f"grid with ID “{ladder.b1.pk}” doesn’t exist. Perhaps it was deleted?"
    ]


def test_town_filter_offers_only_the_towns_the_user_sees(cast, ladder, staff_client):
    response = staff_client(cast.town_official).get(GRID_LIST, {"town": ladder.town.pk})

    [town_filter] = [
        spec for spec in response.context["cl"].filter_specs if isinstance(spec, TownFilter)
    ]
    assert town_filter.lookup_choices == [(str(ladder.town.pk), "石塘镇")]
    assert listed(response) == [str(ladder.a1), str(ladder.a2), str(ladder.a3)]


def test_grid_form_offers_only_the_villages_the_user_sees(cast, ladder, staff_client):
    response = staff_client(cast.town_official).get(GRID_ADD)

    villages = response.context["adminform"].form.fields["village"].queryset
    assert list(villages) == [ladder.v1, ladder.v2]


def test_creates_a_grid_in_the_admin_through_grid_save(cast, v3, staff_client):
    client = staff_client(cast.town_official)

    response = client.post(GRID_ADD, grid_form(v3, box(121.04, 28.00, 121.05, 28.01)))

    assert response.status_code == 302
    grid = Grid.objects.get(code="331081112003001")
    assert (grid.name, grid.village, grid.households, grid.population) == (
        "新网格",
        v3,
        120,
        350,
    )
    assert grid.boundary.equals(box(121.04, 28.00, 121.05, 28.01))


def test_refuses_in_the_admin_a_grid_overlapping_another_grid_of_the_town(
    cast, ladder, staff_client
):
    client = staff_client(cast.town_official)
    # Half of A2 lies under the new grid.
    data = grid_form(ladder.v1, box(121.015, 28.00, 121.02, 28.01), code="331081112001009")

    response = client.post(GRID_ADD, data)

    assert response.status_code == 200
    [message] = response.context["adminform"].form.errors["boundary"]
    assert message.startswith("The boundary overlaps grid 东山二网格 (331081112001002) by ")
    assert Grid.objects.count() == 4


def test_refuses_a_change_that_moves_a_grid_onto_its_neighbour(cast, ladder, staff_client):
    client = staff_client(cast.town_official)
    url = reverse("admin:grids_grid_change", args=[ladder.a1.pk])
    data = grid_form(ladder.v1, box(121.00, 28.00, 121.015, 28.01), name="改名")
    del data["code"]

    response = client.post(url, data)

    assert response.status_code == 200
    [message] = response.context["adminform"].form.errors["boundary"]
    assert message.startswith("The boundary overlaps grid 东山二网格 (331081112001002) by ")
    ladder.a1.refresh_from_db()
    assert ladder.a1.name == "东山一网格"
    assert ladder.a1.boundary.equals(box(121.00, 28.00, 121.01, 28.01))


def test_grid_code_is_read_only_once_the_grid_exists(cast, ladder, staff_client):
    client = staff_client(cast.town_official)
    url = reverse("admin:grids_grid_change", args=[ladder.a1.pk])

    response = client.post(
        url, grid_form(ladder.v1, box(121.00, 28.00, 121.01, 28.01), name="改名")
    )

    assert response.status_code == 302
    ladder.a1.refresh_from_db()
    assert (ladder.a1.code, ladder.a1.name) == ("331081112001001", "改名")
    assert Grid.objects.count() == 4


def test_platform_admin_adds_a_region_whose_path_is_computed(cast, ladder, staff_client):
    client = staff_client(cast.admin)
    data = {
        "code": "331081112009",
        "name": "新村",
        "level": Region.Level.VILLAGE,
        "parent": ladder.town.pk,
        "boundary": "",
        "_save": "Save",
    }

    response = client.post(REGION_ADD, data)

    assert response.status_code == 302
    region = Region.objects.get(code="331081112009")
    assert region.path == "331000/331081/331081112/331081112009/"


def test_refuses_a_region_that_does_not_sit_below_its_parent(cast, ladder, staff_client):
    client = staff_client(cast.admin)
    data = {
        "code": "331081114",
        "name": "错镇",
        "level": Region.Level.TOWN,
        "parent": ladder.v1.pk,
        "boundary": "",
        "_save": "Save",
    }

    response = client.post(REGION_ADD, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "parent": ["A region must sit below its parent on the ladder."]
    }
    assert not Region.objects.filter(code="331081114").exists()


def test_moving_a_region_in_the_admin_rewrites_the_paths_below_it(cast, ladder, staff_client):
    client = staff_client(cast.admin)
    url = reverse("admin:grids_region_change", args=[ladder.v1.pk])
    data = {
        "name": "东山村",
        "level": Region.Level.VILLAGE,
        "parent": ladder.other_town.pk,
        "boundary": ladder.v1.boundary.geojson,
        "_save": "Save",
    }

    response = client.post(url, data)

    assert response.status_code == 302
    ladder.v1.refresh_from_db()
    assert ladder.v1.path == "331000/331081/331081113/331081112001/"
    assert list(Grid.objects.within(ladder.other_town).values_list("code", flat=True)) == [
        "331081112001001",
        "331081112001002",
        "331081113001001",
    ]


def test_town_official_sees_only_the_regions_of_his_town(cast, ladder, staff_client):
    response = staff_client(cast.town_official).get(REGION_LIST)

    assert listed(response) == ["石塘镇", "东山村", "西山村"]


def test_admin_site_has_the_platforms_title(cast, staff_client):
    response = staff_client(cast.admin).get(reverse("admin:index"))

    assert response.context["site_header"] == "Grid governance platform administration"


@pytest.mark.parametrize(
    "url_name", ["grids_grid_changelist", "grids_grid_add", "grids_region_changelist"]
)
def test_grid_admin_pages_open_for_the_platform_admin(cast, url_name, staff_client):
    response = staff_client(cast.admin).get(reverse(f"admin:{url_name}"))

    assert response.status_code == 200


def test_grid_change_page_edits_the_boundary_on_a_leaflet_map(cast, ladder, staff_client):
    client = staff_client(cast.town_official)

    response = client.get(reverse("admin:grids_grid_change", args=[ladder.a1.pk]))

    assert response.status_code == 200
    widget = response.context["adminform"].form.fields["boundary"].widget
    assert widget.template_name == "leaflet/admin/widget.html"
    assert b"leaflet/leaflet.js" in response.content


def test_adding_a_grid_with_a_code_in_use_is_refused_not_merged_into_it(
    cast, ladder, v3, staff_client
):
    data = grid_form(v3, box(121.04, 28.00, 121.05, 28.01), code=ladder.a1.code, name="冒名")

    response = staff_client(cast.town_official).post(GRID_ADD, data)

    assert response.context["adminform"].form.errors == {
        "code": ["Grid with this Grid code already exists."]
    }
    ladder.a1.refresh_from_db()
    assert (ladder.a1.name, ladder.a1.village) == ("东山一网格", ladder.v1)


def test_the_map_tools_of_the_admin_speak_chinese(cast, ladder, staff_client):
    """django-leaflet's own template never wrote the drawing tools' texts (issue 16: "the
    admin's map tools are in English"); templates/leaflet/ writes them, with the zooms'."""
    client = staff_client(cast.admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"

    page = client.get(reverse("admin:grids_grid_change", args=[ladder.a1.pk])).content.decode()

    for element, chinese in [
        ("with-forms", "true"),
        ("draw-toolbar-buttons-polygon", "绘制多边形"),
        ("edit-toolbar-buttons-edit", "编辑图层"),
        ("leaflet-zoom-in-title", "放大"),
    ]:
        script = page.split(f'<script id="{element}" type="application/json">', 1)[1]
        value = script.split("</script>", 1)[0]
        assert json.loads(value) in (chinese, True), element
