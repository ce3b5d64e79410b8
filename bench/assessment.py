"""Benchmark: closing a month of the assessment with 100,000 cases in the county.

    .venv/bin/python bench/assessment.py [--cases 100000] [--closings 5] [--rebuild]
        [--database-url postgis://postgres@127.0.0.1:5432/gp_bench_assess]

It seeds the demo town without cases (bench/dashboard.py's set-up), inserts ``--cases``
cases over the last 180 days with ``bulk_create`` (so that every column keeps its model
default), and their events with set-based SQL: the report with its acceptance deadline, an
acceptance (some late), a dispatch to the case's department, an overdue escalation for one
case in ten, the closure and the rating. It then closes last month
``--closings`` times (each bulletin is deleted before the next closing; the first closing
warms up and is not counted). The last line printed is exactly::

    assessment: cases=N month_cases=M median_ms=T queries=Q

The benchmark owns its database and refuses one whose name does not contain "bench".
``DATABASE_URL`` is ignored; ``BENCH_ASSESSMENT_DATABASE_URL`` sets the default.
"""

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
DEFAULT_URL = "postgis://postgres@127.0.0.1:5432/gp_bench_assess"
DAYS = 180
CHUNK = 10_000
# bench/dashboard.py's set-up, loaded by path (its module name is the dashboard app's).
_spec = importlib.util.spec_from_file_location("bench_dashboard", HERE / "dashboard.py")
setup = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(setup)
log, sql, scalar = setup.log, setup.sql, setup.scalar


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--closings", type=int, default=5, help="the first one warms up")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cases even if kept")
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_ASSESSMENT_DATABASE_URL", DEFAULT_URL)
    )
    args = parser.parse_args()
    if args.cases < 1 or args.closings < 2:
        parser.error("--cases must be positive and --closings at least 2")
    if "bench" not in urlsplit(args.database_url).path:
        parser.error("the benchmark empties its database: give one whose name contains 'bench'")
    return args


def build_cases(town, cases: int) -> None:
    import datetime
    import random

    from django.utils import timezone

    from grids.models import Grid
    from incidents.models import Category, Department, Incident

    sql("TRUNCATE incidents_incident RESTART IDENTITY CASCADE")
    rng = random.Random(2026)  # noqa: S311 - benchmark data
    grids = list(Grid.objects.filter(village__parent=town).select_related("village"))
    categories = list(Category.objects.order_by("pk"))
    departments = list(Department.objects.filter(region=town).order_by("pk")) or [None]
    now = timezone.now().replace(microsecond=0)
    statuses = ["reported", "accepted", "dispatched", "closed", "closed", "evaluated"] * 2
    ratings = ["satisfied"] * 6 + ["basically_satisfied"] * 3 + ["dissatisfied"]
    for chunk in range(0, cases, CHUNK):
        rows = []
        for number in range(chunk, min(chunk + CHUNK, cases)):
            grid = rng.choice(grids)
            created = now - datetime.timedelta(minutes=rng.randint(60, 60 * 24 * DAYS))
            status = rng.choice(statuses)
            closed = created + datetime.timedelta(hours=rng.randint(4, 24 * 12))
            rows.append(
                Incident(
                    code=f"B{number:09d}",
                    title="基准案件",
                    description="-",
                    category=rng.choice(categories),
                    town=town,
                    grid=grid,
                    source="hotline",
                    level=6,
                    handling_region=grid.village,
                    status=status,
                    assignee_department=rng.choice(departments) if status != "reported" else None,
                    satisfaction=rng.choice(ratings) if status == "evaluated" else "",
                    created_at=created,
                    closed_at=closed if status in ("closed", "evaluated") else None,
                )
            )
        Incident.objects.bulk_create(rows)
        log(f"  cases: {min(chunk + CHUNK, cases):,}")
    event = (
        "INSERT INTO incidents_incidentevent (incident_id, action, from_status, to_status, "
        "note, department_id, deadline_after, breached_deadline, created_at) "
    )
    sql(
        event + "SELECT id, 'report', '', 'reported', '', NULL, "
        "created_at + interval '4 hours', NULL, created_at FROM incidents_incident"
    )
    sql(
        event + "SELECT id, 'accept', 'reported', 'accepted', '', NULL, NULL, NULL, "
        "created_at + (1 + mod(id, 6)) * interval '1 hour' "
        "FROM incidents_incident WHERE status <> 'reported'"
    )
    sql(
        event + "SELECT id, 'dispatch', 'accepted', 'dispatched', '', assignee_department_id, "
        "NULL, NULL, created_at + (7 + mod(id, 6)) * interval '1 hour' "
        "FROM incidents_incident WHERE assignee_department_id IS NOT NULL"
    )
    sql(
        event + "SELECT id, 'auto_escalate', 'dispatched', 'dispatched', '', NULL, NULL, "
        "created_at + interval '1 day', created_at + interval '1 day' "
        "FROM incidents_incident WHERE closed_at IS NOT NULL AND mod(id, 10) = 0"
    )
    sql(
        event + "SELECT id, 'verify', 'handled', 'closed', '', NULL, NULL, NULL, closed_at "
        "FROM incidents_incident WHERE closed_at IS NOT NULL"
    )
    sql(
        event + "SELECT id, 'evaluate', 'closed', 'evaluated', '', NULL, NULL, NULL, "
        "closed_at + interval '1 day' FROM incidents_incident WHERE satisfaction <> ''"
    )
    log(f"  events: {scalar('SELECT count(*) FROM incidents_incidentevent'):,}")


def main() -> int:
    args = parse_args()
    log(f"load average {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    setup.setup_django(args.database_url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from assessment.models import Bulletin
    from assessment.selectors import month_bounds, previous_month
    from assessment.services import assessment_month_close

    official = setup.ensure_town()
    town = official.jurisdiction
    county = town.parent
    kept = scalar("SELECT count(*) FROM incidents_incident WHERE town_id = %s", [town.pk])
    if args.rebuild or kept != args.cases:
        log(f"building {args.cases:,} cases in {town.name} over {DAYS} days")
        Bulletin.objects.all().delete()
        build_cases(town, args.cases)
        sql("VACUUM ANALYZE incidents_incident")
        sql("VACUUM ANALYZE incidents_incidentevent")
    else:
        log(f"keeping the {kept:,} cases built before (--rebuild to build again)")
    month = previous_month(timezone.localdate())
    start, end = month_bounds(month)
    month_cases = scalar(
        "SELECT count(*) FROM incidents_incident WHERE created_at >= %s AND created_at < %s",
        [start, end],
    )

    timings, queries = [], 0
    for closing in range(args.closings):
        Bulletin.objects.filter(county=county, month=month).delete()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            bulletin = assessment_month_close(county=county, month=month)
            elapsed = (time.perf_counter() - started) * 1000
        queries = len(captured.captured_queries)
        if closing == 0:
            line = bulletin.entries.get(town=town)
            log(f"warm-up {elapsed:.0f} ms, {queries} queries; {town.name}: {line.score}")
            for part in line.parts:
                print(f"      {part['indicator']}: {part['numerator']}/{part['denominator']}")
            continue
        timings.append(elapsed)
    median = statistics.median(timings)
    log(f"{len(timings)} closings: min {min(timings):.0f} ms, max {max(timings):.0f} ms")
    print(
        f"assessment: cases={kept if kept == args.cases and not args.rebuild else args.cases} "
        f"month_cases={month_cases} median_ms={median:.1f} queries={queries}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
