"""Closing a month: the figures of README.md's formula on cases counted by hand, the
bulletin's scores, ranks and bottom, and that a closed month stays as it was published."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from assessment.models import Bulletin, BulletinEntry
from assessment.selectors import month_counts
from assessment.services import (
    assessment_month_close,
    assessment_months_close_due,
    assessment_scheme_revise,
)
from core.errors import ActionRefused
from tests.assessment.conftest import OCTOBER, A, at, event, make_case, weights
from tests.conftest import NOW

pytestmark = pytest.mark.time_machine(NOW, tick=False)


def _parts(entry: BulletinEntry) -> dict:
    return {p["indicator"]: (p["numerator"], p["denominator"]) for p in entry.parts}


def test_counts_each_indicator_as_documented(ladder, october):
    counts = month_counts(county=ladder.county, month=OCTOBER)

    assert counts["towns"][ladder.town.pk] == {
        "response": (3, 4),
        "resolution": (2, 4),
        "satisfaction": (1, 2),
        "on_time": (3, 4),
    }
    assert counts["towns"][ladder.other_town.pk] == {
        "response": (1, 1),
        "resolution": (1, 1),
        "satisfaction": (1, 1),
        "on_time": (1, 1),
    }
    assert counts["departments"] == {
        october.department.pk: {"resolution": (2, 2), "satisfaction": (1, 2), "on_time": (1, 2)}
    }


def test_closes_a_month_into_a_ranked_bulletin(cast, ladder, october, scheme):
    bulletin = assessment_month_close(
        county=ladder.county, month=OCTOBER, actor=cast.county_official
    )

    assert bulletin.scheme == scheme
    assert bulletin.closed_by == cast.county_official
    towns = {e.name: e for e in bulletin.entries.filter(kind="town")}
    assert (towns["箬横镇"].score, towns["箬横镇"].rank, towns["箬横镇"].is_bottom) == (
        Decimal("100.00"),
        1,
        False,
    )
    # (10 × 75 + 35 × 50 + 35 × 50 + 20 × 75) / 100
    assert (towns["石塘镇"].score, towns["石塘镇"].rank, towns["石塘镇"].is_bottom) == (
        Decimal("57.50"),
        2,
        True,
    )
    assert _parts(towns["石塘镇"]) == {
        "response": (3, 4),
        "resolution": (2, 4),
        "satisfaction": (1, 2),
        "on_time": (3, 4),
    }
    assert [p["points"] for p in towns["石塘镇"].parts] == ["75.00", "50.00", "50.00", "75.00"]
    department = BulletinEntry.objects.get(bulletin=bulletin, kind="department")
    # (35 × 100 + 35 × 50 + 20 × 50) / 90 = 69.444...
    assert (department.name, department.score, department.rank) == (
        "石塘镇城管中队",
        Decimal("69.44"),
        1,
    )
    assert "response" not in _parts(department)


def test_an_indicator_below_the_minimum_sample_is_not_scored(cast, ladder, october, scheme):
    assessment_scheme_revise(
        actor=cast.county_official,
        county=ladder.county,
        weights=weights(),
        min_sample=3,
        bottom_count=3,
    )

    bulletin = assessment_month_close(county=ladder.county, month=OCTOBER)

    s_town = bulletin.entries.get(town=ladder.town)
    # Satisfaction has 2 ratings: the score is the mean of the other three, weighted.
    assert [p["scored"] for p in s_town.parts] == [True, True, False, True]
    assert s_town.score == Decimal("61.54")  # (750 + 1750 + 1500) / 65 = 61.538...
    r_town = bulletin.entries.get(town=ladder.other_town)
    assert (r_town.score, r_town.rank, r_town.is_bottom) == (None, None, False)


def test_the_bulletin_keeps_its_scheme_version_when_the_scheme_changes(
    cast, ladder, october, scheme
):
    bulletin = assessment_month_close(county=ladder.county, month=OCTOBER)

    revised = assessment_scheme_revise(
        actor=cast.county_official,
        county=ladder.county,
        weights=weights(response=(90, Decimal("0"), Decimal("1"))),
        min_sample=1,
        bottom_count=3,
    )

    bulletin.refresh_from_db()
    assert (scheme.version, revised.version, bulletin.scheme.version) == (2, 3, 2)
    assert [p["weight"] for p in bulletin.entries.get(town=ladder.town).parts] == [10, 35, 35, 20]


def test_a_closed_month_does_not_change_when_later_events_arrive(ladder, october, scheme):
    bulletin = assessment_month_close(county=ladder.county, month=OCTOBER)
    before = list(BulletinEntry.objects.filter(bulletin=bulletin).values().order_by("pk"))

    # November: c3 is rated, c6 closed again, a late report of October comes in.
    event(october.c3, A.EVALUATE, at(3, month=11))
    event(october.c6, A.VERIFY, at(4, month=11))
    late = make_case(ladder.a1, reported=at(30), response_deadline=at(30, 12))
    event(late, A.ACCEPT, NOW)

    assert list(BulletinEntry.objects.filter(bulletin=bulletin).values().order_by("pk")) == before
    # The formula reads the log as of the month's end, so a recount agrees too, except for
    # the late report of October filed after it (with its acceptance due in October).
    recount = month_counts(county=ladder.county, month=OCTOBER)["towns"][ladder.town.pk]
    assert recount["response"] == (3, 5)
    assert recount["resolution"] == (2, 4)


def test_refuses_a_second_closing_and_writes_nothing(ladder, october, scheme):
    assessment_month_close(county=ladder.county, month=OCTOBER)

    with pytest.raises(ActionRefused, match="already closed"):
        assessment_month_close(county=ladder.county, month=OCTOBER)

    assert Bulletin.objects.count() == 1
    assert BulletinEntry.objects.count() == 3


def test_refuses_a_month_that_has_not_ended(ladder, scheme):
    with pytest.raises(ActionRefused, match="once it has ended"):
        assessment_month_close(county=ladder.county, month=datetime.date(2026, 11, 1))

    assert not Bulletin.objects.exists()


@pytest.mark.parametrize("who", ["town_official", "other_official", "member", "admin"])
def test_refuses_closing_by_anyone_but_the_county_official(cast, ladder, october, who):
    with pytest.raises(PermissionDenied):
        assessment_month_close(county=ladder.county, month=OCTOBER, actor=getattr(cast, who))

    assert not Bulletin.objects.exists()


def test_scheduled_closing_closes_last_month_once(ladder, october, scheme):
    first = assessment_months_close_due()
    second = assessment_months_close_due()

    assert [(b.county, b.month) for b in first] == [(ladder.county, OCTOBER)]
    assert second == []
    assert Bulletin.objects.get().closed_by is None


def test_command_closes_last_month_and_leaves_a_closed_one(ladder, october, scheme):
    out = StringIO()
    call_command("close_assessment_month", stdout=out)
    call_command("close_assessment_month", "--month", "2026-10", "--county", "331081", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("331081 温岭市 2026-10: closed (3 lines, scheme v2)")
    assert lines[1] == "331081 温岭市 2026-10: This month is already closed."
    assert Bulletin.objects.count() == 1
