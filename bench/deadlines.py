"""Benchmark: the warning sweep and the deadline recalculation against raw-SQL floors
(issue 17), in the form of bench/escalation.py.

    .venv/bin/python bench/deadlines.py [--cases 100000] [--batch-size 5000]
        [--database-url postgis://postgres@127.0.0.1:5432/gp_bench_deadlines]

On PostGIS it builds ``--cases`` open cases with a running stage clock (anchored up to a
week ago, five working days each, yellow and not yet warned, spread over the rungs, the
urgencies and the open statuses) and times:

1. ``incidents_warn_due`` (every case gets its one warning), then a floor: the same events
   and the same flag cleared in one INSERT ... SELECT and one UPDATE, one transaction;
2. ``incidents_recalculate_deadlines`` after a new holiday is entered two days ahead (the
   deadline of nearly every case moves), then a floor: the same new deadlines, computed
   beforehand and kept in a table, written with one UPDATE ... FROM and one
   INSERT ... SELECT of the events, one transaction.

It checks that both write what their floor writes, counts the statements of each service
(they grow with the batches, not with the cases), and ends with one line::

    deadlines: n=N warn_s=W warn_floor_s=F1 warn_vs_floor=R1 warn_queries=Q1
    recalc_s=S recalc_floor_s=F2 recalc_vs_floor=R2 recalc_queries=Q2 moved=M batches=B

Target: each ratio at most 3. The benchmark owns its database (name must contain "bench").
"""

import argparse
import datetime
import os
import sys
import time
from urllib.parse import urlsplit

from escalation import (
    LEVELS,
    build_ladder,
    empty_cases,
    log,
    scalar,
    settle,
    setup_django,
    sql,
)

DEFAULT_URL = "postgis://postgres@127.0.0.1:5432/gp_bench_deadlines"
TARGET = 3.0
OPEN = ("reported", "accepted", "dispatched", "in_progress", "handled")
WEEK_MINUTES = 7 * 24 * 60
FIVE_DAYS = 5 * 450  # five working days of 7.5 hours, in minutes


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=None, help="default: the service's")
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DEADLINES_DATABASE_URL", DEFAULT_URL)
    )
    args = parser.parse_args()
    if "bench" not in urlsplit(args.database_url).path:
        parser.error("the benchmark empties its database: give one whose name contains 'bench'")
    return args


def build_cases(now: datetime.datetime, cases: int, grids) -> None:
    categories = empty_cases(grids, ("warning_digest",))
    open_ = "ARRAY[" + ", ".join(f"'{s}'" for s in OPEN) + "]"
    # Deadlines are a rough guess (anchor + 7 days): the recalculation puts them right.
    statement = f"""
        INSERT INTO incidents_incident (
            code, title, description, category_id, urgency, address, town_id, grid_id,
            source, reporter_name, reporter_phone_encrypted, reporter_phone_hash,
            reporter_phone_masked, level, handling_region_id, status, deadline, is_supervised,
            is_stalled_at_top, escalation_count, satisfaction, evaluation_comment, created_at,
            updated_at, suspended_from, clock_from, clock_working, clock_source,
            stage_minutes_used, stage_minutes_paused, stage_minutes_remaining,
            warning_percent, yellow_at, is_warning_due
        )
        SELECT
            'D' || lpad(g::text, 9, '0'), '基准案件', '-',
            (%(categories)s::bigint[])[1 + mod(g, {len(categories)})],
            (ARRAY['urgent', 'important', 'ordinary'])[1 + mod(g / 4, 3)],
            '', bg.town_id, bg.grid_id, 'patrol', '', '', '', '', lv.level,
            CASE lv.level WHEN 3 THEN bg.county_id WHEN 4 THEN bg.town_id ELSE bg.village_id END,
            ({open_})[1 + mod(g / 12, 5)],
            %(now)s + interval '7 days' - make_interval(mins => mod(g, {WEEK_MINUTES})),
            false, false, 0, '', '', %(now)s - interval '30 days', %(now)s - interval '30 days',
            '', %(now)s - make_interval(mins => mod(g, {WEEK_MINUTES})), true, 'stage',
            0, 0, {FIVE_DAYS}, 80, %(now)s - interval '1 minute', true
        FROM generate_series(1, %(cases)s) AS g
        JOIN bench_grid bg ON bg.idx = mod(g, {len(grids)})
        CROSS JOIN LATERAL (SELECT (ARRAY{list(LEVELS)})[1 + mod(g, 4)] AS level) lv
    """
    sql("SET session_replication_role = replica")
    try:
        sql(statement, {"categories": categories, "now": now, "cases": cases})
    finally:
        sql("SET session_replication_role = DEFAULT")
    sql(
        "CREATE UNLOGGED TABLE bench_before AS SELECT id, deadline, yellow_at, "
        "is_warning_due FROM incidents_incident"
    )
    sql("ALTER TABLE bench_before ADD PRIMARY KEY (id)")


def reset() -> None:
    sql(
        "UPDATE incidents_incident i SET deadline = b.deadline, yellow_at = b.yellow_at, "
        "is_warning_due = b.is_warning_due FROM bench_before b WHERE i.id = b.id"
    )
    sql("TRUNCATE incidents_incidentevent CASCADE")
    sql("DELETE FROM members_notification WHERE kind = 'warning_digest'")
    settle("incidents_incident", "incidents_incidentevent", "members_notification")


def timed(function):
    from collections import deque

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_limit = 10_000_000
    connection.queries_log = deque(maxlen=connection.queries_limit)
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        result = function()
        seconds = time.perf_counter() - started
    queries = len(captured.captured_queries)
    connection.queries_log.clear()
    return result, seconds, queries


def floor(*statements: tuple[str, list]) -> float:
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for statement, params in statements:
            cursor.execute(statement, params)
    return time.perf_counter() - started


WARN_WHERE = (
    "status IN ('reported', 'accepted', 'dispatched', 'in_progress', 'handled') "
    "AND is_warning_due AND yellow_at <= %s"
)


def warn_floor(now) -> float:
    return floor(
        (
            "INSERT INTO incidents_incidentevent (incident_id, action, from_status, to_status,"
            " from_level, to_level, note, breached_deadline, created_at) SELECT id, 'warn',"
            f" status, status, level, level, '', deadline, %s FROM incidents_incident"
            f" WHERE {WARN_WHERE} AND deadline > %s",
            [now, now, now],
        ),
        (f"UPDATE incidents_incident SET is_warning_due = false WHERE {WARN_WHERE}", [now]),
    )


def recalc_floor(now) -> float:
    return floor(
        (
            "INSERT INTO incidents_incidentevent (incident_id, action, from_status, to_status,"
            " from_level, to_level, note, deadline_before, deadline_after, created_at)"
            " SELECT i.id, 'recalculate', i.status, i.status, i.level, i.level, '',"
            " i.deadline, a.deadline, %s FROM incidents_incident i JOIN bench_after a"
            " USING (id) WHERE a.deadline IS DISTINCT FROM i.deadline",
            [now],
        ),
        (
            "UPDATE incidents_incident i SET deadline = a.deadline, yellow_at = a.yellow_at,"
            " is_warning_due = true FROM bench_after a WHERE i.id = a.id"
            " AND (i.deadline, i.yellow_at) IS DISTINCT FROM (a.deadline, a.yellow_at)",
            [],
        ),
    )


def count_events(action: str) -> int:
    return scalar("SELECT count(*) FROM incidents_incidentevent WHERE action = %s", [action])


def main() -> int:
    args = parse_args()
    n = args.cases
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    log(f"load average {load} on {os.cpu_count()} cores (compare ratios, not seconds)")
    setup_django(args.database_url)
    from django.utils import timezone

    from incidents.models import CalendarDay
    from incidents.services.recalculation import BATCH_SIZE, incidents_recalculate_deadlines
    from incidents.services.warnings import incidents_warn_due
    from incidents.working_time import WorkingCalendar

    batch = args.batch_size or BATCH_SIZE
    # A working moment of a year whose calendar is entered: Wednesday 25 November 2026, 10:00.
    now = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=timezone.get_current_timezone())
    CalendarDay.objects.filter(date__gte=now.date()).filter(name="bench").delete()
    grids = build_ladder()
    build_cases(now, n, grids)
    settle("incidents_incident", "incidents_incidentevent")
    log(f"{n:,} open cases with a running clock, all yellow and not yet warned")

    log(f"(1) incidents_warn_due(batch_size={batch})")
    warned, warn_s, warn_queries = timed(lambda: incidents_warn_due(now=now, batch_size=batch))
    if (warned.warned, count_events("warn")) != (n, n):
        raise SystemExit(f"warned {warned.warned}, events {count_events('warn')}, expected {n}")
    log(f"    {warn_s:.3f} s, {warned.batches} batches, {warn_queries} queries")
    reset()
    warn_floor_s = warn_floor(now)
    if count_events("warn") != n:
        raise SystemExit("warning floor wrote another number of events")
    log(f"    floor {warn_floor_s:.3f} s")

    reset()
    CalendarDay.objects.create(
        date=WorkingCalendar.around(now).add_minutes(now, 2 * 450, True).date(),
        kind="holiday",
        name="bench",
    )
    log(f"(2) incidents_recalculate_deadlines(batch_size={batch}) after a new holiday")
    try:
        result, recalc_s, recalc_queries = timed(
            lambda: incidents_recalculate_deadlines(now=now, batch_size=batch)
        )
        moved = len(result.moved)
        if count_events("recalculate") != moved or moved < n // 2:
            raise SystemExit(f"moved {moved}, events {count_events('recalculate')}")
        log(f"    {recalc_s:.3f} s, {moved:,} moved, {result.batches} batches, {recalc_queries} q")
        sql("DROP TABLE IF EXISTS bench_after")
        sql(
            "CREATE UNLOGGED TABLE bench_after AS "
            "SELECT id, deadline, yellow_at FROM incidents_incident"
        )
        sql("ALTER TABLE bench_after ADD PRIMARY KEY (id)")
        reset()
        recalc_floor_s = recalc_floor(now)
        if count_events("recalculate") != moved:
            raise SystemExit("recalculation floor wrote another number of events")
        log(f"    floor {recalc_floor_s:.3f} s")
    finally:
        CalendarDay.objects.filter(name="bench").delete()

    warn_ratio, recalc_ratio = warn_s / warn_floor_s, recalc_s / recalc_floor_s
    verdict = "met" if max(warn_ratio, recalc_ratio) <= TARGET else "MISSED"
    print(f"targets: warn_vs_floor and recalc_vs_floor at most {TARGET:g}: {verdict}")
    print(
        f"deadlines: n={n} warn_s={warn_s:.3f} warn_floor_s={warn_floor_s:.3f} "
        f"warn_vs_floor={warn_ratio:.2f} warn_queries={warn_queries} "
        f"recalc_s={recalc_s:.3f} recalc_floor_s={recalc_floor_s:.3f} "
        f"recalc_vs_floor={recalc_ratio:.2f} recalc_queries={recalc_queries} "
        f"moved={moved} batches={result.batches}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
