"""Benchmark: the case queue's HTML page and API at scale (issue 19).

    .venv/bin/python bench/queue_pages.py [--cases 100000] [--pages 20] [--firsts 11]
        [--database gp_bench_queue] [--rebuild] [--profile]

It seeds the demo town (``seed_demo --cases-per-grid 0``) and builds ``--cases`` cases in
it with ``bench/dashboard.py``'s set-based builder (kept between runs; rebuilt when the
count differs or with ``--rebuild``). It then renders the queue as the town official
(``demo_town``, who sees every case) with Django's test client under the production
settings (DEBUG off, cached templates, templates rendered without the test environment's
instrumentation), for several filters:

- the first page ``--firsts`` times (the first render warms up): it carries the counts per
  status and the total;
- ``--pages`` pages past the first, following the page's ``rel="next"`` link (keyset
  cursors);
- the API (``/api/cases/``) the same way, following ``next``.

It prints the median and p95 of each, the most statements one page took (which must not
depend on the number of cases) and the load average. ``--profile`` prints the functions a
page past the first spends its time in (cProfile, cumulative). The last line is::

    queue: cases=N first_median_ms= first_p95_ms= pages_median_ms= pages_p95_ms=
    api_median_ms= api_p95_ms= queries=F/P load=L

(on one line). Target (issue 19): pages past the first, p95 at most 200 ms. The benchmark
owns its database and refuses one whose name does not contain "bench"; ``DATABASE_URL`` is
ignored.
"""

import argparse
import cProfile
import io
import logging
import os
import pstats
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.county import next_url, percentile  # noqa: E402
from bench.dashboard import build_cases, ensure_database, ensure_town, log, scalar, sql  # noqa: E402

TARGET_MS = 200.0
# The filters: the default order, open cases, a status, newest first, one grid, a source
# with open cases in a category.
FILTERS = (
    "",
    "open=true",
    "status=accepted",
    "sort=newest",
    "grid={grid}",
    "open=true&category={category}",
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=20, help="pages past the first per filter")
    parser.add_argument("--firsts", type=int, default=11, help="first-page renders per filter")
    parser.add_argument("--database", default="gp_bench_queue", help="a local name, or a URL")
    parser.add_argument("--rebuild", action="store_true", help="build the cases again")
    parser.add_argument("--profile", action="store_true", help="profile a page past the first")
    args = parser.parse_args(argv)
    if "://" not in args.database:
        args.database = f"postgis://postgres@127.0.0.1:5432/{args.database}"
    if args.cases < 1 or args.pages < 1 or args.firsts < 2:
        parser.error("--cases and --pages must be positive, --firsts at least 2")
    if "bench" not in urlsplit(args.database).path:
        parser.error("the benchmark empties its database: give one whose name contains 'bench'")
    return args


def load_average() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def setup_django(url: str) -> None:
    """The production settings (DEBUG off: cached templates), over plain HTTP."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "grid_platform.settings",
            "DEBUG": "false",
            "DATABASE_URL": url,
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "TWO_FACTOR_REQUIRED": "false",
            "LOG_LEVEL": "WARNING",
            "STATIC_ROOT": str(ROOT / "var" / "bench-static"),
        }
    )
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdef0123456789")
    os.environ.setdefault("PERSONAL_DATA_KEY", "bench-only-personal-data-key")
    ensure_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host "testserver" is allowed
    # ... but templates render as in production: the test environment's instrumented
    # render sends a signal per template, on which the test client copies the context.
    from django.template import Template
    from django.test.utils import _TestState

    Template._render = _TestState.saved_data.template_render
    call_command("migrate", verbosity=0, interactive=False)
    if not (ROOT / "var" / "bench-static" / "staticfiles.json").exists():
        call_command("collectstatic", verbosity=0, interactive=False)  # the hashed names


def build(args: argparse.Namespace):
    from django.utils import timezone

    official = ensure_town()
    region = official.jurisdiction
    kept = scalar("SELECT count(*) FROM incidents_incident")
    if args.rebuild or kept != args.cases:
        log(f"building {args.cases:,} cases in {region.name}")
        build_cases(timezone.now().replace(microsecond=0), region, args.cases)
        for table in ("incidents_incident", "incidents_incidentevent", "members_patrollog"):
            sql(f"VACUUM ANALYZE {table}")
        sql("ANALYZE")
    else:
        log(f"keeping the {kept:,} cases built before (--rebuild to build again)")
    return official


def timed(client, url: str):
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed, response


def counted(client, url: str):
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        elapsed, response = timed(client, url)
    return elapsed, response, len(captured.captured_queries)


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):.0f} ms, p95 {percentile(values, 0.95):.0f} ms"


def run(args: argparse.Namespace) -> str:
    log(f"load average {load_average()} on {os.cpu_count()} cores")
    setup_django(args.database)
    logging.getLogger("axes").setLevel(logging.WARNING)
    from django.test import Client
    from django.urls import reverse

    from grids.models import Grid
    from incidents.models import Category

    official = build(args)
    cases = scalar("SELECT count(*) FROM incidents_incident")
    client = Client()
    client.force_login(official)
    values = {
        "grid": Grid.objects.order_by("code").values_list("pk", flat=True).first(),
        "category": Category.objects.order_by("pk").values_list("pk", flat=True).first(),
    }
    queue_url = reverse("incidents:queue")
    timed(client, queue_url)  # warm-up: templates, translations, connections
    firsts: list[float] = []
    pages: list[float] = []
    api: list[float] = []
    first_queries = page_queries = 0
    profiled = None
    for filters in FILTERS:
        query = filters.format(**values)
        url = f"{queue_url}?{query}"
        timings = []
        for render in range(args.firsts):
            elapsed, response, queries = counted(client, url)
            first_queries = max(first_queries, queries)
            if render:
                timings.append(elapsed)
        firsts.extend(timings)
        deep = []
        following = next_url(response, url)
        while following is not None and len(deep) < args.pages:
            elapsed, response, queries = counted(client, following)
            page_queries = max(page_queries, queries)
            deep.append(elapsed)
            if profiled is None and len(deep) == 5:
                profiled = following
            following = next_url(response, following)
        pages.extend(deep)
        api_url: str | None = f"/api/cases/?{query}"
        api_timings = []
        while api_url is not None and len(api_timings) <= args.pages:
            elapsed, response = timed(client, api_url)
            api_timings.append(elapsed)
            api_url = next_url(response, api_url)
        api.extend(api_timings[1:])
        log(
            f"?{query}: first page {summary(timings)}; {len(deep)} pages past it "
            f"{summary(deep) if deep else '-'}; API {summary(api_timings)} "
            f"(load {load_average()})"
        )
    if args.profile and profiled:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(5):
            timed(client, profiled)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
        print(out.getvalue())
    met = percentile(pages, 0.95) <= TARGET_MS
    print(f"target: pages past the first p95 <= {TARGET_MS:g} ms: {'met' if met else 'MISSED'}")
    return (
        f"queue: cases={cases} first_median_ms={statistics.median(firsts):.1f} "
        f"first_p95_ms={percentile(firsts, 0.95):.1f} "
        f"pages_median_ms={statistics.median(pages):.1f} "
        f"pages_p95_ms={percentile(pages, 0.95):.1f} "
        f"api_median_ms={statistics.median(api):.1f} api_p95_ms={percentile(api, 0.95):.1f} "
        f"queries={first_queries}/{page_queries} load={load_average()}"
    )


def main(argv: list[str] | None = None) -> int:
    print(run(parse_args(argv)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
