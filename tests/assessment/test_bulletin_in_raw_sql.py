"""A month's bulletin recomputed in raw SQL, by another route than the ORM's (one pass of
aggregates over each case's events instead of correlated subqueries), gives the same counts,
scores and ranks as the stored bulletin."""

import datetime
import random
from decimal import Decimal

import pytest
from django.db import connection

from assessment.models import Bulletin
from assessment.selectors import month_bounds
from assessment.services import assessment_month_close, assessment_scheme_revise
from incidents.services.catalogue import department_save
from tests.assessment.conftest import OCTOBER, A, event, make_case, weights
from tests.conftest import NOW, SHANGHAI

pytestmark = pytest.mark.time_machine(NOW, tick=False)

RAW_SQL = """
WITH per_case AS (
    SELECT i.id, i.town_id, i.satisfaction,
        (array_agg(e.deadline_after ORDER BY e.created_at, e.id)
            FILTER (WHERE e.action = 'report'))[1] AS response_deadline,
        min(e.created_at) FILTER (WHERE e.action IN ('accept', 'reject', 'merge'))
            AS first_response,
        bool_or(e.action = 'accept' AND e.created_at >= %(start)s AND e.created_at < %(end)s)
            AS accepted,
        bool_or(e.action = 'verify' AND e.created_at >= %(start)s AND e.created_at < %(end)s)
            AS closed,
        bool_or(e.action = 'evaluate' AND e.created_at >= %(start)s AND e.created_at < %(end)s)
            AS rated,
        bool_or(e.action IN ('auto_escalate', 'stall') AND e.created_at < %(end)s) AS breached,
        max(e.created_at) FILTER (WHERE e.action = 'verify' AND e.created_at < %(end)s)
            AS last_closing,
        max(e.created_at) FILTER (WHERE e.action = 'reopen' AND e.created_at < %(end)s)
            AS last_reopening
    FROM incidents_incident i
    JOIN grids_region t ON t.id = i.town_id
    JOIN incidents_incidentevent e ON e.incident_id = i.id
    WHERE t.parent_id = %(county)s
    GROUP BY i.id
),
per_town AS (
    SELECT town_id, 'response' AS indicator,
        count(*) FILTER (WHERE response_deadline >= %(start)s AND response_deadline < %(end)s
            AND first_response <= response_deadline) AS numerator,
        count(*) FILTER (WHERE response_deadline >= %(start)s AND response_deadline < %(end)s)
            AS denominator
    FROM per_case GROUP BY town_id
    UNION ALL
    SELECT town_id, 'resolution',
        count(*) FILTER (WHERE accepted AND last_closing IS NOT NULL
            AND (last_reopening IS NULL OR last_reopening <= last_closing)),
        count(*) FILTER (WHERE accepted)
    FROM per_case GROUP BY town_id
    UNION ALL
    SELECT town_id, 'satisfaction',
        count(*) FILTER (WHERE rated AND satisfaction IN ('satisfied', 'basically_satisfied')),
        count(*) FILTER (WHERE rated AND satisfaction <> '')
    FROM per_case GROUP BY town_id
    UNION ALL
    SELECT town_id, 'on_time',
        count(*) FILTER (WHERE closed AND NOT breached),
        count(*) FILTER (WHERE closed)
    FROM per_case GROUP BY town_id
),
scored AS (
    SELECT p.town_id, w.weight,
        100 * least(greatest(
            (p.numerator::numeric / p.denominator - w.floor) / (w.target - w.floor), 0), 1)
            AS points
    FROM per_town p
    JOIN assessment_schemeindicator w
        ON w.indicator = p.indicator AND w.scheme_id = %(scheme)s
    JOIN assessment_assessmentscheme s ON s.id = w.scheme_id
    WHERE w.weight > 0 AND p.denominator > 0 AND p.denominator >= s.min_sample
),
scores AS (
    SELECT town_id, round(sum(weight * points) / sum(weight), 2) AS score
    FROM scored GROUP BY town_id
)
SELECT r.name,
    (SELECT json_object_agg(indicator, json_build_array(numerator, denominator))
        FROM per_town p WHERE p.town_id = r.id) AS parts,
    scores.score,
    CASE WHEN scores.score IS NULL THEN NULL
        ELSE rank() OVER (ORDER BY scores.score DESC NULLS LAST) END AS rank
FROM grids_region r
LEFT JOIN scores ON scores.town_id = r.id
WHERE r.parent_id = %(county)s AND r.level = 4
ORDER BY r.name
"""


def _random_month(ladder, seed: int) -> None:
    """Sixty cases of both towns from mid-September to mid-November, each with a random
    walk of steps, some of them late, reopened, rated or dispatched to a department."""
    rng = random.Random(seed)  # noqa: S311 - test data
    departments = [
        department_save(code="urban-management", name="城管中队", region=ladder.town),
        department_save(code="market", name="市场监管所", region=ladder.other_town),
    ]
    start = datetime.datetime(2026, 9, 15, 8, 0, tzinfo=SHANGHAI)
    for _ in range(60):
        grid = rng.choice([ladder.a1, ladder.a2, ladder.a3, ladder.b1])
        reported = start + datetime.timedelta(minutes=rng.randint(0, 60 * 24 * 55))
        deadline = reported + datetime.timedelta(hours=rng.choice([2, 24, 72]))
        rating = rng.choice(["", "satisfied", "basically_satisfied", "dissatisfied"])
        case = make_case(grid, reported=reported, response_deadline=deadline, satisfaction=rating)
        when = reported
        if rng.random() < 0.1:
            event(case, A.REJECT, when + datetime.timedelta(hours=rng.randint(1, 30)))
            continue
        when += datetime.timedelta(hours=rng.randint(1, 30))
        event(case, A.ACCEPT, when)
        if rng.random() < 0.2:
            continue
        when += datetime.timedelta(hours=rng.randint(1, 48))
        event(case, A.DISPATCH, when, department=rng.choice([*departments, None]))
        if rng.random() < 0.3:
            when += datetime.timedelta(hours=rng.randint(1, 72))
            event(case, A.AUTO_ESCALATE, when, breached_deadline=when)
        if rng.random() < 0.2:
            continue
        when += datetime.timedelta(hours=rng.randint(1, 200))
        event(case, A.VERIFY, when)
        if rating:
            event(case, A.EVALUATE, when + datetime.timedelta(hours=rng.randint(1, 100)))
        if rng.random() < 0.15:
            event(case, A.REOPEN, when + datetime.timedelta(hours=rng.randint(1, 300)))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_raw_sql_recomputes_the_stored_bulletin(cast, ladder, seed):
    _random_month(ladder, seed)
    scheme = assessment_scheme_revise(
        actor=cast.county_official,
        county=ladder.county,
        weights=weights(on_time=(20, Decimal("0.5"), Decimal("0.95"))),
        min_sample=2,
        bottom_count=3,
    )
    bulletin = assessment_month_close(county=ladder.county, month=OCTOBER)
    start, end = month_bounds(OCTOBER)

    with connection.cursor() as cursor:
        cursor.execute(
            RAW_SQL, {"start": start, "end": end, "county": ladder.county.pk, "scheme": scheme.pk}
        )
        recomputed = [
            (name, {k: tuple(v) for k, v in (parts or {}).items()}, score, rank)
            for name, parts, score, rank in cursor.fetchall()
        ]

    stored = [
        (
            entry.name,
            {p["indicator"]: (p["numerator"], p["denominator"]) for p in entry.parts},
            entry.score,
            entry.rank,
        )
        for entry in Bulletin.objects.get(pk=bulletin.pk)
        .entries.filter(kind="town")
        .order_by("name")
    ]
    # Both towns are scored on every indicator: nothing here is vacuously equal.
    assert all(score is not None for _name, _parts, score, _rank in stored)
    assert all(len(parts) == 4 for _name, parts, _score, _rank in recomputed)
    assert recomputed == stored
