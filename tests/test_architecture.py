"""The layers of ARCHITECTURE.md, as import-linter checks them in `make lint`.

The contracts hold today; an import against the layers breaks them. Each case below plants
one such import in a copy of the apps and runs lint-imports on the copy, as `make lint`
runs it on the tree.
"""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
APPS_CONTRACT = "The apps, one way down"
INSIDE_CONTRACT = "Inside an app"
DOORS_CONTRACT = "The doors to cases do not lean on each other"

pytestmark = pytest.mark.slow


def lint_imports(where: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache"],
        cwd=where,
        env={"PYTHONPATH": str(where), "PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def copy_of_the_apps(tmp_path) -> Path:
    """The packages the contracts name, and the configuration, as they are in the tree."""
    for package in CONFIG["root_packages"]:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_tree_keeps_every_contract():
    result = lint_imports(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(CONFIG['contracts'])} kept, 0 broken." in result.stdout


def test_the_copy_keeps_every_contract_before_anything_is_planted(copy_of_the_apps):
    assert lint_imports(copy_of_the_apps).returncode == 0


@pytest.mark.parametrize(
    ("module", "line", "contract", "arrow"),
    [
        # The cycles of issue 13, one by one, and the arrows the layers forbid.
        ("grids/planted.py", "import members.models", APPS_CONTRACT, "grids.planted"),
        ("members/planted.py", "import incidents.selectors", APPS_CONTRACT, "members.planted"),
        ("surveys/planted.py", "import incidents.models", APPS_CONTRACT, "surveys.planted"),
        ("incidents/planted.py", "import surveys.models", APPS_CONTRACT, "incidents.planted"),
        ("core/planted.py", "import grids.models", APPS_CONTRACT, "core.planted"),
        ("grids/planted.py", "import demo.geography", APPS_CONTRACT, "grids.planted"),
        ("incidents/planted.py", "import grid_platform.urls", APPS_CONTRACT, "incidents.planted"),
        (
            "incidents/selectors.py",
            "from incidents.services import transitions",
            INSIDE_CONTRACT,
            "incidents.selectors",
        ),
        ("members/models.py", "import members.views", INSIDE_CONTRACT, "members.models"),
        (
            "incidents/api/planted.py",
            "import incidents.views.staff",
            DOORS_CONTRACT,
            "incidents.api.planted",
        ),
    ],
)
def test_an_import_against_the_layers_breaks_a_contract(
    copy_of_the_apps, module, line, contract, arrow
):
    path = copy_of_the_apps / module
    path.write_text((path.read_text() if path.exists() else "") + f"\n{line}  # planted\n")

    result = lint_imports(copy_of_the_apps)

    assert result.returncode == 1, result.stdout + result.stderr
    broken = result.stdout.split("Broken contracts")[1]
    assert contract in broken
    assert arrow in broken
