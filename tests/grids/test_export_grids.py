import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from grids.geojson import ImportResult, grids_export_geojson, grids_import_geojson
from grids.models import Grid
from grids.services import grid_save
from tests.factories import box


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def grid_rows() -> list[tuple]:
    return list(
        Grid.objects.values_list(
            "code", "name", "kind", "village__code", "households", "population", "is_active"
        )
    )


def test_exports_a_grid_with_the_regions_it_sits_in(ladder):
    ladder.a1.households, ladder.a1.population = 320, 910
    ladder.a1.save(update_fields=["households", "population"])

    collection = grids_export_geojson(grids=Grid.objects.filter(code=ladder.a1.code))

    assert collection == {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
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
                    "households": 320,
                    "population": 910,
                    "active": True,
                    "prefecture_code": "331000",
                    "prefecture_name": "台州市",
                    "county_code": "331081",
                    "county_name": "温岭市",
                    "town_code": "331081112",
                    "town_name": "石塘镇",
                    "village_code": "331081112001",
                    "village_name": "东山村",
                },
            }
        ],
    }


def test_export_is_one_query_whatever_the_number_of_grids(ladder, django_assert_num_queries):
    for number in range(3, 9):
        grid_save(
            code=f"331081113001{number:03d}",
            name=f"南湾{number}网格",
            kind=Grid.Kind.RURAL,
            village=ladder.w1,
            boundary=box(121.10 + number * 0.001, 28.0, 121.10 + number * 0.001 + 0.001, 28.001),
            is_active=False,
        )

    with django_assert_num_queries(1):
        one = grids_export_geojson(grids=Grid.objects.filter(code=ladder.a1.code))
    with django_assert_num_queries(1):
        ten = grids_export_geojson(grids=Grid.objects.all())

    assert (len(one["features"]), len(ten["features"])) == (1, 10)


def test_an_export_imports_back_unchanged(ladder):
    before = grid_rows()
    exported = grids_export_geojson(grids=Grid.objects.all())
    Grid.objects.all().delete()

    result = grids_import_geojson(data=json.dumps(exported, ensure_ascii=False))

    assert result == ImportResult(created=4, updated=0, regions_created=0, errors=[])
    assert grid_rows() == before
    assert Grid.objects.get(code=ladder.a3.code).boundary.equals(ladder.a3.boundary)
    assert grids_export_geojson(grids=Grid.objects.all()) == exported


def test_importing_an_unchanged_export_updates_every_grid(ladder):
    exported = grids_export_geojson(grids=Grid.objects.all())

    result = grids_import_geojson(data=exported)

    assert result == ImportResult(created=0, updated=4, regions_created=0, errors=[])


def test_the_command_writes_the_grids_of_one_town_to_a_file(ladder, tmp_path):
    path = tmp_path / "s-town.geojson"
    stdout = io.StringIO()

    call_command("export_grids", "--town", "331081112", "-o", str(path), stdout=stdout)

    assert stdout.getvalue() == f"Exported 3 grids to {path}.\n"
    assert json.loads(path.read_text(encoding="utf-8")) == grids_export_geojson(
        grids=Grid.objects.exclude(code=ladder.b1.code)
    )


def test_the_command_writes_every_grid_to_stdout(ladder):
    stdout = io.StringIO()

    call_command("export_grids", stdout=stdout)

    assert json.loads(stdout.getvalue()) == grids_export_geojson(grids=Grid.objects.all())
    assert "东山一网格" in stdout.getvalue()


def test_the_command_refuses_an_unknown_town(ladder):
    with pytest.raises(CommandError, match=r"^There is no town with the code 331081112001\.$"):
        call_command("export_grids", "--town", "331081112001", stdout=io.StringIO())


def test_a_file_exported_by_the_command_imports_back_through_the_command(ladder, tmp_path):
    path = tmp_path / "grids.geojson"
    before = grid_rows()
    call_command("export_grids", "-o", str(path), stdout=io.StringIO())
    Grid.objects.all().delete()
    stdout = io.StringIO()

    call_command("import_grids", str(path), stdout=stdout, stderr=io.StringIO())

    assert stdout.getvalue() == "Imported 4 grids (4 created, 0 updated) and 0 new regions.\n"
    assert grid_rows() == before
