"""Load test: grid members and officials at work against the production shape (issue 19).

    .venv/bin/python bench/load.py [--users 220] [--spawn-rate 2] [--run-time 5m]
        [--database-url postgis://postgres@127.0.0.1:5432/grid_platform_load_bench]
        [--web-concurrency 2] [--keep-database] [--keep-static] [--include-ramp-up]

What one run does, printing each step:

1. **Database.** Drops and creates its own database (the name must contain ``load``;
   ``DATABASE_URL`` is ignored, ``LOAD_DATABASE_URL`` sets the default), migrates it and
   seeds the demo town with ``manage.py seed_demo``, with enough grids that every
   simulated grid member has an account of their own (a member has one running patrol at
   most), then builds the dashboard's facts (``manage.py rebuild_case_facts``).
   ``--keep-database`` skips this step when the database is already there.
2. **Build.** The production image's build steps, ``scripts/build.sh`` (DEBUG off), into
   ``var/load/static``.
3. **Servers**, as docker-compose.yml starts them (commands read from that file): gunicorn
   with ``WEB_CONCURRENCY`` workers and a Celery worker, with the production settings: DEBUG
   off, SECRET_KEY and PERSONAL_DATA_KEY generated for the run, on a redis-server of the
   run's own. Locust talks plain HTTP to gunicorn (no TLS proxy), so the HTTPS redirect and
   the secure-cookie flags are off; everything else is as .env.example has it, except
   two-factor sign-in, which is off (the simulated officials have no TOTP device).
4. **Locust**, headless, ``bench/locustfile.py`` (10 members to 1 official), printing a
   progress line every 15 seconds. Users start ``--spawn-rate`` a second, each signing in
   (about 0.4 s of PBKDF2 on one core here); ``--run-time`` starts when the last one has
   signed in and is at work, and the figures count from then (the locustfile resets them):
   a whole town signing in within seconds is not its working day. ``--include-ramp-up``
   counts the ramp-up too (then ``--run-time`` is Locust's, from the first user).
5. **Figures**: per page, requests, failures, p50/p95/p99 and requests per second; the
   failures by kind; then the last line::

    load: users=U seconds=S requests=N rps=X errors=E p95_ms=Y p99_ms=Z

Errors are Locust's failures (an unexpected status, a refused form) plus the exceptions
raised in the simulated users. Target (issue 19, 220 users, 5 minutes): 0 errors and p95
at most 500 ms; the line before the last says whether it was met, and the exit status is 1
when it was not. Everything started is stopped at the end, on Ctrl-C and on failure too.
"""

import argparse
import contextlib
import csv
import datetime
import json
import math
import os
import re
import secrets
import signal
import subprocess
import sys
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
WORK = ROOT / "var" / "load"
ACCESS_LOG = WORK / "access.log"
ACCESS_LINE = re.compile(r"^\[([^\]]+)\] (\S+) (\S+) (\d+) (\d+)$")
CASE_ID = re.compile(r"/\d+/")
KEY = re.compile(r"/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/")
DEFAULT_URL = "postgis://postgres@127.0.0.1:5432/grid_platform_load_bench"
HOST = "127.0.0.1"
PASSWORD = "Demo-2026-grid"  # noqa: S105 - the demo accounts' password (README)
OFFICIALS = ["demo_town", "demo_county", "demo_city"]
MEMBER_SHARE = 10 / 11  # the weights of MemberUser and OfficialUser in the locustfile
TARGET_P95_MS = 500
PROGRESS_SECONDS = 15

_started = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - _started:7.1f}s] {message}", flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=220, help="simulated people (10:1)")
    parser.add_argument(
        "--spawn-rate", type=float, default=2, help="users started (and signing in) a second"
    )
    parser.add_argument(
        "--run-time", default="5m", help="with every user started: 30s, 5m, 1h, or seconds"
    )
    parser.add_argument(
        "--include-ramp-up",
        action="store_true",
        help="count the requests made while users start and sign in (reset by default)",
    )
    parser.add_argument(
        "--keep-static",
        action="store_true",
        help="reuse var/load/static of an earlier run instead of running the build again",
    )
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--web-concurrency", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--keep-database",
        action="store_true",
        help="reuse the seeded database of an earlier run instead of building it again",
    )
    args = parser.parse_args(argv)
    if args.users < 2:
        parser.error("--users must be at least 2 (a member and an official)")
    if args.spawn_rate <= 0:
        parser.error("--spawn-rate must be positive")
    try:
        run_seconds(args.run_time)
    except ValueError:
        parser.error("--run-time: give 30s, 5m, 1h or a number of seconds")
    if "load" not in urlsplit(args.database_url).path:
        parser.error("the load test drops its database: give one whose name contains 'load'")
    return args


def run_seconds(run_time: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    if run_time[-1:] in units:
        return int(float(run_time[:-1]) * units[run_time[-1]])
    return int(run_time)


def ramp_up_seconds(args: argparse.Namespace) -> int:
    return math.ceil(args.users / args.spawn_rate)


def locust_seconds(args: argparse.Namespace) -> int:
    """Locust's own limit. Without --include-ramp-up the locustfile ends the run
    --run-time after the last user signed in; this only bounds a ramp-up that never ends."""
    seconds = run_seconds(args.run_time)
    if args.include_ramp_up:
        return seconds
    return 3 * ramp_up_seconds(args) + seconds + 120


def members_needed(users: int) -> int:
    return math.ceil(users * MEMBER_SHARE)


def grids_for(members: int) -> int:
    """seed_demo gives every grid a full-time member and every other grid a part-timer."""
    return max(40, math.ceil(members / 1.5) + 1)


# --- database -----------------------------------------------------------------------------


def _connect(url: str, dbname: str):
    import psycopg2

    parts = urlsplit(url)
    connection = psycopg2.connect(
        dbname=dbname,
        user=parts.username or "",
        password=parts.password or "",
        host=parts.hostname or "",
        port=parts.port or 5432,
    )
    connection.autocommit = True
    return connection


def database_exists(url: str) -> bool:
    name = urlsplit(url).path.lstrip("/")
    with contextlib.closing(_connect(url, "postgres")) as connection, connection.cursor() as c:
        c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return c.fetchone() is not None


def database_recreate(url: str) -> None:
    from psycopg2 import sql

    name = urlsplit(url).path.lstrip("/")
    with contextlib.closing(_connect(url, "postgres")) as connection, connection.cursor() as c:
        c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    log(f"created database {name}")


def member_accounts(url: str) -> list[str]:
    """Usernames of the active grid members who hold a current grid assignment."""
    name = urlsplit(url).path.lstrip("/")
    with contextlib.closing(_connect(url, name)) as connection, connection.cursor() as c:
        c.execute(
            """
            SELECT u.username FROM members_gridmember m
            JOIN members_user u ON u.id = m.user_id
            WHERE m.is_active AND u.is_active AND EXISTS (
                SELECT 1 FROM members_gridassignment a
                WHERE a.member_id = m.id AND a.ends_on IS NULL)
            ORDER BY u.username
            """
        )
        return [row[0] for row in c.fetchall()]


# --- processes ----------------------------------------------------------------------------


def production_env(*, database_url: str, redis_url: str, web_concurrency: int) -> dict:
    """The production settings (.env.example), for plain HTTP on 127.0.0.1."""
    env = {
        "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108 - a fallback only
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "PERSONAL_DATA_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": HOST,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CACHE_URL": redis_url.rsplit("/", 1)[0] + "/1",
        "TRUSTED_PROXY_HOPS": "0",  # no proxy: REMOTE_ADDR is the client
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "TWO_FACTOR_REQUIRED": "false",
        "STATIC_ROOT": str(WORK / "static"),
        "MEDIA_ROOT": str(WORK / "media"),
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "WEB_CONCURRENCY": str(web_concurrency),
        "LOG_LEVEL": "WARNING",
    }
    return env


def manage(env: dict, *arguments: str) -> None:
    command = [sys.executable, "manage.py", *arguments]
    subprocess.run(command, cwd=ROOT, env=env, check=True)  # noqa: S603 - our own commands


def compose_command(service: str) -> list[str]:
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return list(compose["services"][service]["command"])


def healthy(port: int) -> bool:
    request = urllib.request.Request(f"http://{HOST}:{port}/healthz")
    try:
        with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 - local
            return response.status == 200
    except OSError:
        return False


def start_servers(group: ProcessGroup, port: int) -> None:
    web = compose_command("web")
    web[web.index("--bind") + 1] = f"{HOST}:{port}"
    web[web.index("--access-logfile") + 1] = str(ACCESS_LOG)
    # Each request's time inside gunicorn (%(M)s, milliseconds): set beside Locust's, it
    # tells the wait for a free worker from the work.
    web += ["--access-logformat", "%(t)s %(m)s %(U)s %(s)s %(M)s"]
    ACCESS_LOG.unlink(missing_ok=True)
    group.start("web", web)
    group.start("worker", compose_command("worker"))
    if not wait_for(lambda: healthy(port), timeout=90, interval=0.5):
        raise RuntimeError("gunicorn did not answer /healthz:\n" + group.logs())


# --- Locust -------------------------------------------------------------------------------


def run_locust(
    args: argparse.Namespace, port: int, env: dict, accounts: Path
) -> tuple[Path, datetime.datetime | None]:
    """Run Locust; its CSV prefix and when its figures start (None: from the start)."""
    prefix = WORK / "locust"
    for old in WORK.glob("locust_*.csv"):
        old.unlink()
    command = [
        str(VENV_BIN / "locust"),
        "-f",
        str(BENCH / "locustfile.py"),
        "--headless",
        "--only-summary",
        "--host",
        f"http://{HOST}:{port}",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{locust_seconds(args)}s",
        "--stop-timeout",
        "10",
        "--csv",
        str(prefix),
        "--loglevel",
        "WARNING",
        "--logfile",
        str(WORK / "locust.log"),
    ]
    ready_file = WORK / "ready.txt"
    ready_file.unlink(missing_ok=True)
    locust_env = env | {"LOAD_ACCOUNTS": str(accounts), "LOAD_READY_FILE": str(ready_file)}
    if not args.include_ramp_up:
        locust_env["LOAD_MEASURE_SECONDS"] = str(run_seconds(args.run_time))
    with (WORK / "locust.out").open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own command
            command, cwd=ROOT, env=locust_env, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            while process.poll() is None:
                time.sleep(PROGRESS_SECONDS)
                progress(prefix)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                process.wait(timeout=30)
    if args.include_ramp_up:
        return prefix, None
    if not ready_file.exists():
        log("not every user signed in: the figures below count from the start")
        return prefix, None
    log("every user was at work: figures counted from then")
    return prefix, datetime.datetime.fromisoformat(ready_file.read_text())


def progress(prefix: Path) -> None:
    """The latest aggregated row of Locust's history file."""
    history = Path(f"{prefix}_stats_history.csv")
    if not history.exists():
        return
    rows = [row for row in read_csv(history) if row["Name"] == "Aggregated"]
    if rows:
        row = rows[-1]
        log(
            f"locust: users={row['User Count']} requests={row['Total Request Count']} "
            f"failures={row['Total Failure Count']} rps={float(row['Requests/s']):.1f} "
            f"p95_ms={row['95%']}"
        )


# --- figures ------------------------------------------------------------------------------


def read_csv(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(newline="") as file:
        return list(csv.DictReader(file))


def report(prefix: Path, args: argparse.Namespace) -> bool:
    stats = read_csv(Path(f"{prefix}_stats.csv"))
    exceptions = read_csv(Path(f"{prefix}_exceptions.csv"))
    failures = read_csv(Path(f"{prefix}_failures.csv"))
    pages = [row for row in stats if row["Name"] != "Aggregated" and int(row["Request Count"])]
    total = next(row for row in stats if row["Name"] == "Aggregated")

    print(f"\n{'page':<40} requests {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6} {'rps':>6}")
    for row in sorted(pages, key=lambda r: -int(r["Request Count"])):
        name = f"{row['Type']} {row['Name']}"
        print(
            f"{name:<40} {row['Request Count']:>8} {row['Failure Count']:>5} "
            f"{row['50%']:>6} {row['95%']:>6} {row['99%']:>6} {float(row['Requests/s']):>6.1f}"
        )
    print("(milliseconds; Locust rounds times above 100 ms to two significant digits)")
    for row in failures:
        print(f"failure x{row['Occurrences']}: {row['Method']} {row['Name']}: {row['Error']}")
    for row in exceptions:
        print(f"exception x{row['Count']}: {row['Message']}")

    requests = int(total["Request Count"])
    errors = int(total["Failure Count"]) + sum(int(row["Count"]) for row in exceptions)
    seconds = run_seconds(args.run_time)
    p95, p99 = total["95%"], total["99%"]
    met = errors == 0 and requests > 0 and float(p95) <= TARGET_P95_MS
    print(
        f"target (0 errors, p95 at most {TARGET_P95_MS} ms): "
        + ("met" if met else "NOT met")
        + ("" if args.users == 220 and seconds >= 300 else " (not the target's 220 users, 5 min)")
    )
    print(
        f"load: users={args.users} seconds={seconds} requests={requests} "
        f"rps={float(total['Requests/s']):.1f} errors={errors} p95_ms={p95} p99_ms={p99}",
        flush=True,
    )
    return met


def percentile(values: list[int], share: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def server_times(since: datetime.datetime | None) -> None:
    """Per page, the p50/p95 of the time gunicorn spent on a request (its access log)."""
    times: dict[str, list[int]] = {}
    lines = ACCESS_LOG.read_text().splitlines() if ACCESS_LOG.exists() else []
    for line in lines:
        found = ACCESS_LINE.match(line)
        if found is None:
            continue
        when = datetime.datetime.strptime(found.group(1), "%d/%b/%Y:%H:%M:%S %z")
        if since is not None and when < since:
            continue
        path = KEY.sub("/[key]/", CASE_ID.sub("/[id]/", found.group(3)))
        times.setdefault(f"{found.group(2)} {path}", []).append(int(found.group(5)))
    if not times:
        return
    print(f"\n{'server time (gunicorn)':<40} requests {'p50':>6} {'p95':>6}")
    for name, values in sorted(times.items(), key=lambda item: -len(item[1])):
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        print(f"{name:<40} {len(values):>8} {p50:>6} {p95:>6}")
    print("(the rest of Locust's time is the wait for a free worker, and the network)")


# --- the run ------------------------------------------------------------------------------


def prepare(args: argparse.Namespace, env: dict) -> Path:
    """The database, seeded, and the accounts file for the locustfile."""
    members = members_needed(args.users)
    if args.keep_database and database_exists(args.database_url):
        log("keeping the seeded database (--keep-database)")
    else:
        database_recreate(args.database_url)
        log("migrating")
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        log(f"seeding the demo town ({grids_for(members)} grids)")
        grids = str(grids_for(members))
        manage(env, "seed_demo", "--grids-per-town", grids, "--password", PASSWORD)
        # As a deployment does once after migrating (README, "Facts"): the dashboard and
        # the cockpit read the facts from then on.
        log("rebuilding the dashboard's facts")
        manage(env, "rebuild_case_facts")
    accounts = member_accounts(args.database_url)
    if len(accounts) < members:
        raise SystemExit(
            f"the database has {len(accounts)} grid member accounts for {members} members: "
            "run without --keep-database"
        )
    path = WORK / "accounts.json"
    path.write_text(
        json.dumps({"password": PASSWORD, "members": accounts, "officials": OFFICIALS})
    )
    log(f"{len(accounts)} grid member accounts, officials {', '.join(OFFICIALS)}")
    return path


def build(env: dict, *, keep: bool) -> None:
    if keep and (WORK / "static" / "staticfiles.json").exists():
        log("keeping var/load/static (--keep-static)")
        return
    log("build: scripts/build.sh (DEBUG off)")
    subprocess.run(  # noqa: S603 - our own script
        [str(ROOT / "scripts" / "build.sh")],
        cwd=ROOT,
        env=env | {"PYTHON": sys.executable},
        check=True,
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    # SIGTERM ends the run as Ctrl-C does: through the finally blocks that stop the servers.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    redis = RedisServer(WORK)
    redis.start()
    log(f"redis-server on port {redis.port}")
    group = None
    try:
        env = production_env(
            database_url=args.database_url,
            redis_url=redis.url,
            web_concurrency=args.web_concurrency,
        )
        accounts = prepare(args, env)
        build(env, keep=args.keep_static)
        port = free_port()
        group = ProcessGroup(WORK, env, ROOT)
        start_servers(group, port)
        log(
            f"gunicorn ({args.web_concurrency} workers) and a Celery worker up on port {port}; "
            f"locust: {args.users} users started in {ramp_up_seconds(args)} s, "
            + (
                f"{args.run_time} in all"
                if args.include_ramp_up
                else f"then {run_seconds(args.run_time)} s once all are signed in"
            )
        )
        prefix, since = run_locust(args, port, env, accounts)
        log("locust done")
        server_times(since)
        return 0 if report(prefix, args) else 1
    except KeyboardInterrupt:
        log("interrupted: no figures")
        return 130
    finally:
        if group is not None:
            log("stopping gunicorn and the Celery worker")
            group.stop()
        redis.stop()
        log("stopped everything this run started")


if __name__ == "__main__":
    sys.exit(main())
