"""Benchmark: the officials' dashboard with 100,000 cases in one town (issue 5), or the
county's cockpit with them spread over the towns of a county (issue 18, ``--view county``).

    .venv/bin/python bench/dashboard.py [--cases 100000] [--renders 20] [--rebuild]
        [--view town|county] [--towns 3]
        [--database-url postgis://postgres@127.0.0.1:5432/gp_bench_dash]

It seeds the demo town (``seed_demo --cases-per-grid 0``: 40 grids, their members and
departments), then inserts ``--cases`` cases in that town with set-based SQL, spread over
the last 180 days (statuses, categories, grids, departments, members, ratings), with their
report, verification, escalation and rework events and half a year of patrol logs. The data
is kept between runs and rebuilt when the number of cases differs or with ``--rebuild``.

It then renders the dashboard page for the town official (``demo_town``) with Django's test
client ``--renders`` times; the first render warms up and is not counted. The map's layers,
which the page fetches after it has loaded, are timed too, on a line of their own. The slowest
queries of the warm-up are listed, and the last line printed is exactly::

    dashboard: cases=N median_ms=M p95_ms=P queries=Q

With ``--view county`` it seeds ``--towns`` towns (database ``gp_bench_dash_county`` by
default), spreads the cases over all their grids, adds their acceptance and dispatch events,
and renders the cockpit for the county official (``demo_county``) and its heat map; the last
line then starts with ``cockpit:``.

Target: median at most 300 ms. The benchmark owns its database and refuses one whose name
does not contain "bench". ``DATABASE_URL`` is ignored; ``BENCH_DASHBOARD_DATABASE_URL``
sets the default of ``--database-url``.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgis://postgres@127.0.0.1:5432/gp_bench_dash"
DEFAULT_COUNTY_URL = "postgis://postgres@127.0.0.1:5432/gp_bench_dash_county"
TOWN_OFFICIAL = "demo_town"
COUNTY_OFFICIAL = "demo_county"
DAYS = 180
CHUNK = 25_000
TARGET_MS = 300.0
OPEN = ("reported", "accepted", "dispatched", "in_progress", "handled")

_started = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - _started:7.1f}s] {message}", flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--renders", type=int, default=20, help="the first one warms up")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cases even if kept")
    parser.add_argument(
        "--view", choices=["town", "county"], default="town", help="the page to render"
    )
    parser.add_argument("--towns", type=int, default=3, help="towns of the county view")
    parser.add_argument(
        "--raw",
        action="store_true",
        help="count from the cases and events, not from the facts",
    )
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    if args.database_url is None:
        default = DEFAULT_COUNTY_URL if args.view == "county" else DEFAULT_URL
        args.database_url = os.environ.get("BENCH_DASHBOARD_DATABASE_URL", default)
    if args.cases < 1 or args.renders < 2 or not 1 <= args.towns <= 100:
        parser.error("--cases must be positive, --renders at least 2, --towns 1 to 100")
    if "bench" not in urlsplit(args.database_url).path:
        parser.error("the benchmark empties its database: give one whose name contains 'bench'")
    return args


# --- set-up -------------------------------------------------------------------------------


def ensure_database(url: str) -> None:
    import psycopg2
    from psycopg2 import sql as psql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    connection = psycopg2.connect(
        dbname="postgres",
        user=parts.username or "",
        password=parts.password or "",
        host=parts.hostname or "",
        port=parts.port or 5432,
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(psql.SQL("CREATE DATABASE {}").format(psql.Identifier(name)))
            log(f"created database {name}")
    connection.close()


def setup_django(url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "grid_platform.settings"
    os.environ["DEBUG"] = "true"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdef0123456789")
    os.environ.setdefault("PERSONAL_DATA_KEY", "bench-only-personal-data-key")
    os.environ["DATABASE_URL"] = url
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    ensure_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host "testserver" is allowed
    call_command("migrate", verbosity=0, interactive=False)


def sql(statement: str, params=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def scalar(statement: str, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()[0]


# --- the data -----------------------------------------------------------------------------


def ensure_town(username: str = TOWN_OFFICIAL, towns: int = 1):
    """The demo town (or county of ``towns`` towns) with its grids, members and
    departments, but no cases; the official who reads it."""
    from django.core.management import call_command

    from grids.models import Region
    from members.models import User

    official = User.objects.filter(username=username).select_related("jurisdiction").first()
    seeded = Region.objects.filter(level=Region.Level.TOWN).count()
    if official is None or seeded != towns:
        log(f"seed_demo --towns {towns} --cases-per-grid 0")
        call_command(
            "seed_demo",
            "--towns",
            str(towns),
            "--cases-per-grid",
            "0",
            "--households-per-grid",
            "2",
            verbosity=0,
        )
        official = User.objects.select_related("jurisdiction").get(username=username)
    return official


def build_cases(now, town, cases: int, *, steps: bool = False, days: int = DAYS) -> None:
    """``cases`` rows in set-based INSERT ... SELECT chunks, spread over the last ``days``
    days, then their events and patrols (``bench/county.py`` builds its county with it too).

    Foreign keys are consistent by construction, so their per-row triggers are skipped.
    """
    from incidents.models import Category, Department

    sql("TRUNCATE incidents_incident RESTART IDENTITY CASCADE")
    sql("TRUNCATE members_patrollog RESTART IDENTITY CASCADE")  # cases name their patrol
    sql("DROP TABLE IF EXISTS bench_dash_grid")
    # One row per grid of the town: its village, a point inside it, and one of its members.
    sql(
        """
        CREATE UNLOGGED TABLE bench_dash_grid AS
        SELECT (row_number() OVER (ORDER BY g.code) - 1)::int AS idx, g.id AS grid_id,
               g.village_id, v.parent_id AS town_id, ST_X(ST_PointOnSurface(g.boundary)) AS x,
               ST_Y(ST_PointOnSurface(g.boundary)) AS y,
               (SELECT m.id FROM members_gridassignment a
                  JOIN members_gridmember m ON m.id = a.member_id
                 WHERE a.grid_id = g.id AND a.ends_on IS NULL ORDER BY a.id LIMIT 1) AS member_id,
               (SELECT m.user_id FROM members_gridassignment a
                  JOIN members_gridmember m ON m.id = a.member_id
                 WHERE a.grid_id = g.id AND a.ends_on IS NULL ORDER BY a.id LIMIT 1) AS user_id
        FROM grids_grid g JOIN grids_region v ON v.id = g.village_id
        WHERE v.path LIKE %s
        """,
        [town.path + "%"],
    )
    grids = scalar("SELECT count(*) FROM bench_dash_grid")
    categories = list(Category.objects.order_by("pk").values_list("pk", flat=True))
    departments = list(
        Department.objects.filter(region__path__startswith=town.path)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    statement = f"""
        INSERT INTO incidents_incident (
            code, title, description, category_id, urgency, location, address, town_id,
            grid_id, source, reporter_name, reporter_phone_encrypted, reporter_phone_hash,
            reporter_phone_masked, level, handling_region_id, assignee_user_id,
            assignee_department_id, status, deadline, is_supervised, is_stalled_at_top,
            escalation_count, satisfaction, evaluation_comment, created_at, updated_at,
            closed_at, suspended_from, clock_source, clock_working, is_warning_due,
            stage_minutes_paused, stage_minutes_used, warning_percent, is_anonymised
        )
        SELECT
            'D' || lpad(g::text, 9, '0'), '基准案件', '-',
            (%(categories)s::bigint[])[1 + mod(g, {len(categories)})],
            (ARRAY['urgent', 'important', 'ordinary'])[1 + mod(g / 7, 3)],
            ST_SetSRID(ST_MakePoint(bg.x + (mod(g * 17, 101) - 50) * 0.00001,
                                    bg.y + (mod(g * 29, 101) - 50) * 0.00001), 4326),
            '', bg.town_id, bg.grid_id,
            (ARRAY['patrol', 'resident', 'hotline', 'department'])[1 + mod(g / 5, 4)],
            '', '', '', '', 6, bg.village_id,
            CASE WHEN mod(g, 4) = 0 THEN bg.user_id END,
            CASE WHEN mod(g, 3) = 0
                 THEN (%(departments)s::bigint[])[1 + mod(g / 3, {max(len(departments), 1)})] END,
            s.status, c.created_at + interval '3 days', mod(g, 50) = 0, false,
            CASE WHEN mod(g, 10) = 0 THEN 1 ELSE 0 END,
            CASE WHEN s.status = 'evaluated' THEN
                (ARRAY['satisfied', 'satisfied', 'satisfied', 'satisfied', 'satisfied',
                       'satisfied', 'basically_satisfied', 'basically_satisfied',
                       'basically_satisfied', 'dissatisfied'])[1 + mod(g / 11, 10)]
                 ELSE '' END,
            '', c.created_at, c.created_at,
            CASE WHEN s.status IN ('closed', 'evaluated') THEN
                LEAST(c.created_at + make_interval(hours => 1 + mod(g * 13, 240)), %(now)s)
            END,
            '', 'stage', true, false, 0, 0, 80, false
        FROM generate_series(%(low)s, %(high)s) AS g
        JOIN bench_dash_grid bg ON bg.idx = mod(g * 7, {grids})
        CROSS JOIN LATERAL (
            SELECT %(now)s - make_interval(secs => mod(g::bigint * 2654435761, {days * 86400}))
                AS created_at
        ) c
        CROSS JOIN LATERAL (
            SELECT CASE
                WHEN c.created_at > %(now)s - interval '10 days' AND mod(g, 3) = 0
                    THEN (ARRAY{list(OPEN)})[1 + mod(g / 3, 5)]
                WHEN mod(g * 31, 100) < 55 THEN 'evaluated'
                WHEN mod(g * 31, 100) < 80 THEN 'closed'
                WHEN mod(g * 31, 100) < 84 THEN 'rejected'
                ELSE (ARRAY{list(OPEN)})[1 + mod(g, 5)] END AS status
        ) s
    """
    sql("SET session_replication_role = replica")
    try:
        started = time.perf_counter()
        for low in range(1, cases + 1, CHUNK):
            high = min(low + CHUNK - 1, cases)
            sql(
                statement,
                {
                    "categories": categories,
                    "departments": departments or [None],
                    "town": town.pk,
                    "now": now,
                    "low": low,
                    "high": high,
                },
            )
            rate = high / (time.perf_counter() - started)
            log(f"  built {high:,} / {cases:,} cases ({rate:,.0f} rows/s)")
        build_events(steps=steps)
        build_patrols(now, days)
    finally:
        sql("SET session_replication_role = DEFAULT")
    sql("DROP TABLE bench_dash_grid")


def build_events(*, steps: bool = False) -> None:
    event = (
        "INSERT INTO incidents_incidentevent (incident_id, actor_id, action, from_status, "
        "to_status, from_level, to_level, note, breached_deadline, created_at) "
    )
    sql(
        event + "SELECT id, NULL, 'report', '', 'reported', NULL, 6, '', NULL, created_at "
        "FROM incidents_incident"
    )
    log("  events: reports")
    sql(
        event + "SELECT id, NULL, 'verify', 'handled', 'closed', NULL, NULL, '', NULL, "
        "closed_at FROM incidents_incident WHERE closed_at IS NOT NULL"
    )
    log("  events: verifications")
    sql(
        event + "SELECT id, NULL, 'auto_escalate', status, status, 6, 5, '', deadline, "
        "deadline + interval '1 minute' FROM incidents_incident WHERE escalation_count > 0"
    )
    sql(
        event + "SELECT id, NULL, 'rework', 'handled', 'in_progress', NULL, NULL, '', NULL, "
        "closed_at - interval '1 hour' FROM incidents_incident "
        "WHERE closed_at IS NOT NULL AND mod(id, 8) = 0"
    )
    if steps:  # the cockpit's 立案, dispatch and return figures read these
        sql(
            event + "SELECT id, NULL, 'accept', 'reported', 'accepted', NULL, NULL, '', NULL, "
            "created_at + interval '1 hour' FROM incidents_incident WHERE status <> 'reported'"
        )
        sql(
            event + "SELECT id, NULL, CASE WHEN mod(id, 2) = 0 THEN 'auto_dispatch' "
            "ELSE 'dispatch' END, 'accepted', 'dispatched', NULL, NULL, '', NULL, "
            "created_at + interval '2 hours' FROM incidents_incident "
            "WHERE assignee_department_id IS NOT NULL"
        )
        sql(
            event + "SELECT id, NULL, 'return', 'dispatched', 'accepted', NULL, NULL, '', NULL, "
            "created_at + interval '3 hours' FROM incidents_incident "
            "WHERE assignee_department_id IS NOT NULL AND mod(id, 17) = 0"
        )
    log(f"  events: {scalar('SELECT count(*) FROM incidents_incidentevent'):,}")


def build_patrols(now, days: int = DAYS) -> None:
    """One patrol a day per member of each grid for ``days`` days; some hollow, few findings."""
    sql(
        f"""
        INSERT INTO members_patrollog (member_id, grid_id, started_at, ended_at, route, notes,
                                       findings)
        SELECT bg.member_id, bg.grid_id, p.started_at,
               p.started_at + CASE WHEN mod(d + bg.idx, 11) = 0 THEN interval '6 minutes'
                                   ELSE interval '75 minutes' END,
               CASE WHEN mod(d + bg.idx, 7) = 0 THEN NULL
                    ELSE ST_SetSRID(ST_MakeLine(ST_MakePoint(bg.x - 0.001, bg.y),
                                                ST_MakePoint(bg.x + 0.001, bg.y)), 4326) END,
               '', CASE WHEN mod(d * 3 + bg.idx, 5) = 0 AND bg.idx > 3 THEN '发现问题' ELSE '' END
        FROM bench_dash_grid bg
        CROSS JOIN generate_series(0, {days - 1}) AS d
        CROSS JOIN LATERAL (SELECT %s - make_interval(days => d, hours => 5) AS started_at) p
        WHERE bg.member_id IS NOT NULL
        """,
        [now],
    )
    log(f"  patrols: {scalar('SELECT count(*) FROM members_patrollog'):,}")


# --- the run --------------------------------------------------------------------------------


def prepare_facts(*, raw: bool) -> None:
    """The facts (incidents.services.facts) of the cockpit and the town dashboard: rebuilt
    from the cases, timed, then one refresh after 100 events on as many cases, timed (the
    beat runs one a minute). With ``--raw`` there are no facts, and the page counts from
    the cases and events."""
    import datetime

    from django.utils import timezone

    from incidents.models import CaseFact, CaseFactsWatermark, GridMonthFact
    from incidents.services.facts import (
        case_facts_differences,
        case_facts_rebuild,
        case_facts_refresh,
    )

    sql("DELETE FROM incidents_incidentevent WHERE note = 'bench'")  # a run before this one's
    CaseFactsWatermark.objects.all().delete()
    CaseFact.objects.all().delete()
    GridMonthFact.objects.all().delete()
    if raw:
        log("no facts (--raw): the page counts from the cases and events")
        return
    today = timezone.localdate()
    started = time.perf_counter()
    days = case_facts_rebuild(since=today - datetime.timedelta(days=DAYS + 31))
    log(
        f"facts rebuilt: {days} days in {time.perf_counter() - started:.1f} s, "
        f"{CaseFact.objects.count():,} day rows, {GridMonthFact.objects.count():,} month rows"
    )
    sql("VACUUM ANALYZE incidents_casefact")
    sql("VACUUM ANALYZE incidents_gridmonthfact")
    # A minute's events: first on 100 of the newest cases (where most events fall), then on
    # 100 cases spread over every day (the worst case: each case's days are recomputed).
    for label, chosen in (
        ("the 100 newest cases", "ORDER BY created_at DESC LIMIT 100"),
        (
            "100 cases spread over the days",
            "WHERE mod(id, (SELECT max(id) / 100 FROM incidents_incident)) = 0 LIMIT 100",
        ),
    ):
        sql(
            "INSERT INTO incidents_incidentevent (incident_id, action, from_status, to_status, "
            "from_level, to_level, note, created_at) "
            "SELECT id, 'supervise', status, status, NULL, NULL, 'bench', now() "
            f"FROM (SELECT id, status FROM incidents_incident {chosen}) AS chosen"
        )
        started = time.perf_counter()
        refreshed = case_facts_refresh()
        log(
            f"refresh after an event on each of {label}: {refreshed.days} days, "
            f"{refreshed.months} months recomputed in "
            f"{(time.perf_counter() - started) * 1000:.0f} ms"
        )
    started = time.perf_counter()
    differences = case_facts_differences(since=today - datetime.timedelta(days=40), until=today)
    log(
        f"recount of the last 40 days in {time.perf_counter() - started:.1f} s: "
        + ("equal" if not differences else f"DIFFERENT: {differences[:3]}")
    )


def render(client, url: str):
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"the dashboard answered {response.status_code}")
    return elapsed, response


def main() -> int:
    args = parse_args()
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    log(f"load average {load} on {os.cpu_count()} cores")
    log(f"database {urlsplit(args.database_url).path.lstrip('/')}: migrating")
    setup_django(args.database_url)
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    county = args.view == "county"
    official = ensure_town(COUNTY_OFFICIAL, args.towns) if county else ensure_town()
    region = official.jurisdiction
    in_region = (
        "SELECT count(*) FROM incidents_incident i JOIN grids_grid g ON g.id = i.grid_id "
        "JOIN grids_region v ON v.id = g.village_id WHERE v.path LIKE %s"
    )
    kept = scalar(in_region, [region.path + "%"])
    if args.rebuild or kept != args.cases:
        log(f"building {args.cases:,} cases in {region.name} over {DAYS} days")
        build_cases(timezone.now().replace(microsecond=0), region, args.cases, steps=county)
        sql("VACUUM ANALYZE incidents_incident")
        sql("VACUUM ANALYZE incidents_incidentevent")
        sql("VACUUM ANALYZE members_patrollog")
        sql("ANALYZE")  # the seeded ladder too: without statistics the planner loops over cases
    else:
        log(f"keeping the {kept:,} cases built before (--rebuild to build again)")
    cases = scalar(in_region, [region.path + "%"])

    prepare_facts(raw=args.raw)

    client = Client()
    client.force_login(official)
    url = reverse("dashboard:cockpit" if county else "dashboard:home")
    reset_queries()  # building may have filled the query log: the capture counts from here
    with CaptureQueriesContext(connection) as captured:
        warm_ms, response = render(client, url)
    queries = len(captured.captured_queries)
    if county:
        units = response.context["figures"]["units"]
        log(
            f"warm-up {warm_ms:.0f} ms, {queries} queries, {len(response.content):,} bytes; "
            f"{len(units)} towns, this month received: "
            + ", ".join(f"{row['name']} {row['cells'][0]['now']['value']:,}" for row in units)
        )
    else:
        headline = response.context["figures"]["headline"]
        log(
            f"warm-up {warm_ms:.0f} ms, {queries} queries, {len(response.content):,} bytes; "
            f"last 30 days: opened {headline['opened']:,}, closed {headline['closed']:,}, "
            f"open now {headline['open_now']:,}, overdue now {headline['overdue_now']:,}"
        )
    print("    slowest queries of the warm-up (ms, first 100 characters):")
    slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:6]
    for query in slowest:
        print(f"      {float(query['time']) * 1000:7.1f}  {' '.join(query['sql'].split())[:100]}")

    timings = []
    for _ in range(args.renders - 1):
        elapsed, _response = render(client, url)
        timings.append(elapsed)
    timings.sort()
    map_url = reverse("dashboard:cockpit_map" if county else "dashboard:map")
    map_timings = sorted(render(client, map_url)[0] for _ in range(max(args.renders // 2, 2)))
    log(
        f"the map's layers (fetched by the page after it loads, {map_url}): "
        f"median {statistics.median(map_timings):.0f} ms"
    )
    median = statistics.median(timings)
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    log(f"{len(timings)} renders: min {timings[0]:.0f} ms, max {timings[-1]:.0f} ms")
    print(f"target: median at most {TARGET_MS:g} ms: {'met' if median <= TARGET_MS else 'MISSED'}")
    name = "cockpit" if county else "dashboard"
    print(f"{name}: cases={cases} median_ms={median:.1f} p95_ms={p95:.1f} queries={queries}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
