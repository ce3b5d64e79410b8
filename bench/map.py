"""Benchmark: the dashboard map's case layer with 100,000 open cases in one town (issue 19).

    .venv/bin/python bench/map.py [--cases 100000] [--requests 20] [--rebuild]
        [--database-url postgis://postgres@127.0.0.1:5432/gp_bench_map]

It builds the town and its cases with bench/dashboard.py's set-up (the demo town, 40 grids,
cases over the last 180 days), then spreads every case over its grid's bounding box and
reopens it, so that all ``--cases`` are on the map: the worst case for the layer, which
shows the open cases of the period. It then asks ``/dashboard/map/cases/`` as the town
official (``demo_town``), with the period of the last 180 days, ``--requests`` times for
each view (the first one warms up and is not counted):

- county: a 1280×900 pixel view at zoom 10 centred on the town (about 1.8° × 1.1°): every
  case in view, so clusters;
- street: the same window at zoom 17 on the middle of the busiest grid (about 0.014° ×
  0.008°);
- list: the first page of the street view's first cluster (``list=1``).

The last line printed is exactly::

    map: cases=N county_ms=M county_clusters=C street_ms=S street_kind=K street_in_view=V
        list_ms=L queries=Q

(on one line), where the times are medians and ``queries`` is the most any request made.
The benchmark owns its database and refuses one whose name does not contain "bench".
``DATABASE_URL`` is ignored; ``BENCH_MAP_DATABASE_URL`` sets the default.
"""

import argparse
import datetime
import importlib.util
import math
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
DEFAULT_URL = "postgis://postgres@127.0.0.1:5432/gp_bench_map"
WIDTH, HEIGHT = 1280, 900
# bench/dashboard.py's set-up, loaded by path (its module name is the dashboard app's).
_spec = importlib.util.spec_from_file_location("bench_dashboard", HERE / "dashboard.py")
setup = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(setup)
log, sql, scalar = setup.log, setup.sql, setup.scalar
# Incident.OPEN_STATUSES, written out (tests/incidents/test_open_statuses.py compares them).
OPEN = setup.OPEN


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20, help="the first one warms up")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cases even if kept")
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_MAP_DATABASE_URL", DEFAULT_URL)
    )
    args = parser.parse_args()
    if args.cases < 1 or args.requests < 2:
        parser.error("--cases must be positive and --requests at least 2")
    if "bench" not in urlsplit(args.database_url).path:
        parser.error("the benchmark empties its database: give one whose name contains 'bench'")
    return args


def spread_and_reopen() -> None:
    """Every case at a pseudo-random point of its grid's bounding box, open, in the period."""
    sql(
        """
        UPDATE incidents_incident i
        SET location = ST_SetSRID(ST_MakePoint(
                ST_XMin(g.boundary) + (ST_XMax(g.boundary) - ST_XMin(g.boundary))
                    * mod(i.id * 7919, 10007) / 10007.0,
                ST_YMin(g.boundary) + (ST_YMax(g.boundary) - ST_YMin(g.boundary))
                    * mod(i.id * 104729, 10009) / 10009.0), 4326),
            status = (%(open)s::varchar[])[1 + mod(i.id, 5)],
            closed_at = NULL, satisfaction = '',
            created_at = GREATEST(i.created_at, now() - interval '170 days')
        FROM grids_grid g WHERE g.id = i.grid_id
        """,
        {"open": list(OPEN)},
    )


def view(x: float, y: float, zoom: int) -> str:
    """The box of a WIDTH × HEIGHT pixel Leaflet view centred on (x, y) at ``zoom``."""
    degrees_per_pixel = 360 / (256 * 2**zoom)
    half_width = WIDTH / 2 * degrees_per_pixel
    half_height = HEIGHT / 2 * degrees_per_pixel * math.cos(math.radians(y))
    return f"{x - half_width},{y - half_height},{x + half_width},{y + half_height}"


def timed(client, url: str, params: dict, requests: int):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings, queries, answer = [], 0, None
    for number in range(requests):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, params)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"the map answered {response.status_code}: {response.content[:200]}")
        queries = max(queries, len(captured.captured_queries))
        answer = response.json()
        if number:
            timings.append(elapsed)
    return statistics.median(timings), queries, answer


def main() -> int:
    args = parse_args()
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    log(f"load average {load} on {os.cpu_count()} cores")
    setup.setup_django(args.database_url)
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    official = setup.ensure_town()
    town = official.jurisdiction
    open_cases = "SELECT count(*) FROM incidents_incident WHERE closed_at IS NULL"
    if args.rebuild or scalar("SELECT count(*) FROM incidents_incident") != args.cases:
        log(f"building {args.cases:,} cases in {town.name}")
        setup.build_cases(timezone.now().replace(microsecond=0), town, args.cases)
        spread_and_reopen()
        sql("VACUUM ANALYZE incidents_incident")
        sql("ANALYZE")
    else:
        log("keeping the cases built before (--rebuild to build again)")
    cases = scalar(open_cases)
    x, y = scalar(
        "SELECT ARRAY[ST_X(ST_Centroid(boundary)), ST_Y(ST_Centroid(boundary))] "
        "FROM grids_region WHERE id = %s",
        [town.pk],
    )
    busiest = scalar(
        "SELECT ARRAY[ST_X(ST_Centroid(g.boundary)), ST_Y(ST_Centroid(g.boundary))] "
        "FROM grids_grid g JOIN incidents_incident i ON i.grid_id = g.id "
        "GROUP BY g.id ORDER BY count(*) DESC, g.id LIMIT 1"
    )
    today = timezone.localdate()
    period = {
        "preset": "custom",
        "start": (today - datetime.timedelta(days=179)).isoformat(),
        "to": today.isoformat(),
    }
    client = Client()
    client.force_login(official)
    url = reverse("dashboard:map_cases")

    county = {**period, "bbox": view(x, y, 10), "zoom": 10}
    county_ms, county_queries, county_layer = timed(client, url, county, args.requests)
    log(f"county view {county['bbox']}: {county_layer['kind']}, {county_layer['total']:,} cases")
    street = {**period, "bbox": view(*busiest, 17), "zoom": 17}
    street_ms, street_queries, street_layer = timed(client, url, street, args.requests)
    log(f"street view {street['bbox']}: {street_layer['kind']}, {street_layer['total']:,} cases")
    if street_layer["kind"] == "clusters":
        first = street_layer["clusters"]["features"][0]["properties"]["bbox"]
    else:
        first = [float(part) for part in street["bbox"].split(",")]
    listing = {**period, "bbox": ",".join(map(str, first)), "zoom": 17, "list": 1}
    list_ms, list_queries, _listed = timed(client, url, listing, args.requests)
    if county_layer["total"] != cases:
        raise SystemExit(f"the county view counts {county_layer['total']} of {cases} cases")
    clusters = len(county_layer["clusters"]["features"]) if "clusters" in county_layer else 0
    queries = max(county_queries, street_queries, list_queries)
    print(
        f"map: cases={cases} county_ms={county_ms:.1f} county_clusters={clusters} "
        f"street_ms={street_ms:.1f} street_kind={street_layer['kind']} "
        f"street_in_view={street_layer['total']} list_ms={list_ms:.1f} queries={queries}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
