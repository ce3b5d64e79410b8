import io
import json
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from grids.geojson import ImportResult, grids_import_geojson
from grids.models import Grid, Region
from tests.factories import box

# 北山村: a village of S Town that the ladder fixture does not hold.
NORTH_HILL = {
    "village_code": "331081112003",
    "village_name": "北山村",
    "town_code": "331081112",
    "town_name": "石塘镇",
    "county_code": "331081",
    "county_name": "温岭市",
    "prefecture_code": "331000",
    "prefecture_name": "台州市",
}
# 松门村 in 松门镇: a town the ladder fixture does not hold.
PINE_GATE = {
    **NORTH_HILL,
    "village_code": "331081114001",
    "village_name": "松门村",
    "town_code": "331081114",
    "town_name": "松门镇",
}
CRS_REFUSED = "is refused: coordinates must be WGS84 (EPSG:4326 or CRS84)."


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def rectangle(x0, y0, x1, y1) -> dict:
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(code, geometry, regions=NORTH_HILL, **properties) -> dict:
    if isinstance(geometry, tuple):
        geometry = rectangle(*geometry)
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {"code": code, "name": f"网格{str(code)[-3:]}", "kind": "rural"}
        | regions
        | properties,
    }


def collection(*features, **members) -> dict:
    return {"type": "FeatureCollection", "features": list(features), **members}


def pine_gate_file() -> dict:
    return collection(
        feature("331081114001001", (121.30, 28.00, 121.31, 28.01), PINE_GATE, households=320),
        feature("331081114001002", (121.31, 28.00, 121.32, 28.01), PINE_GATE, kind="special"),
    )


def test_a_good_file_creates_its_regions_and_grids(db):
    result = grids_import_geojson(data=json.dumps(pine_gate_file()))

    assert result == ImportResult(created=2, updated=0, regions_created=4, errors=[])
    assert list(Region.objects.values_list("code", "name", "level", "path", "parent__code")) == [
        ("331000", "台州市", Region.Level.PREFECTURE, "331000/", None),
        ("331081", "温岭市", Region.Level.COUNTY, "331000/331081/", "331000"),
        ("331081114", "松门镇", Region.Level.TOWN, "331000/331081/331081114/", "331081"),
        (
            "331081114001",
            "松门村",
            Region.Level.VILLAGE,
            "331000/331081/331081114/331081114001/",
            "331081114",
        ),
    ]
    assert list(
        Grid.objects.values_list(
            "code", "name", "kind", "village__code", "households", "population", "is_active"
        )
    ) == [
        ("331081114001001", "网格001", "rural", "331081114001", 320, 0, True),
        ("331081114001002", "网格002", "special", "331081114001", 0, 0, True),
    ]
    assert Grid.objects.get(code="331081114001001").boundary.equals(
        box(121.30, 28.00, 121.31, 28.01)
    )


def test_importing_a_file_again_updates_the_grids_instead_of_adding_them(db):
    grids_import_geojson(data=pine_gate_file())
    changed = pine_gate_file()
    changed["features"][0]["properties"] |= {"name": "松门一网格", "active": False}
    changed["features"][1]["geometry"] = rectangle(121.31, 28.00, 121.33, 28.01)

    result = grids_import_geojson(data=changed)

    assert result == ImportResult(created=0, updated=2, regions_created=0, errors=[])
    assert list(Grid.objects.values_list("code", "name", "is_active")) == [
        ("331081114001001", "松门一网格", False),
        ("331081114001002", "网格002", True),
    ]
    assert Grid.objects.get(code="331081114001002").boundary.equals(
        box(121.31, 28.00, 121.33, 28.01)
    )
    assert Region.objects.count() == 4


def test_a_grid_joins_the_existing_ladder_and_renames_its_village(ladder):
    renamed = {**NORTH_HILL, "village_code": "331081112001", "village_name": "东山社区"}
    moved_a2 = feature("331081112001002", (121.01, 28.00, 121.02, 28.01), renamed, name="新二")

    result = grids_import_geojson(data=collection(moved_a2))

    assert result == ImportResult(created=0, updated=1, regions_created=0, errors=[])
    ladder.v1.refresh_from_db()
    assert (ladder.v1.name, ladder.v1.path) == (
        "东山社区",
        "331000/331081/331081112/331081112001/",
    )
    assert Grid.objects.get(code="331081112001002").name == "新二"
    assert Region.objects.count() == 7


def test_one_bad_feature_of_each_kind_is_reported_and_nothing_is_imported(ladder):
    bow_tie = {
        "type": "Polygon",
        "coordinates": [
            [[121.06, 28.0], [121.07, 28.01], [121.07, 28.0], [121.06, 28.01]] + [[121.06, 28.0]]
        ],
    }
    in_web_mercator = feature("331081112003008", (121.06, 28.02, 121.07, 28.03))
    in_web_mercator["geometry"]["crs"] = {
        "type": "name",
        "properties": {"name": "urn:ogc:def:crs:EPSG::3857"},
    }
    file = collection(
        feature("331081112003001", (121.05, 28.00, 121.06, 28.01)),
        feature("331081112003002", bow_tie),
        feature("331081112003003", (121.055, 28.00, 121.065, 28.01)),
        feature(
            "331081112001003",
            (121.20, 28.00, 121.21, 28.01),
            {**NORTH_HILL, "village_code": "331081112001", "village_name": "东山村"},
        ),
        feature("33108111200300X", (121.06, 28.03, 121.07, 28.04)),
        feature("331081112003006", (121.06, 28.04, 121.07, 28.05), kind="park"),
        feature("331081112003007", (121.06, 28.05, 121.07, 28.06), name=None),
        in_web_mercator,
        feature(
            "331081112001009",
            (121.005, 28.00, 121.015, 28.01),
            {**NORTH_HILL, "village_code": "331081112001", "village_name": "东山村"},
        ),
    )

    result = grids_import_geojson(data=file)

    errors = result.errors
    assert len(errors) == 8
    assert errors[0] == (
        "feature 2 (code 331081112003002): "
        "The boundary is not a valid polygon: Self-intersection[121.065 28.005]."
    )
    assert re.fullmatch(
        r"feature 3 \(code 331081112003003\): "
        r"The boundary overlaps feature 1 \(code 331081112003001\) by 54\d{4} m²\.",
        errors[1],
    )
    assert re.fullmatch(
        r"feature 4 \(code 331081112001003\): "
        r"The boundary lies 1\d{6} m² outside its village 东山村\.",
        errors[2],
    )
    assert errors[3] == (
        "feature 5 (code 33108111200300X): "
        "The code must have 15 digits: the 12-digit village code and a 3-digit number."
    )
    assert errors[4] == (
        'feature 6 (code 331081112003006): Unknown kind "park": '
        "use one of residential, rural, special."
    )
    assert errors[5] == "feature 7 (code 331081112003007): Missing properties: name."
    assert errors[6] == (
        f'feature 8 (code 331081112003008): The crs "urn:ogc:def:crs:EPSG::3857" {CRS_REFUSED}'
    )
    # Checked against the database after feature 4 failed there: the savepoints kept the
    # transaction usable.
    assert re.fullmatch(
        r"feature 9 \(code 331081112001009\): The boundary overlaps grid 东山一网格 "
        r"\(331081112001001\) by \d+ m²\. The boundary overlaps grid 东山二网格 "
        r"\(331081112001002\) by \d+ m²\.",
        errors[7],
    )
    assert (result.created, result.updated, result.regions_created) == (0, 0, 0)
    assert Grid.objects.count() == 4
    assert Region.objects.count() == 7
    assert not Region.objects.filter(code="331081112003").exists()


def test_a_crs_naming_another_system_on_the_collection_rejects_the_file(db):
    file = collection(
        feature("331081114001001", (121.30, 28.00, 121.31, 28.01), PINE_GATE),
        crs={"type": "name", "properties": {"name": "EPSG:4490"}},
    )

    result = grids_import_geojson(data=file)

    assert result.errors == [f'The crs "EPSG:4490" {CRS_REFUSED}']
    assert not Grid.objects.exists()


def test_a_crs_member_that_is_not_a_name_is_refused(db):
    linked = feature("331081114001001", (121.30, 28.00, 121.31, 28.01), PINE_GATE)
    linked["crs"] = {"type": "link", "properties": {"href": "file:///etc/passwd"}}

    result = grids_import_geojson(data=collection(linked))

    assert result.errors == [
        "feature 1 (code 331081114001001): The crs "
        '{"type": "link", "properties": {"href": "file:///etc/pass... ' + CRS_REFUSED
    ]


def test_a_crs_naming_wgs84_is_accepted(db):
    file = pine_gate_file()
    file["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    file["features"][0]["crs"] = {"type": "name", "properties": {"name": "EPSG:4326"}}

    result = grids_import_geojson(data=file)

    assert result == ImportResult(created=2, updated=0, regions_created=4, errors=[])


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (
            '{"type": "FeatureCollection", ',
            "The file is not valid JSON: Expecting property name enclosed in double quotes: "
            "line 1 column 31 (char 30).",
        ),
        ('{"type": "Feature"}', "The file is not a GeoJSON FeatureCollection."),
        ("[]", "The file is not a GeoJSON FeatureCollection."),
        (
            '{"type": "FeatureCollection", "features": []}',
            "The FeatureCollection has no features.",
        ),
        (
            '{"type": "FeatureCollection", "features": {}}',
            "The FeatureCollection has no list of features.",
        ),
    ],
)
def test_a_file_that_is_not_a_feature_collection_is_one_error(db, data, error):
    result = grids_import_geojson(data=data)

    assert result == ImportResult(errors=[error])
    assert not Region.objects.exists()


def test_coordinates_out_of_range_are_explained(db):
    swapped = feature("331081114001001", rectangle(28.00, 121.30, 28.01, 121.31), PINE_GATE)

    result = grids_import_geojson(data=collection(swapped))

    assert result.errors == [
        "feature 1 (code 331081114001001): The position [28.0, 121.3] is outside longitude "
        "±180 and latitude ±90: coordinates must be WGS84 longitude, latitude in degrees."
    ]


@pytest.mark.parametrize(
    ("geometry", "reason"),
    [
        (None, "It has no geometry."),
        (
            {"type": "Point", "coordinates": [121.3, 28.0]},
            'The geometry is a "Point"; a grid needs a Polygon or a MultiPolygon.',
        ),
        (
            {"type": "Polygon", "coordinates": [[[121.3, 28.0], [121.31, 28.0], [121.3, 28.0]]]},
            "A ring must be a list of at least 4 positions.",
        ),
        (
            {"type": "Polygon", "coordinates": [[[121.3, 28], [121.31, 28], [121.31, 28.01]] * 2]},
            "A ring must end where it starts.",
        ),
        (
            {"type": "Polygon", "coordinates": [[["121.3", "28"]] * 4]},
            "A position must be [longitude, latitude] in numbers.",
        ),
    ],
)
def test_a_geometry_that_is_not_a_polygon_is_explained(db, geometry, reason):
    result = grids_import_geojson(data=collection(feature("331081114001001", geometry, PINE_GATE)))

    assert result.errors == [f"feature 1 (code 331081114001001): {reason}"]


def test_a_multipolygon_is_accepted(db):
    two_parts = {
        "type": "MultiPolygon",
        "coordinates": [
            rectangle(121.30, 28.00, 121.31, 28.01)["coordinates"],
            rectangle(121.32, 28.00, 121.33, 28.01)["coordinates"],
        ],
    }

    result = grids_import_geojson(
        data=collection(feature("331081114001001", two_parts, PINE_GATE))
    )

    assert result.errors == []
    assert len(Grid.objects.get().boundary) == 2


def test_properties_of_the_wrong_type_are_each_named(db):
    wrong = feature(
        331081114001001,
        (121.30, 28.00, 121.31, 28.01),
        PINE_GATE,
        households=-1,
        population="many",
        active="yes",
    )

    result = grids_import_geojson(data=collection(wrong))

    assert result.errors == [
        "feature 1 (code 331081114001001): code must be a string. households cannot be "
        "negative. population must be a whole number. active must be true or false."
    ]


def test_codes_must_extend_the_codes_above_them(db):
    wrong = feature(
        "331081114002001",
        (121.30, 28.00, 121.31, 28.01),
        {**PINE_GATE, "town_code": "331082114", "county_code": "331100"},
    )

    result = grids_import_geojson(data=collection(wrong))

    assert result.errors == [
        "feature 1 (code 331081114002001): The code does not start with the village code "
        "331081114001. county_code 331100 is not under prefecture_code 331000. town_code "
        "331082114 is not under county_code 331100. village_code 331081114001 is not under "
        "town_code 331082114."
    ]


def test_a_code_used_twice_in_the_file_is_rejected_the_second_time(db):
    file = collection(
        feature("331081114001001", (121.30, 28.00, 121.31, 28.01), PINE_GATE),
        feature("331081114001001", (121.31, 28.00, 121.32, 28.01), PINE_GATE),
    )

    result = grids_import_geojson(data=file)

    assert result.errors == [
        "feature 2 (code 331081114001001): The code is also used by feature 1."
    ]
    assert not Grid.objects.exists()


def test_a_region_named_differently_by_two_features_is_rejected(db):
    file = collection(
        feature("331081114001001", (121.30, 28.00, 121.31, 28.01), PINE_GATE),
        feature(
            "331081114001002",
            (121.31, 28.00, 121.32, 28.01),
            {**PINE_GATE, "town_name": "松门街道"},
        ),
    )

    result = grids_import_geojson(data=file)

    assert result.errors == [
        'feature 2 (code 331081114001002): Region 331081114 is the Town "松门街道" here but '
        'the Town "松门镇" in feature 1.'
    ]
    assert not Region.objects.exists()


def test_inactive_grids_may_overlap_in_the_file(db):
    file = collection(
        feature("331081114001001", (121.30, 28.00, 121.31, 28.01), PINE_GATE),
        feature("331081114001002", (121.30, 28.00, 121.31, 28.01), PINE_GATE, active=False),
    )

    result = grids_import_geojson(data=file)

    assert result == ImportResult(created=2, updated=0, regions_created=4, errors=[])


def test_a_dry_run_checks_everything_and_writes_nothing(db):
    result = grids_import_geojson(data=pine_gate_file(), dry_run=True)

    assert result == ImportResult(created=2, updated=0, regions_created=4, errors=[])
    assert not Grid.objects.exists()
    assert not Region.objects.exists()


def test_progress_is_told_after_each_feature_of_each_stage(db):
    calls = []

    grids_import_geojson(data=pine_gate_file(), progress=lambda *call: calls.append(call))

    assert calls == [
        ("Checking features", 1, 2),
        ("Checking features", 2, 2),
        ("Saving grids", 1, 2),
        ("Saving grids", 2, 2),
    ]


def run_command(*args) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("import_grids", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def test_the_command_imports_a_file_and_sums_it_up(db, tmp_path):
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps(pine_gate_file(), ensure_ascii=False), encoding="utf-8")

    stdout, stderr = run_command(str(path))

    assert stdout == "Imported 2 grids (2 created, 0 updated) and 4 new regions.\n"
    assert stderr == ""
    assert Grid.objects.count() == 2


def test_the_command_prints_each_rejected_feature_and_fails(ladder, tmp_path):
    file = pine_gate_file()
    file["features"][0]["properties"]["kind"] = "park"
    file["features"][1]["properties"]["name"] = ""
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps(file), encoding="utf-8")
    stderr = io.StringIO()

    with pytest.raises(CommandError, match=r"^2 errors; nothing was imported\.$"):
        call_command("import_grids", str(path), stdout=io.StringIO(), stderr=stderr)

    assert stderr.getvalue() == (
        'feature 1 (code 331081114001001): Unknown kind "park": use one of residential, rural, '
        "special.\n"
        "feature 2 (code 331081114001002): Missing properties: name.\n"
    )
    assert Grid.objects.count() == 4
    assert Region.objects.count() == 7


def test_the_command_dry_run_writes_nothing(db, tmp_path):
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps(pine_gate_file()), encoding="utf-8")

    stdout, _ = run_command(str(path), "--dry-run")

    assert stdout == (
        "Dry run: 2 grids would be imported (2 created, 0 updated) with 4 new regions; "
        "nothing was written.\n"
    )
    assert not Grid.objects.exists()


def test_the_command_reads_a_file_with_a_byte_order_mark(db, tmp_path):
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps(pine_gate_file()), encoding="utf-8-sig")

    stdout, _ = run_command(str(path))

    assert stdout.startswith("Imported 2 grids")


def test_the_command_refuses_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match=r"^Cannot read .*missing\.geojson: "):
        run_command(str(tmp_path / "missing.geojson"))
