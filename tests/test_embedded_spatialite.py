"""The embedded set-up: SpatiaLite, no Redis, ``migrate`` then ``seed_demo`` in a subprocess."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Printed by ``manage.py shell -c`` in the seeded database: counts, and the tiling checked
# with GEOS (SpatiaLite has no geography type for areas in square metres).
REPORT = """
import json
from django.contrib.gis.geos import MultiPolygon
from grids.models import Grid, Region
from members.models import GridMember, Household, Resident, User
from surveys.models import Answer, Response, Survey
grids = list(Grid.objects.select_related("village"))
town = Region.objects.get(code="331081112")
town_grids = [g for g in grids if g.village.parent_id == town.pk]
overlaps = [
    (a.code, b.code) for i, a in enumerate(grids) for b in grids[i + 1:]
    if a.boundary.intersection(b.boundary).area > 1e-12
]
union = MultiPolygon(*[p for g in town_grids for p in g.boundary]).unary_union
print(json.dumps({
    "levels": sorted(Region.objects.values_list("level", flat=True)),
    "grids": len(grids),
    "members": GridMember.objects.count(),
    "households": Household.objects.count(),
    "residents": Resident.objects.count(),
    "surveys": sorted(Survey.objects.filter(is_template=False).values_list("audience", flat=True)),
    "responses": sorted(set(Response.objects.values_list("role", flat=True))),
    "answers": Answer.objects.count(),
    "accounts": sorted(User.objects.filter(username__startswith="demo_")
                       .values_list("username", flat=True)),
    "overlaps": overlaps,
    "area_ratio": sum(g.boundary.area for g in town_grids) / town.boundary.area,
    "uncovered": town.boundary.difference(union).area,
}))
"""


def _manage(*args: str, env: dict, timeout: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    """An embedded platform: SpatiaLite file, file-based broker, migrated and seeded."""
    tmp_path = tmp_path_factory.mktemp("embedded")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DATABASE_URL=f"spatialite:///{tmp_path / 'db.sqlite3'}",
        DEBUG="true",
        BROKER_DIR=str(tmp_path / "broker"),
    )
    migrated = _manage("migrate", "--no-input", "-v0", env=env, timeout=120)
    assert migrated.returncode == 0, migrated.stderr
    seeded = _manage("seed_demo", "-v0", env=env, timeout=180)
    assert seeded.returncode == 0, seeded.stderr
    return env, seeded.stdout


ESCALATED = """
from incidents.models import IncidentEvent
print(IncidentEvent.objects.filter(action="auto_escalate").count())
"""
OVERDUE = """
from django.utils import timezone
from incidents.models import Incident
print(Incident.objects.overdue(timezone.now()).count())
"""


def _number(env, code: str) -> int:
    result = _manage("shell", "-v0", "-c", code, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_escalation_runs_on_the_embedded_broker_and_database(embedded):
    env, _output = embedded
    overdue = _number(env, OVERDUE)
    assert overdue > 0, "the demo seeds cases that are already overdue"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "grid_platform",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        sent = _manage(
            "shell",
            "-v0",
            "-c",
            "from incidents.tasks import incidents_escalate_overdue_task as t; t.delay()",
            env=env,
            timeout=60,
        )
        assert sent.returncode == 0, sent.stderr
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and _number(env, ESCALATED) < overdue:
            time.sleep(1)
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    assert _number(env, ESCALATED) >= overdue


@pytest.mark.slow
def test_migrates_and_seeds_the_demo_town_on_spatialite(embedded):
    env, seeded_output = embedded
    report = _manage("shell", "-v0", "-c", REPORT, env=env, timeout=60)

    assert "demo_admin" in seeded_output
    assert report.returncode == 0, report.stderr
    figures = json.loads(report.stdout.strip().splitlines()[-1])
    # The default demo: a county of three towns of 40 grids each.
    assert figures["levels"] == [2, 3, 4, 4, 4] + [5] * 24
    assert figures["grids"] == 3 * 40
    assert figures["members"] == 3 * 60
    # S Town's overloaded grid (the re-division advisor's) has a new estate.
    assert figures["households"] == 3 * 2000 + 50
    assert figures["residents"] == 3 * 5000 + 125
    assert figures["surveys"] == ["members", "residents"]
    assert figures["responses"] == ["member", "resident"]
    assert figures["answers"] > 3000
    assert figures["accounts"] == sorted(
        f"demo_{name}"
        for name in [
            "resident",
            "member",
            "leader",
            "village",
            "department",
            "town",
            "county",
            "hotline",
            "city",
            "admin",
        ]
    )
    assert figures["overlaps"] == []
    assert figures["area_ratio"] == pytest.approx(1, rel=1e-6)
    assert figures["uncovered"] < 1e-12


# Every page a newcomer opens after `make run`, as the demo accounts, on the embedded
# database: SpatiaLite must answer each spatial and aggregate query the pages make.
PAGES = """
import json
from django.test import Client
from django.urls import reverse
from assessment.models import Bulletin
from incidents.models import Category, Incident
from members.models import GridMember, GridSplitProposal, Household, User
from surveys.models import Survey

case = Incident.objects.filter(grid__assignments__member__user__username="demo_member").first()
survey = Survey.objects.filter(is_template=False, audience="residents").first()
garbage = Category.objects.get(code="garbage")
near = {"category": garbage.pk, "latitude": case.location.y, "longitude": case.location.x}
bulletin = Bulletin.objects.first()
import dashboard.maps
dashboard.maps.POINT_LIMIT = 1  # the map's clusters: their SQL on SpatiaLite
member = GridMember.objects.get(user__username="demo_member")
household = Household.objects.filter(grid__assignments__member=member).first()
split = GridSplitProposal.objects.first()
visits = {
    None: [
        reverse("public:new"), reverse("public:track"), reverse("login"),
        reverse("public:suggest") + "?" + "&".join(f"{k}={v}" for k, v in near.items()),
        "/open311/v2/services.json", "/open311/v2/requests.json",
        reverse("survey_public:answer", args=[survey.token]),
    ],
    "demo_member": [
        reverse("members:workspace"), reverse("members:patrol"),
        reverse("incidents:quick_report"), reverse("members:households"),
        reverse("members:household", args=[household.pk]),
        reverse("members:household_edit", args=[household.pk]),
        reverse("members:household_visit", args=[household.pk]),
        reverse("members:household_add"),
        reverse("incidents:detail", args=[case.pk]),
        reverse("incidents:suggest") + "?" + "&".join(f"{k}={v}" for k, v in near.items()),
        "/api/cases/",
    ],
    "demo_town": [
        reverse("home"), reverse("grids:map"), reverse("grids:geojson"),
        reverse("incidents:queue"), reverse("incidents:queue") + "?overdue=on",
        reverse("incidents:detail", args=[case.pk]),
        reverse("dashboard:home"), reverse("dashboard:map"),
        reverse("dashboard:map_cases") + "?bbox=120,27,123,30&zoom=10",
        reverse("dashboard:map_cases") + "?bbox=120,27,123,30&zoom=10&list=1&offset=5",
        reverse("surveys:list"), reverse("surveys:results", args=[survey.pk]),
        reverse("members:resident_list"), "/api/grids/", "/api/cases/", "/api/schema/",
        reverse("members:notifications"), reverse("members:member_review", args=[member.pk]),
        reverse("assessment:index"), reverse("assessment:bulletin", args=[bulletin.pk]),
        reverse("dashboard:workload"), reverse("members:split", args=[split.pk]),
    ],
    "demo_county": [
        reverse("dashboard:cockpit"), reverse("dashboard:cockpit_map"), "/api/cockpit/",
        reverse("assessment:index"), reverse("assessment:bulletin", args=[bulletin.pk]),
        reverse("assessment:bulletin_xlsx", args=[bulletin.pk]),
    ],
    "demo_hotline": [reverse("incidents:hotline_call")],
    "demo_department": [reverse("incidents:queue"), reverse("members:notifications")],
}
answers = {}
for username, paths in visits.items():
    client = Client()
    if username:
        client.force_login(User.objects.get(username=username))
    for path in paths:
        answers[f"{username} {path}"] = client.get(path, follow=True).status_code
print(json.dumps(answers))
"""


@pytest.mark.slow
def test_the_pages_answer_on_the_embedded_database(embedded):
    env, _output = embedded
    env = {**env, "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost"}

    result = _manage("shell", "-v0", "-c", PAGES, env=env, timeout=180)

    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(answers) > 25
    assert {page: code for page, code in answers.items() if code != 200} == {}


FACTS = """
from incidents.tasks import case_facts_rebuild_recent_task, case_facts_refresh_task
print(case_facts_refresh_task(), case_facts_rebuild_recent_task())
"""


@pytest.mark.slow
def test_the_beats_facts_tasks_do_nothing_on_the_embedded_database(embedded):
    """The cockpit's facts are PostgreSQL's; beat runs their refresh every minute on the
    embedded database too, which must not fail (the cockpit counts from the cases)."""
    env, _output = embedded

    tasks = _manage("shell", "-v0", "-c", FACTS, env=env, timeout=60)
    command = _manage("rebuild_case_facts", env=env, timeout=60)

    assert tasks.returncode == 0, tasks.stderr
    assert tasks.stdout.strip().splitlines()[-1] == "0 0"
    assert command.returncode == 0, command.stderr
    assert "PostgreSQL only" in command.stdout
