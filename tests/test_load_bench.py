"""The load test's pieces (bench/load.py, bench/locustfile.py), without running a load.

Locust patches the standard library with gevent when imported, so the locustfile is
imported in a child process only; here its page names are read with ``ast``.
"""

import ast
import importlib.util
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.urls import Resolver404, resolve

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = ROOT / "bench" / "locustfile.py"


def load_driver():
    spec = importlib.util.spec_from_file_location("bench_load", ROOT / "bench" / "load.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def page_names() -> set[str]:
    """Every ``name=`` a request of the locustfile is counted under."""
    tree = ast.parse(LOCUSTFILE.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                    names.add(keyword.value.value)
        # self.page(path, name): the name is the second argument.
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "page"
            and len(node.args) == 2
            and isinstance(node.args[1], ast.Constant)
        ):
            names.add(node.args[1].value)
    return names


def test_every_page_the_load_test_asks_for_is_a_url_of_the_platform():
    names = page_names()
    assert {"/cases/report/", "/members/patrol/[key]/points/", "/dashboard/"} <= names

    for name in names:
        path = name.split(" ")[0].split("?")[0]
        path = path.replace("[id]", "1").replace("[key]", str(uuid.uuid4()))
        try:
            resolve(path)
        except Resolver404:
            pytest.fail(f"the load test asks for {name}, which no URL answers")


def test_the_locustfile_imports_and_weighs_ten_members_to_one_official(tmp_path):
    accounts = tmp_path / "accounts.json"
    accounts.write_text(json.dumps({"password": "x", "members": ["m"], "officials": ["o"]}))
    script = (
        "import sys, random; sys.path.insert(0, 'bench'); import locustfile as l; "
        'html = \'<select name="grid" id="g"><option value="">-</option>'
        '<option value="7">网格一 · 新街社区</option></select>\'; '
        "square = {'type': 'Polygon', 'coordinates': [[[121, 28], [121.01, 28], "
        "[121.01, 28.01], [121, 28.01], [121, 28]]]}; "
        "x, y = l.point_in_feature({'geometry': square}, random.Random(1)); "
        "print(l.MemberUser.weight, l.OfficialUser.weight, l.ACCOUNTS['members'], "
        "l.select_options(html, 'grid'), 121 < x < 121.01 and 28 < y < 28.01)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={"LOAD_ACCOUNTS": str(accounts), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == "10 1 ['m'] [('7', '网格一 · 新街社区')] True"


def test_the_driver_seeds_an_account_for_every_simulated_member():
    driver = load_driver()

    members = driver.members_needed(220)
    grids = driver.grids_for(members)

    assert members == 200
    # seed_demo: a full-time member in every grid, a part-timer in every other one.
    assert grids + (grids + 1) // 2 >= members


def test_the_driver_refuses_a_database_that_is_not_its_own(capsys):
    driver = load_driver()

    with pytest.raises(SystemExit):
        driver.parse_args(["--database-url", "postgis://postgres@127.0.0.1:5432/grid_platform"])

    assert "contains 'load'" in capsys.readouterr().err
    args = driver.parse_args(["--users", "20", "--run-time", "30s", "--spawn-rate", "5"])
    # Locust's own limit only bounds a ramp-up that never ends: the locustfile stops the run.
    assert (driver.ramp_up_seconds(args), driver.locust_seconds(args)) == (4, 162)
    args = driver.parse_args(["--users", "20", "--run-time", "1m", "--include-ramp-up"])
    assert driver.locust_seconds(args) == 60
