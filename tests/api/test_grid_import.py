"""GET /api/grids/export/ and POST /api/grids/import/: grids in and out as GeoJSON through
grids.geojson, all or nothing, for platform administrators."""

import copy

import pytest

from grids.models import Grid

pytestmark = pytest.mark.django_db


def test_exports_the_callers_grids_in_the_import_format(api, cast, ladder):
    body = api(cast.village_staff).get("/api/grids/export/").json()

    assert body["type"] == "FeatureCollection"
    codes = {feature["properties"]["code"] for feature in body["features"]}
    assert codes == {ladder.a1.code, ladder.a2.code}
    assert body["features"][0]["properties"]["village_code"] == ladder.v1.code


def test_an_administrator_reimports_an_edited_export(api, cast, ladder):
    client = api(cast.admin)
    collection = client.get("/api/grids/export/").json()
    for feature in collection["features"]:
        if feature["properties"]["code"] == ladder.a1.code:
            feature["properties"]["name"] = "东山一网格（新）"

    dry = client.post("/api/grids/import/?dry_run=true", collection, format="json")
    done = client.post("/api/grids/import/", collection, format="json")

    assert dry.json()["dry_run"] is True
    assert done.status_code == 200, done.content
    assert done.json()["updated"] == 4
    assert Grid.objects.get(pk=ladder.a1.pk).name == "东山一网格（新）"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda f: f["geometry"].update(coordinates=[[[0, 0], [1, 0]]]),
        lambda f: f["geometry"].update(coordinates=[[[[200, 0], [201, 0], [201, 1], [200, 0]]]]),
        lambda f: f["geometry"].update(crs={"type": "name", "properties": {"name": "EPSG:3857"}}),
        lambda f: f["properties"].update(code="12"),
    ],
)
def test_bad_geojson_is_refused_with_reasons_and_changes_nothing(api, cast, ladder, mangle):
    client = api(cast.admin)
    collection = client.get("/api/grids/export/").json()
    bad = copy.deepcopy(collection)
    mangle(bad["features"][0])
    bad["features"][1]["properties"]["name"] = "不应保存"

    response = client.post("/api/grids/import/", bad, format="json")

    assert response.status_code == 400
    assert response.json()["errors"]
    assert not Grid.objects.filter(name="不应保存").exists()


@pytest.mark.parametrize("body", [[], "text", {"type": "Feature"}])
def test_a_body_that_is_not_a_collection_is_refused(api, cast, body):
    response = api(cast.admin).post("/api/grids/import/", body, format="json")

    assert response.status_code == 400


@pytest.mark.parametrize("who", ["town_official", "member", "resident"])
def test_only_platform_administrators_import(api, cast, ladder, who):
    collection = api(cast.admin).get("/api/grids/export/").json()
    collection["features"][0]["properties"]["name"] = "不应保存"

    response = api(getattr(cast, who)).post("/api/grids/import/", collection, format="json")

    assert response.status_code == 403
    assert not Grid.objects.filter(name="不应保存").exists()
