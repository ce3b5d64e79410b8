"""The cockpit's facts (incidents.services.facts): a refresh after events equals a
recount, runs twice or after a kill without harm, runs beside another, and the cockpit
shows the same figures from them as from the cases. The clock is frozen at NOW, so that
nothing depends on the day the suite runs."""

import datetime
import threading

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard.cockpit import cockpit_cases, cockpit_figures, month_periods
from dashboard.periods import Period
from dashboard.recurring import recurring_problems
from incidents.models import CaseFact, CaseFactsWatermark, GridMonthFact, Incident, IncidentEvent
from incidents.services import facts
from incidents.services.facts import (
    case_facts_differences,
    case_facts_rebuild,
    case_facts_refresh,
)
from incidents.tasks import case_facts_rebuild_recent_task, case_facts_refresh_task
from tests.conftest import NOW, TODAY
from tests.dashboard.test_cockpit import at, fill, make_case

pytestmark = pytest.mark.time_machine(NOW, tick=False)  # Monday 23 November 2026
A = IncidentEvent.Action
SINCE = datetime.date(2026, 5, 1)  # the recurring problems' history starts in May
LATER = NOW + datetime.timedelta(minutes=1)


def _rows() -> list[tuple]:
    names = [field.attname for field in CaseFact._meta.fields[1:]]
    return [
        *CaseFact.objects.order_by(*names).values_list(*names),
        *GridMonthFact.objects.order_by("month", "grid", "category").values_list(
            "month", "grid_id", "category_id", "cases"
        ),
    ]


def _recount() -> list[str]:
    return case_facts_differences(since=SINCE, until=TODAY)


def _events_now(ladder) -> Incident:
    """What a morning brings: a new case, accepted and dispatched; an old case closed and
    rated; another moved to a department. Every event stamped now, as services stamp."""
    new = make_case("NEW", ladder.a2, created=NOW)
    IncidentEvent.objects.create(incident=new, action=A.ACCEPT)
    IncidentEvent.objects.create(incident=new, action=A.AUTO_DISPATCH)
    old = Incident.objects.filter(status="in_progress").order_by("pk").first()
    Incident.objects.filter(pk=old.pk).update(
        status="evaluated", closed_at=NOW, satisfaction="satisfied"
    )
    IncidentEvent.objects.create(incident=old, action=A.VERIFY)
    moved = Incident.objects.filter(status="closed").order_by("-pk").first()
    Incident.objects.filter(pk=moved.pk).update(assignee_department=None, category=new.category)
    IncidentEvent.objects.create(incident=moved, action=A.RETURN)
    return new


def test_a_refresh_without_facts_does_nothing(ladder):
    fill(ladder)

    result = case_facts_refresh()

    assert (result.current, result.days) == (False, 0)
    assert not CaseFact.objects.exists()


def test_a_rebuild_equals_a_recount_from_the_first_of_the_month(ladder):
    fill(ladder)

    days = case_facts_rebuild(since=datetime.date(2026, 5, 17))

    assert days == (TODAY - SINCE).days + 1
    assert CaseFact.objects.exists()
    assert GridMonthFact.objects.exists()
    assert CaseFactsWatermark.objects.get().covers_from == SINCE
    assert _recount() == []


def test_a_refresh_after_events_equals_a_recount(ladder):
    fill(ladder)
    case_facts_rebuild(since=SINCE)
    before = _rows()
    _events_now(ladder)
    assert _recount() != []  # the facts lag the events until the refresh

    result = case_facts_refresh(now=LATER)

    assert result.current
    assert result.days >= 1
    assert _rows() != before
    assert _recount() == []
    assert CaseFactsWatermark.objects.get().current_at == LATER


def test_a_second_refresh_changes_nothing(ladder):
    fill(ladder)
    case_facts_rebuild(since=SINCE)
    _events_now(ladder)
    case_facts_refresh(now=LATER)
    after_first = _rows()

    case_facts_refresh(now=LATER + datetime.timedelta(minutes=1))

    assert _rows() == after_first
    assert _recount() == []


def test_a_refresh_killed_midway_leaves_the_facts_and_watermark_as_they_were(ladder, monkeypatch):
    fill(ladder)
    case_facts_rebuild(since=SINCE)
    before = _rows()
    _events_now(ladder)

    def killed(months):
        raise KeyboardInterrupt  # after the days were rewritten, before the months

    monkeypatch.setattr(facts, "_recompute_months", killed)
    with pytest.raises(KeyboardInterrupt):
        case_facts_refresh(now=LATER)
    monkeypatch.undo()

    assert _rows() == before
    assert CaseFactsWatermark.objects.get().current_at == NOW
    case_facts_refresh(now=LATER)
    assert _recount() == []


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_at_once_count_each_case_once(ladder):
    fill(ladder)
    case_facts_rebuild(since=SINCE)
    _events_now(ladder)
    start = threading.Barrier(2)
    results, errors = [], []

    def refresh():
        try:
            start.wait()
            results.append(case_facts_refresh(now=LATER))
        except Exception as error:  # noqa: BLE001 - reported to the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert len(results) == 2
    assert _recount() == []


def test_rebuild_check_fails_on_a_tampered_row(ladder, capsys):
    fill(ladder)
    call_command("rebuild_case_facts", "--since", SINCE.isoformat())
    call_command("rebuild_case_facts", "--since", SINCE.isoformat(), "--check")
    assert "facts equal a recount" in capsys.readouterr().out
    fact = CaseFact.objects.filter(opened__gt=0).order_by("pk").first()
    CaseFact.objects.filter(pk=fact.pk).update(opened=fact.opened + 1)

    with pytest.raises(CommandError, match="differ"):
        call_command("rebuild_case_facts", "--since", SINCE.isoformat(), "--check")

    output = capsys.readouterr().out
    assert output.count("\n") == 2  # the tampered row as stored, and as recounted
    assert "stored" in output
    assert "recount" in output
    call_command("rebuild_case_facts", "--days", "200")
    assert _recount() == []


def test_rebuild_refuses_a_day_in_the_future(ladder):
    with pytest.raises(CommandError, match="future"):
        call_command(
            "rebuild_case_facts", "--since", (TODAY + datetime.timedelta(days=1)).isoformat()
        )


def _figures(user, region, *, use_facts: bool) -> dict:
    current, previous = month_periods(TODAY, TODAY)
    return cockpit_figures(
        user,
        region,
        current,
        previous,
        queue_url=reverse("incidents:queue"),
        now=NOW,
        use_facts=use_facts,
    )


@pytest.mark.parametrize("month", [11, 10])
def test_the_cockpit_counts_the_same_from_facts_and_from_the_cases(cast, ladder, month):
    fill(ladder, scale=3)
    _events_now(ladder)
    case_facts_rebuild(since=SINCE)
    official, county = cast.county_official, ladder.county
    current, previous = month_periods(datetime.date(2026, month, 1), TODAY)

    from_facts = cockpit_figures(official, county, current, previous, queue_url="/q", now=NOW)
    from_cases = cockpit_figures(
        official, county, current, previous, queue_url="/q", now=NOW, use_facts=False
    )

    assert from_facts == from_cases
    assert from_facts["total"]["cells"][0]["now"]["value"] > 0


def test_the_recurring_problems_are_the_same_from_facts_and_from_the_cases(cast, ladder):
    for n in range(5):
        make_case(f"P{n}", ladder.a3, created=at(3 + n))
    make_case("H", ladder.a3, created=at(3, 9))
    case_facts_rebuild(since=SINCE)
    current = Period(datetime.date(2026, 11, 1), TODAY + datetime.timedelta(days=1))
    cases = cockpit_cases(cast.county_official, ladder.county)

    from_facts = recurring_problems(cases, current, region=ladder.county)

    assert from_facts == recurring_problems(cases, current)
    assert [problem["count"] for problem in from_facts] == [5]


def test_the_cockpit_page_reads_the_facts_in_constant_queries(client, cast, ladder):
    client.force_login(cast.county_official)
    fill(ladder)
    case_facts_rebuild(since=SINCE)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("dashboard:cockpit")).status_code == 200
    fill(ladder, scale=4)
    case_facts_rebuild(since=SINCE)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("dashboard:cockpit"))

    assert len(large.captured_queries) == len(small.captured_queries)
    assert any("incidents_casefact" in query["sql"] for query in large.captured_queries)
    assert response.context["figures"] == _figures(
        cast.county_official, ladder.county, use_facts=False
    )


def test_beat_refreshes_every_minute_and_rebuilds_after_the_night_sweeps():
    refresh = settings.CELERY_BEAT_SCHEDULE["case-facts-refresh"]
    rebuild = settings.CELERY_BEAT_SCHEDULE["case-facts-rebuild-recent"]

    assert refresh["task"] == case_facts_refresh_task.name
    assert refresh["schedule"] == 60.0
    assert rebuild["task"] == case_facts_rebuild_recent_task.name
    assert rebuild["schedule"] == crontab(hour=3, minute=20)


def test_the_nightly_task_makes_the_first_facts_then_the_minute_task_keeps_them(ladder):
    fill(ladder)

    assert case_facts_rebuild_recent_task() == (TODAY - datetime.date(2025, 10, 1)).days + 1
    assert CaseFactsWatermark.objects.get().covers_from == datetime.date(2025, 10, 1)
    _events_now(ladder)
    assert case_facts_refresh_task() >= 1
    assert case_facts_differences(since=datetime.date(2025, 10, 1), until=TODAY) == []
