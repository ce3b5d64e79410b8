"""Benchmark: a county-level city at a year's scale (issue 19).

    .venv/bin/python bench/county.py [--cases 1000000] [--towns 10] [--grids 400]
        [--residents 100000] [--database gp_county_bench] [--reuse]

It builds a county of ``--towns`` towns and ``--grids`` grids (``seed_demo``: their villages,
grid members, departments and accounts, ``--residents`` registered residents in their
households), then ``--cases`` cases spread over the last year over every grid of the county,
with their events (report, acceptance, dispatch, return, escalation, rework, verification)
and a year of patrols, in set-based ``INSERT ... SELECT generate_series`` chunks (the
builder of ``bench/dashboard.py``). Then it measures, in one run:

- the county's cockpit for ``demo_county`` and S Town's dashboard for ``demo_town``
  (Django's test client, median of ``--renders``, the first render warms up);
- the case queue for ``demo_county``, filtered, following its ``rel="next"`` links (or the
  API's ``next``) ``--pages`` pages deep: the p95 of every page;
- the public Open311 list under concurrent load on gunicorn with several workers, beside a
  bare Django JSON view on the same server (``bench/open311_load.py`` when it exists, else
  the fallback here);
- ``grids.services.locate_grid`` against a raw PostGIS lookup of the same random points.

The last line printed is::

    county: cases=N cockpit_median_ms= town_dashboard_median_ms= queue_p95_ms=
    open311_rps= bare_rps= locate_grid_us= locate_floor_us= queries=

(on one line), where ``queries`` is the cockpit's, the dashboard's and the most a queue
page took, statement counts, as ``C/D/Q``. The benchmark owns its database and refuses one
whose name does not contain "bench"; ``DATABASE_URL`` is ignored.
"""

import argparse
import asyncio
import logging
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.dashboard import build_cases, log, scalar, setup_django, sql  # noqa: E402

DAYS = 365
COUNTY_OFFICIAL = "demo_county"
TOWN_OFFICIAL = "demo_town"
HOST = "127.0.0.1"
TARGET_MS = 200.0
TARGET_RPS = 500.0
TARGET_LOCATE_RATIO = 3.0
NEXT_LINK = re.compile(r'<(?:a|link)\b[^>]*\brel="next"[^>]*>')
HREF = re.compile(r'\bhref="([^"]+)"')
# The queue's filters an official uses most: open cases, a source, a status, a category.
QUEUE_FILTERS = ("open=true", "source=hotline", "status=accepted", "open=true&category={category}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--towns", type=int, default=10)
    parser.add_argument("--grids", type=int, default=400, help="in all, split over the towns")
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument(
        "--database", default="gp_county_bench", help="a local database name, or a URL"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep a database built before if its counts match"
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="with --reuse: build the cases again all the same"
    )
    parser.add_argument("--renders", type=int, default=11, help="per page; the first warms up")
    parser.add_argument("--pages", type=int, default=20, help="queue pages walked per filter")
    parser.add_argument("--points", type=int, default=2000, help="points located")
    parser.add_argument("--load-seconds", type=float, default=15.0, help="per Open311 measure")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--connections", type=int, default=16, help="concurrent client sockets")
    args = parser.parse_args(argv)
    if "://" not in args.database:
        args.database = f"postgis://postgres@{HOST}:5432/{args.database}"
    if args.cases < 1 or args.renders < 2 or args.pages < 1 or args.points < 1:
        parser.error("--cases, --pages and --points must be positive, --renders at least 2")
    if not 1 <= args.towns <= 100 or args.grids < args.towns:
        parser.error("--towns must be 1 to 100, with at least one grid each")
    if "bench" not in urlsplit(args.database).path:
        parser.error("the benchmark empties its database: give one whose name contains 'bench'")
    return args


def load_average() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


# --- the database ---------------------------------------------------------------------------


def drop_database(url: str) -> None:
    import psycopg2
    from psycopg2 import sql as psql

    parts = urlsplit(url)
    connection = psycopg2.connect(
        dbname="postgres",
        user=parts.username or "",
        password=parts.password or "",
        host=parts.hostname or "",
        port=parts.port or 5432,
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        name = psql.Identifier(parts.path.lstrip("/"))
        cursor.execute(psql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
    connection.close()


def facts_ready(log, *, rebuild: bool = False) -> None:
    """The cockpit's facts (incidents.services.facts), where this commit keeps them: rebuilt
    after a build or when a kept database has none yet, else brought up to date."""
    from django.core.management import call_command, get_commands

    if "rebuild_case_facts" not in get_commands():
        return
    from incidents.models import CaseFactsWatermark
    from incidents.services.facts import case_facts_refresh

    if rebuild or not CaseFactsWatermark.objects.filter(pk=1).exists():
        log("rebuild_case_facts")
        call_command("rebuild_case_facts")
    else:
        log(f"case_facts_refresh: {case_facts_refresh()}")


def seed_shape(args: argparse.Namespace) -> dict[str, str]:
    """``seed_demo``'s options for the county: grids per town, households and their size."""
    grids_per_town = max(1, args.grids // args.towns)
    grids = grids_per_town * args.towns
    households = max(1, round(args.residents / grids / 2.5))
    return {
        "--towns": str(args.towns),
        "--grids-per-town": str(grids_per_town),
        "--households-per-grid": str(households),
        "--residents-per-household": f"{args.residents / grids / households:.4f}",
        "--cases-per-grid": "0",
    }


def counts() -> dict[str, int]:
    return {
        "towns": scalar("SELECT count(*) FROM grids_region WHERE level = 4"),
        "grids": scalar("SELECT count(*) FROM grids_grid"),
        "residents": scalar("SELECT count(*) FROM members_resident"),
        "cases": scalar("SELECT count(*) FROM incidents_incident"),
    }


def build(args: argparse.Namespace) -> float:
    """Seed the ladder and people when they differ, then the cases; the seconds it took."""
    from django.core.management import call_command
    from django.utils import timezone

    from members.models import User

    started = time.perf_counter()
    shape = seed_shape(args)
    expected_grids = int(shape["--grids-per-town"]) * args.towns
    found = counts()
    log(f"found {found}")
    if found["towns"] != args.towns or found["grids"] != expected_grids:
        options = [item for pair in shape.items() for item in pair]
        log(f"seed_demo {' '.join(options)} (progress on stderr)")
        call_command("seed_demo", *options, verbosity=1)
        found = counts()
    elif found["cases"] == args.cases and not args.rebuild:
        log(f"keeping the {found['cases']:,} cases built before")
        facts_ready(log)
        return 0.0
    log(f"seeded: {found}")
    county = User.objects.select_related("jurisdiction").get(username=COUNTY_OFFICIAL)
    log(f"building {args.cases:,} cases over {DAYS} days in {county.jurisdiction.name}")
    build_cases(
        timezone.now().replace(microsecond=0),
        county.jurisdiction,
        args.cases,
        steps=True,
        days=DAYS,
    )
    facts_ready(log, rebuild=True)
    for table in ("incidents_incident", "incidents_incidentevent", "members_patrollog"):
        log(f"VACUUM ANALYZE {table}")
        sql(f"VACUUM ANALYZE {table}")
    sql("ANALYZE")
    seconds = time.perf_counter() - started
    log(f"built in {seconds:.0f} s")
    return seconds


# --- the pages ------------------------------------------------------------------------------


def timed_get(client, url: str):
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed, response


def median_page(username: str, url: str, renders: int) -> tuple[float, int]:
    """The median of ``renders - 1`` renders after a warm-up, and the warm-up's queries."""
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from members.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    reset_queries()  # a full log (9,000 statements, after seeding) would capture none
    with CaptureQueriesContext(connection) as captured:
        warm_ms, _response = timed_get(client, url)
    timings = []
    for render in range(1, renders):
        timings.append(timed_get(client, url)[0])
        if sum(timings) > 5000 and render % 5 == 0:  # a slow page: show progress
            log(f"  {render} / {renders - 1} renders, median {statistics.median(timings):.0f} ms")
    timings.sort()
    median = statistics.median(timings)
    log(
        f"{url} as {username}: warm-up {warm_ms:.0f} ms, median {median:.0f} ms, "
        f"max {timings[-1]:.0f} ms, {len(captured.captured_queries)} queries "
        f"(load {load_average()})"
    )
    return median, len(captured.captured_queries)


def next_url(response, current: str) -> str | None:
    """The next page: the API's ``next`` field, or the page's ``rel="next"`` link (a keyset
    cursor or a page number, whichever the view gives)."""
    if response["Content-Type"].startswith("application/json"):
        following = response.json().get("next")
        return following or None
    tag = NEXT_LINK.search(response.content.decode())
    href = HREF.search(tag.group(0)) if tag else None
    if href is None:
        return None
    link = href.group(1).replace("&amp;", "&")
    base = current.split("?")[0]
    return base + link if link.startswith("?") else link


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def queue_walk(pages: int) -> tuple[float, int]:
    """Every filter's pages, ``pages`` deep, on the queue page and the API: p95 in ms, and
    the most statements a queue page took."""
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from incidents.models import Category
    from members.models import User

    client = Client()
    client.force_login(User.objects.get(username=COUNTY_OFFICIAL))
    category = Category.objects.order_by("pk").values_list("pk", flat=True).first()
    timings: list[float] = []
    queries = 0
    for base in (reverse("incidents:queue"), "/api/cases/"):
        timed_get(client, base + "?open=true")  # warm-up
        for filters in QUEUE_FILTERS:
            url: str | None = f"{base}?{filters.format(category=category)}"
            depth = 0
            while url is not None and depth < pages:
                depth += 1
                reset_queries()
                with CaptureQueriesContext(connection) as captured:
                    elapsed, response = timed_get(client, url)
                if base != "/api/cases/":
                    queries = max(queries, len(captured.captured_queries))
                timings.append(elapsed)
                if elapsed > 1000 and depth % 5 == 0:  # slow pages: show progress
                    log(f"    page {depth}: {elapsed:.0f} ms")
                url = next_url(response, url)
            log(
                f"  {base}?{filters.format(category=category)}: {depth} pages, "
                f"p95 so far {percentile(timings, 0.95):.0f} ms (load {load_average()})"
            )
    return percentile(timings, 0.95), queries


# --- locate_grid ------------------------------------------------------------------------------


def locate(points: int, repeat: int = 3) -> tuple[float, float]:
    """µs per point: ``locate_grid`` and the raw lookup, alternately, best of ``repeat``."""
    from django.contrib.gis.geos import Point
    from django.db import connection

    from grids.services import locate_grid

    xmin, ymin, xmax, ymax = (
        float(value)
        for value in scalar(
            "SELECT ARRAY[ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)] "
            "FROM (SELECT ST_Extent(boundary) AS e FROM grids_grid) extent"
        )
    )
    rng = random.Random(19)  # noqa: S311 - benchmark points
    coordinates = [(rng.uniform(xmin, xmax), rng.uniform(ymin, ymax)) for _ in range(points)]
    geometries = [Point(x, y, srid=4326) for x, y in coordinates]
    found_ours = [getattr(locate_grid(point), "pk", None) for point in geometries]
    floor_sql = (
        "SELECT id FROM grids_grid WHERE is_active "
        "AND ST_Covers(boundary, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) ORDER BY code LIMIT 1"
    )
    found_floor = []
    with connection.cursor() as cursor:
        for x, y in coordinates:
            cursor.execute(floor_sql, [x, y])
            row = cursor.fetchone()
            found_floor.append(row[0] if row else None)
    if found_ours != found_floor:
        raise SystemExit("locate_grid and the raw lookup disagree on some points")
    inside = sum(pk is not None for pk in found_ours)
    ours, floor = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        for point in geometries:
            locate_grid(point)
        ours.append((time.perf_counter() - started) / points * 1e6)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for x, y in coordinates:
                cursor.execute(floor_sql, [x, y])
                cursor.fetchone()
        floor.append((time.perf_counter() - started) / points * 1e6)
    log(
        f"locate_grid {min(ours):.0f} µs, raw lookup {min(floor):.0f} µs per point "
        f"({points} points, {inside} inside a grid; load {load_average()})"
    )
    return min(ours), min(floor)


# --- Open311 under load -----------------------------------------------------------------------


async def _hammer(port: int, path: str, seconds: float, connections: int) -> tuple[int, int]:
    """Keep-alive GETs from ``connections`` sockets for ``seconds``: (successes, errors)."""
    request = (f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: keep-alive\r\n\r\n").encode()
    deadline = time.perf_counter() + seconds
    done = [0, 0]

    async def one() -> None:
        reader = writer = None
        while time.perf_counter() < deadline:
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(HOST, port)
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = re.search(rb"(?i)content-length: *(\d+)", head)
                body_length = int(length.group(1)) if length else 0
                await reader.readexactly(body_length)
                done[0 if head.startswith(b"HTTP/1.1 200") else 1] += 1
                if re.search(rb"(?i)connection: *close", head) or not length:
                    writer.close()
                    writer = None
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                done[1] += 1
                if writer is not None:
                    writer.close()
                writer = None
        if writer is not None:
            writer.close()

    await asyncio.gather(*(one() for _ in range(connections)))
    return done[0], done[1]


def open311_fallback(
    *, database_url: str, workers: int = 4, seconds: float = 15, connections: int = 16
) -> dict:
    """gunicorn with the production settings and a bench-only URLconf (bench/county_urls.py:
    the platform's URLs and a bare JSON view); the Open311 list, then the bare view."""
    from bench.load import production_env
    from tests.processes import ProcessGroup, free_port, wait_for

    port = free_port()
    env = production_env(
        database_url=database_url,
        redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/6"),
        web_concurrency=workers,
    )
    env["DJANGO_SETTINGS_MODULE"] = "bench.county_settings"
    env["PYTHONPATH"] = str(ROOT)
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "grid_platform.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    log_dir = ROOT / "var" / "county"
    log_dir.mkdir(parents=True, exist_ok=True)
    group = ProcessGroup(log_dir, env, ROOT)
    figures = {}
    try:
        group.start("web", command)

        def up() -> bool:
            import urllib.request

            try:
                with urllib.request.urlopen(  # noqa: S310 - local
                    f"http://{HOST}:{port}/bench/bare.json", timeout=2
                ) as response:
                    return response.status == 200
            except OSError:
                return False

        if not wait_for(up, timeout=90, interval=0.5):
            raise RuntimeError("gunicorn did not answer:\n" + group.logs())
        errors = 0
        for key, path in (
            ("open311_rps", "/open311/v2/requests.json"),
            ("bare_rps", "/bench/bare.json"),
        ):
            asyncio.run(_hammer(port, path, 1.0, connections))  # warm every worker
            ok, failed = asyncio.run(_hammer(port, path, seconds, connections))
            figures[key] = ok / seconds
            errors += failed
            log(f"  {path}: {ok / seconds:,.0f} requests/s, {failed} errors")
        figures["errors"] = errors
    finally:
        group.stop()
    return figures


def open311(args: argparse.Namespace) -> dict:
    try:
        from bench.open311_load import measure  # type: ignore[import-not-found]
    except ImportError:
        measure = open311_fallback
    log(
        f"Open311 under load: {args.workers} gunicorn workers, {args.connections} connections, "
        f"{args.load_seconds:g} s each ({measure.__module__}; load {load_average()})"
    )
    figures = measure(
        database_url=args.database,
        workers=args.workers,
        seconds=args.load_seconds,
        connections=args.connections,
    )
    log(
        f"Open311 {figures['open311_rps']:,.0f} requests/s, bare {figures['bare_rps']:,.0f}: "
        f"ratio {figures['open311_rps'] / max(figures['bare_rps'], 1e-9):.2f}, "
        f"{figures.get('errors', 0)} errors (load {load_average()})"
    )
    return figures


# --- the run --------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> str:
    log(f"load average {load_average()} on {os.cpu_count()} cores")
    name = urlsplit(args.database).path.lstrip("/")
    if not args.reuse:
        log(f"dropping database {name} (--reuse keeps it)")
        drop_database(args.database)
    log(f"database {name}: migrating")
    setup_django(args.database)
    from django.urls import reverse

    logging.getLogger("axes").setLevel(logging.WARNING)  # a line per force_login otherwise

    build(args)
    cases = scalar("SELECT count(*) FROM incidents_incident")
    cockpit_ms, cockpit_queries = median_page(
        COUNTY_OFFICIAL, reverse("dashboard:cockpit"), args.renders
    )
    dashboard_ms, dashboard_queries = median_page(
        TOWN_OFFICIAL, reverse("dashboard:home"), args.renders
    )
    log(f"the queue, {args.pages} pages deep per filter")
    queue_ms, queue_queries = queue_walk(args.pages)
    locate_us, floor_us = locate(args.points)
    load = open311(args)
    ratio = load["open311_rps"] / max(load["bare_rps"], 1e-9)
    targets = {
        f"cockpit median <= {TARGET_MS:g} ms": cockpit_ms <= TARGET_MS,
        f"town dashboard median <= {TARGET_MS:g} ms": dashboard_ms <= TARGET_MS,
        f"queue p95 <= {TARGET_MS:g} ms": queue_ms <= TARGET_MS,
        f"Open311 >= {TARGET_RPS:g} requests/s": load["open311_rps"] >= TARGET_RPS,
        f"locate_grid <= {TARGET_LOCATE_RATIO:g}x the raw lookup": locate_us
        <= TARGET_LOCATE_RATIO * floor_us,
    }
    for target, met in targets.items():
        print(f"target: {target}: {'met' if met else 'MISSED'}")
    print(f"open311_vs_bare={ratio:.2f} locate_vs_floor={locate_us / floor_us:.2f}")
    print(f"load average at the end: {load_average()}")
    return (
        f"county: cases={cases} cockpit_median_ms={cockpit_ms:.1f} "
        f"town_dashboard_median_ms={dashboard_ms:.1f} queue_p95_ms={queue_ms:.1f} "
        f"open311_rps={load['open311_rps']:.0f} bare_rps={load['bare_rps']:.0f} "
        f"locate_grid_us={locate_us:.0f} locate_floor_us={floor_us:.0f} "
        f"queries={cockpit_queries}/{dashboard_queries}/{queue_queries}"
    )


def main(argv: list[str] | None = None) -> int:
    line = run(parse_args(argv))
    print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
