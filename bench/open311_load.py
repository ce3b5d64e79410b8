"""The public Open311 list under concurrent load, beside a bare Django JSON view (issue 19).

    .venv/bin/python bench/open311_load.py                  # 20,000 cases, 4 workers, 15 s
    .venv/bin/python bench/open311_load.py --cases 100000 --workers 4 --seconds 30

It starts gunicorn with the production settings (DEBUG off, a Redis of its own for the
cache) and the bench's URLconf (bench/open311_settings.py, bench/open311_urls.py: the
platform's URLs plus one bare JSON view, which no production URLconf has). Concurrent
clients (threads on plain sockets in two processes, a connection per request, as
gunicorn's sync workers close it after each answer) then ask, for ``--seconds`` each
after a warm-up, for ``/open311/v2/requests.json`` (the default list: the last 90 days,
up to 1,000 requests, gzip accepted) and for the bare view. The ratio of the two is the
figure to compare across runs and machines: the clients share the cores with the server.

As a script it builds its data first, as bench/dashboard.py does (the demo town of
seed_demo, cases by INSERT ... SELECT; a quarter come from residents), in a database whose
name contains "bench". ``measure()`` is for other benchmarks (bench/county.py): it takes
a database that has its data and returns the figures. The last line:

    open311: rps=R bare_rps=B ratio=R/B errors=E

Target (issue 19): rps at least 500.
"""

import argparse
import datetime
import importlib.util
import multiprocessing
import os
import secrets
import socket
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.processes import ProcessGroup, RedisServer, free_port, wait_for  # noqa: E402

VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
DEFAULT_URL = "postgis://postgres@127.0.0.1:5432/gp_bench_open311"
OPEN311_PATH = "/open311/v2/requests.json"
BARE_PATH = "/bench/bare.json"
TARGET_RPS = 500
CLIENT_PROCESSES = 2
WARM_UP_SECONDS = 2.0

_started = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - _started:7.1f}s] {message}", flush=True)


# --- the server ---------------------------------------------------------------------------


def server_env(*, database_url: str, redis_url: str) -> dict[str, str]:
    """The production settings (.env.example) for plain HTTP on 127.0.0.1."""
    return {
        "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108 - a fallback only
        "DJANGO_SETTINGS_MODULE": "bench.open311_settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "PERSONAL_DATA_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": HOST,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CACHE_URL": redis_url.rsplit("/", 1)[0] + "/1",
        "TRUSTED_PROXY_HOPS": "0",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "TWO_FACTOR_REQUIRED": "false",
        "LOG_LEVEL": "WARNING",
    }


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as answer:  # noqa: S310
            return answer.status == 200
    except OSError:
        return False


# --- the clients --------------------------------------------------------------------------


def _client_thread(port: int, path: str, until: float, totals: list[int], lock) -> None:
    """One client: a request on a new connection, read to its end, again until ``until``.

    Plain sockets, not http.client: the client shares the two cores with the server, and
    the lighter it is, the more of them the server gets. gunicorn's sync workers close the
    connection after each answer (no keep-alive), so each request opens its own.
    """
    done = errors = 0
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nAccept-Encoding: gzip\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    while time.perf_counter() < until:
        try:
            with socket.create_connection((HOST, port), timeout=10) as connection:
                connection.sendall(request)
                first = connection.recv(65536)
                while connection.recv(65536):
                    pass
            if first.startswith((b"HTTP/1.1 200 ", b"HTTP/1.0 200 ")):
                done += 1
            else:
                errors += 1
        except OSError:
            errors += 1
    with lock:
        totals[0] += done
        totals[1] += errors


def _client_process(port: int, path: str, seconds: float, threads: int, queue) -> None:
    totals, lock = [0, 0], threading.Lock()
    until = time.perf_counter() + seconds
    workers = [
        threading.Thread(target=_client_thread, args=(port, path, until, totals, lock))
        for _ in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    queue.put(tuple(totals))


def hammer(port: int, path: str, *, seconds: float, connections: int) -> tuple[float, int]:
    """(requests answered 200 per second, errors) with ``connections`` concurrent clients."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = min(CLIENT_PROCESSES, connections)
    shares = [connections // processes + (i < connections % processes) for i in range(processes)]
    started = time.perf_counter()
    children = [
        context.Process(target=_client_process, args=(port, path, seconds, share, queue))
        for share in shares
    ]
    for child in children:
        child.start()
    results = [queue.get() for _ in children]
    for child in children:
        child.join()
    elapsed = time.perf_counter() - started
    done = sum(result[0] for result in results)
    errors = sum(result[1] for result in results)
    return done / elapsed, errors


def measure(
    *,
    database_url: str,
    workers: int = 4,
    seconds: float = 15,
    connections: int = 16,
) -> dict:
    """Start gunicorn (``workers`` workers, production settings, the bench URLconf, a Redis
    of its own) on a free port against ``database_url`` (migrated, with its cases), load
    the Open311 list and then the bare view, stop everything. Returns the figures."""
    with tempfile.TemporaryDirectory(prefix="open311-load-") as folder:
        work = Path(folder)
        redis = RedisServer(work)
        redis.start()
        env = server_env(database_url=database_url, redis_url=redis.url)
        group = ProcessGroup(work, env, ROOT)
        port = free_port()
        try:
            group.start(
                "web",
                [
                    str(VENV_BIN / "gunicorn"),
                    "grid_platform.wsgi",
                    "--bind",
                    f"{HOST}:{port}",
                    "--workers",
                    str(workers),
                ],
            )
            if not wait_for(lambda: healthy(port), timeout=90, interval=0.5):
                raise RuntimeError("gunicorn did not answer /healthz:\n" + group.logs())
            load_before = os.getloadavg()
            figures = {}
            for name, path in (("open311", OPEN311_PATH), ("bare", BARE_PATH)):
                hammer(port, path, seconds=WARM_UP_SECONDS, connections=connections)
                figures[name] = hammer(port, path, seconds=seconds, connections=connections)
            load_after = os.getloadavg()
        finally:
            group.stop()
            redis.stop()
    open311_rps, open311_errors = figures["open311"]
    bare_rps, bare_errors = figures["bare"]
    return {
        "open311_rps": round(open311_rps, 1),
        "bare_rps": round(bare_rps, 1),
        "ratio": round(open311_rps / bare_rps, 3) if bare_rps else 0.0,
        "errors": open311_errors + bare_errors,
        "workers": workers,
        "connections": connections,
        "seconds": seconds,
        "load_average_before": load_before[0],
        "load_average_after": load_after[0],
    }


# --- the data (as a script) ---------------------------------------------------------------


def build(database_url: str, cases: int, *, rebuild: bool) -> None:
    # bench/dashboard.py (the same town and cases), by path: "dashboard" is also an app.
    spec = importlib.util.spec_from_file_location("bench_dashboard", BENCH / "dashboard.py")
    dashboard = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(dashboard)  # type: ignore[union-attr]
    dashboard.setup_django(database_url)
    from django.db import connection
    from django.utils import timezone

    town = dashboard.ensure_town().jurisdiction
    present = dashboard.scalar("SELECT count(*) FROM incidents_incident")
    if rebuild or present != cases:
        log(f"building {cases:,} cases")
        dashboard.build_cases(timezone.now(), town, cases)
        dashboard.sql("VACUUM ANALYZE incidents_incident")
    published = dashboard.scalar(
        "SELECT count(*) FROM incidents_incident i JOIN incidents_category c "
        "ON c.id = i.category_id WHERE i.source IN ('resident', 'open311') "
        "AND c.publication <> 'internal' AND i.created_at >= %s",
        [timezone.now() - datetime.timedelta(days=90)],
    )
    log(f"{cases:,} cases, {published:,} public in the last 90 days (the list shows 1,000)")
    connection.close()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--seconds", type=float, default=15.0, help="per endpoint")
    parser.add_argument("--connections", type=int, default=16, help="concurrent clients")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cases even if kept")
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_OPEN311_DATABASE_URL", DEFAULT_URL)
    )
    args = parser.parse_args()
    if "bench" not in urlsplit(args.database_url).path:
        parser.error("the benchmark empties its database: give one whose name contains 'bench'")
    if args.cases < 1 or args.workers < 1 or args.connections < 1 or args.seconds <= 0:
        parser.error("--cases, --workers, --connections and --seconds must be positive")
    return args


def main() -> int:
    args = parse_args()
    build(args.database_url, args.cases, rebuild=args.rebuild)
    log(
        f"gunicorn ({args.workers} workers), {args.connections} clients, {args.seconds:g} s "
        f"per endpoint; load average {os.getloadavg()[0]:.2f}"
    )
    figures = measure(
        database_url=args.database_url,
        workers=args.workers,
        seconds=args.seconds,
        connections=args.connections,
    )
    log(
        f"load average {figures['load_average_before']:.2f} before the load, "
        f"{figures['load_average_after']:.2f} after"
    )
    met = figures["open311_rps"] >= TARGET_RPS and figures["errors"] == 0
    log(f"target: at least {TARGET_RPS} requests/s, no error: {'met' if met else 'NOT met'}")
    print(
        f"open311: rps={figures['open311_rps']:.0f} bare_rps={figures['bare_rps']:.0f} "
        f"ratio={figures['ratio']:.2f} errors={figures['errors']}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
