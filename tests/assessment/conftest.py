"""Cases and their histories for the assessment tests, written straight into the tables
(the event times are the point, so each event's ``created_at`` is set after its insert)."""

import datetime
from decimal import Decimal
from itertools import count
from types import SimpleNamespace

import pytest

from assessment.models import Indicator
from assessment.services import assessment_scheme_current, assessment_scheme_revise
from incidents.models import Category, Incident, IncidentEvent
from incidents.services.catalogue import department_save
from tests.conftest import SHANGHAI

A = IncidentEvent.Action
OCTOBER = datetime.date(2026, 10, 1)
_codes = count(1)


def at(day: int, hour: int = 10, month: int = 10) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, 0, tzinfo=SHANGHAI)


def make_case(grid, *, reported, response_deadline, satisfaction="", status="accepted"):
    incident = Incident.objects.create(
        code=f"A{next(_codes):06d}",
        title="-",
        description="-",
        category=Category.objects.get(code="garbage"),
        town=grid.village.parent,
        grid=grid,
        source=Incident.Source.HOTLINE,
        level=6,
        handling_region=grid.village,
        status=status,
        created_at=reported,
        satisfaction=satisfaction,
    )
    event(incident, A.REPORT, reported, deadline_after=response_deadline)
    return incident


def event(incident, action, when, **fields):
    row = IncidentEvent.objects.create(incident=incident, action=action, **fields)
    IncidentEvent.objects.filter(pk=row.pk).update(created_at=when)
    return row


def weights(**changes) -> dict:
    rows = {
        Indicator.RESPONSE.value: (10, Decimal("0"), Decimal("1")),
        Indicator.RESOLUTION.value: (35, Decimal("0"), Decimal("1")),
        Indicator.SATISFACTION.value: (35, Decimal("0"), Decimal("1")),
        Indicator.ON_TIME.value: (20, Decimal("0"), Decimal("1")),
    }
    rows.update(changes)
    return rows


@pytest.fixture
def scheme(cast, ladder):
    """The default weights with a minimum sample of 1 (version 2: version 1 is the default)."""
    assessment_scheme_current(county=ladder.county)
    return assessment_scheme_revise(
        actor=cast.county_official,
        county=ladder.county,
        weights=weights(),
        min_sample=1,
        bottom_count=3,
        note="tests",
    )


@pytest.fixture
def october(ladder):
    """Cases of S Town (a1) and R Town (b1) around October 2026; the expected figures of
    tests/assessment/test_month_close.py are counted from here.

    S Town:
    c1 reported 3 Oct, accepted in time, dispatched to D, closed 5 Oct, rated satisfied.
    c2 reported 10 Oct, accepted late, dispatched to D, escalated overdue, closed 20 Oct,
       rated dissatisfied.
    c3 reported 30 Oct, its acceptance due 1 Nov (not October's), accepted 31 Oct, closed
       2 Nov (after the month).
    c4 reported and accepted in September, closed 2 Oct, reopened 15 Oct.
    c5 reported 20 Oct, rejected in time.
    c6 reported 5 Oct, accepted in time, closed 8 Oct, reopened 9 Oct.
    R Town:
    c7 reported 4 Oct, accepted in time, closed 6 Oct, rated basically satisfied.
    """
    d = department_save(code="urban-management", name="城管中队", region=ladder.town)
    a1, b1 = ladder.a1, ladder.b1
    c1 = make_case(a1, reported=at(3), response_deadline=at(3, 14), satisfaction="satisfied")
    event(c1, A.ACCEPT, at(3, 11))
    event(c1, A.DISPATCH, at(3, 12), department=d)
    event(c1, A.VERIFY, at(5))
    event(c1, A.EVALUATE, at(6))
    c2 = make_case(a1, reported=at(10), response_deadline=at(10, 12), satisfaction="dissatisfied")
    event(c2, A.ACCEPT, at(10, 15))
    event(c2, A.DISPATCH, at(10, 16), department=d)
    event(c2, A.AUTO_ESCALATE, at(12), breached_deadline=at(12))
    event(c2, A.VERIFY, at(20))
    event(c2, A.EVALUATE, at(21))
    c3 = make_case(
        a1,
        reported=at(30),
        response_deadline=datetime.datetime(2026, 11, 1, 2, 0, tzinfo=SHANGHAI),
    )
    event(c3, A.ACCEPT, at(31))
    event(c3, A.VERIFY, at(2, month=11))
    c4 = make_case(a1, reported=at(28, month=9), response_deadline=at(28, 14, month=9))
    event(c4, A.ACCEPT, at(28, 11, month=9))
    event(c4, A.VERIFY, at(2))
    event(c4, A.REOPEN, at(15))
    c5 = make_case(a1, reported=at(20), response_deadline=at(20, 18), status="rejected")
    event(c5, A.REJECT, at(20, 11))
    c6 = make_case(a1, reported=at(5), response_deadline=at(5, 18))
    event(c6, A.ACCEPT, at(5, 11))
    event(c6, A.VERIFY, at(8))
    event(c6, A.REOPEN, at(9))
    c7 = make_case(
        b1, reported=at(4), response_deadline=at(4, 18), satisfaction="basically_satisfied"
    )
    event(c7, A.ACCEPT, at(4, 11))
    event(c7, A.VERIFY, at(6))
    event(c7, A.EVALUATE, at(7))
    return SimpleNamespace(department=d, c1=c1, c2=c2, c3=c3, c4=c4, c5=c5, c6=c6, c7=c7)
