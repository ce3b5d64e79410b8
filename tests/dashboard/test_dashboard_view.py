"""The dashboard page and its export: who may open them, the period form, the queries."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from incidents.models import Category, Incident, IncidentEvent
from incidents.services.catalogue import department_save
from members.models import PatrolLog
from tests.conftest import NOW

HOME = reverse("dashboard:home")
EXPORT = reverse("dashboard:export")


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("resident", 403),
        ("member", 403),
        ("leader", 403),
        ("village_staff", 200),
        ("town_official", 200),
        ("other_official", 200),
        ("county_official", 200),
        ("admin", 200),
    ],
)
@pytest.mark.parametrize("url", [HOME, EXPORT])
def test_only_managers_and_admins_open_the_dashboard(client, cast, who, status, url):
    client.force_login(getattr(cast, who))

    response = client.get(url)

    assert response.status_code == status


@pytest.mark.parametrize("url", [HOME, EXPORT])
def test_sends_anonymous_visitors_to_log_in(client, cast, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.time_machine(NOW, tick=False)
def test_refuses_a_period_that_ends_before_it_starts(client, cast):
    client.force_login(cast.town_official)

    response = client.get(
        HOME,
        {"preset": "custom", "start": "2026-11-10", "to": "2026-11-01"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "to": ["The last day cannot be before the first day."]
    }
    assert "figures" not in response.context
    assert b'value="2026-11-10"' in response.content


@pytest.mark.parametrize(
    "params",
    [
        {"preset": "custom"},
        {"preset": "custom", "start": "not a date", "to": "2026-11-01"},
        {"preset": "forever"},
        {"preset": "custom", "start": "2020-01-01", "to": "2026-01-01"},
    ],
)
@pytest.mark.time_machine(NOW, tick=False)
def test_answers_bad_periods_with_400_not_500(client, cast, params):
    client.force_login(cast.town_official)

    assert client.get(HOME, params).status_code == 400
    assert client.get(EXPORT, params).status_code == 400


@pytest.mark.time_machine(NOW, tick=False)
def test_custom_period_includes_its_last_day(client, cast):
    client.force_login(cast.town_official)

    response = client.get(HOME, {"preset": "custom", "start": "2026-11-01", "to": "2026-11-07"})

    period = response.context["figures"]["period"]
    assert (period.start, period.end) == (datetime.date(2026, 11, 1), datetime.date(2026, 11, 8))
    assert len(response.context["figures"]["trend"]) == 7


def _fill(ladder, cast, scale: int) -> None:
    """``scale`` times the same mix of cases, events and patrols in S Town."""
    now = timezone.now()
    category = Category.objects.get(code="garbage")
    department = department_save(code="urban-management", name="综合执法队", region=ladder.town)
    member = cast.member.grid_member
    grids = [ladder.a1, ladder.a2, ladder.a3]
    start = Incident.objects.count()
    cases = []
    for n in range(start, start + 10 * scale):
        grid = grids[n % 3]
        closed = n % 2 == 0
        cases.append(
            Incident(
                code=f"Q{n:06d}",
                title="-",
                description="-",
                category=category,
                town=ladder.town,
                grid=grid,
                source=Incident.Source.PATROL,
                level=6,
                handling_region=grid.village,
                status="evaluated" if closed else "in_progress",
                satisfaction="satisfied" if closed else "",
                created_at=now - datetime.timedelta(days=n % 20, hours=1),
                closed_at=now - datetime.timedelta(hours=1) if closed else None,
                deadline=now - datetime.timedelta(hours=n % 5 - 2),
                assignee_department=department if n % 3 == 0 else None,
                assignee_user=member.user if n % 4 == 0 else None,
            )
        )
    created = Incident.objects.bulk_create(cases)
    IncidentEvent.objects.bulk_create(
        IncidentEvent(incident=case, action=action, breached_deadline=now)
        for case in created[::2]
        for action in ("auto_escalate", "rework")
    )
    PatrolLog.objects.bulk_create(
        PatrolLog(
            member=member,
            grid=ladder.a1,
            started_at=now - datetime.timedelta(days=n % 10, hours=2),
            ended_at=now - datetime.timedelta(days=n % 10, hours=1),
            findings="-" if n % 2 else "",
        )
        for n in range(3 * scale)
    )


def _queries_of_a_render(client) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(HOME)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_runs_as_many_queries_for_ten_times_the_cases(client, cast, ladder):
    client.force_login(cast.town_official)
    _fill(ladder, cast, scale=1)
    small = _queries_of_a_render(client)
    assert Incident.objects.count() == 10

    _fill(ladder, cast, scale=10)
    large = _queries_of_a_render(client)

    assert Incident.objects.count() == 110
    assert len(large) == len(small)
    assert len(small) <= 30


def test_renders_figures_and_map_data(client, cast, ladder):
    _fill(ladder, cast, scale=1)
    client.force_login(cast.town_official)

    response = client.get(HOME)

    figures = response.context["figures"]
    assert figures["headline"]["opened"] == 10
    assert figures["headline"]["overdue_now"] == 3
    assert reverse("dashboard:map").encode() in response.content
    assert b'id="dash-trend-data"' in response.content
    assert "东山一网格".encode() in response.content


def _csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_exports_the_figures_as_csv(client, cast, ladder):
    _fill(ladder, cast, scale=1)
    client.force_login(cast.town_official)

    response = client.get(EXPORT, {"preset": "30"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="dashboard-')
    rows = _csv_rows(response)
    assert rows[0] == ["Section", "Item", "Measure", "Value"]
    assert {len(row) for row in rows} == {4}
    summary = {row[2]: row[3] for row in rows if row[0] == "Summary"}
    assert list(summary) == [
        "Opened",
        "Closed",
        "Closed on time",
        "On-time closure rate",
        "Average handling time (hours)",
        "Escalated",
        "Escalation rate",
        "Sent back for rework",
        "Rework rate",
        "Rated",
        "Satisfaction rate",
        "Open now",
        "Overdue now",
    ]
    assert summary["Opened"] == "10"
    assert ["Assigned department", "综合执法队", "Opened"] in [row[:3] for row in rows]
    assert ["Grid", "东山一网格", "Overdue now"] in [row[:3] for row in rows]


def test_exports_the_same_rows_as_xlsx(client, cast, ladder):
    _fill(ladder, cast, scale=1)
    client.force_login(cast.town_official)

    as_csv = _csv_rows(client.get(EXPORT, HTTP_ACCEPT_LANGUAGE="en"))
    response = client.get(EXPORT, {"format": "xlsx"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    as_xlsx = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert [[_number(value) for value in row] for row in as_xlsx] == [
        [_number(value) for value in row] for row in as_csv
    ]


def _number(value):
    """CSV cells are text; the workbook keeps numbers as numbers and blanks as None."""
    if value is None:
        return ""
    try:
        return float(value)
    except ValueError:
        return value


def test_export_of_another_town_holds_none_of_its_cases(client, cast, ladder):
    _fill(ladder, cast, scale=1)
    client.force_login(cast.other_official)

    rows = _csv_rows(client.get(EXPORT, HTTP_ACCEPT_LANGUAGE="en"))

    summary = {row[2]: row[3] for row in rows if row[0] == "Summary"}
    assert (summary["Opened"], summary["Closed"], summary["Open now"]) == ("0", "0", "0")
    assert [row for row in rows if row[0] in ("Grid", "Grid member")] == []


MAP = reverse("dashboard:map")


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 403),
        ("resident", 403),
        ("member", 403),
        ("town_official", 200),
        ("other_official", 200),
        ("admin", 200),
    ],
)
def test_only_managers_and_admins_get_the_map_layers(client, cast, who, status):
    if getattr(cast, who) is not None:
        client.force_login(getattr(cast, who))

    response = client.get(MAP)

    assert response.status_code == status


def test_map_layers_hold_only_the_officials_grids_and_cases(client, cast, ladder):
    _fill(ladder, cast, scale=1)
    client.force_login(cast.other_official)

    layers = client.get(MAP).json()

    assert [grid["id"] for grid in layers["grids"]["features"]] == ["331081113001001"]
    assert "cases" not in layers  # read by the box in view: tests/dashboard/test_dashboard_map.py


@pytest.mark.time_machine(NOW, tick=False)
def test_map_refuses_a_bad_period_with_400(client, cast):
    client.force_login(cast.town_official)

    response = client.get(MAP, {"preset": "custom", "start": "2026-11-10", "to": "2026-11-01"})

    assert response.status_code == 400
