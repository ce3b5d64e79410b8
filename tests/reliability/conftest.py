"""Real processes racing on PostGIS: forked children, each with its own connection.

Each test forks its actors (``run_together``) after closing the parent's connections, so
that every child opens its own session, takes its own locks and can be killed with
SIGKILL. A child that holds a transaction open waits at a gate until its rivals are
blocked on a lock in PostgreSQL (``lock_waiters``) or done, so that the interleaving each
test is about happens in every round instead of now and then.

``RELIABILITY_ROUNDS`` sets the rounds of the racing tests: twenty in ``make test`` and
``make reliability``, three when a file is run by hand.
"""

import datetime
import multiprocessing
import os
import signal
import traceback
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.urls import get_resolver, reverse
from django.utils import timezone, translation

from incidents.models import Category, Incident, Level
from tests.processes import wait_for

FORK = multiprocessing.get_context("fork")
ROUNDS = int(os.environ.get("RELIABILITY_ROUNDS", "3"))
GATE_SECONDS = 15


def close_connections() -> None:
    """Close every database connection of this thread before a fork, wherever it is kept.

    Django keeps a thread's connections in asgiref's ``Local``: a plain thread-local while
    no event loop runs in the thread, a context variable while one does. Once a browser
    test has run in this process, Playwright's sync API leaves its loop marked as running
    in the main thread, so ``connections.close_all()`` closes only the context variable's
    connections. A forked child sees no running loop (the mark belongs to the parent's
    pid) and reads the plain thread-local, where the connection the test database was set
    up with still sits, open: parent and child then speak on one socket ("no results to
    fetch", "server closed the connection unexpectedly").
    """
    connections.close_all()
    plain = connections._connections._storage  # the thread-local under asgiref's Local
    for name, held in list(vars(plain).items()):
        if name != "cvar":
            held.close()


def _child(index: int, call: Callable, args: tuple, results: Any) -> None:
    try:
        outcome = call(*args)
    except BaseException as error:  # noqa: BLE001 - reported to the parent, which asserts
        outcome = ("error", f"{type(error).__name__}: {error}\n{traceback.format_exc()[-1500:]}")
    finally:
        connections.close_all()
    results.put((index, outcome))


def start(call: Callable, *args: Any) -> multiprocessing.Process:
    """Fork one child running ``call(*args)``, to be killed (its outcome is not kept)."""
    warm_up()
    close_connections()  # the child must not share the parent's socket
    process = FORK.Process(target=call, args=args, daemon=True)
    process.start()
    return process


def kill(process: multiprocessing.Process) -> None:
    """``kill -9``: no cleanup, no rollback but the database's own."""
    os.kill(process.pid, signal.SIGKILL)
    process.join(timeout=10)


def warm_up() -> None:
    """Load once, before forking, what each child would otherwise load on its first step
    (the URL patterns with every view module, the catalogues): seconds per child."""
    get_resolver().url_patterns  # noqa: B018 - importing the whole URLconf is the point
    reverse("incidents:detail", args=[1])
    translation.gettext("Reported")


def run_together(*calls: tuple, timeout: float = 60) -> list[Any]:
    """Run each (function, *args) in a process of its own; their outcomes, in order."""
    warm_up()
    results = FORK.Queue()
    close_connections()
    processes = [
        FORK.Process(target=_child, args=(i, call[0], call[1:], results), daemon=True)
        for i, call in enumerate(calls)
    ]
    for process in processes:
        process.start()
    outcomes: dict[int, Any] = {}
    try:
        for _ in processes:
            index, outcome = results.get(timeout=timeout)
            outcomes[index] = outcome
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
    return [outcomes[i] for i in range(len(calls))]


def lock_waiters() -> int:
    """Sessions of this database, other than this one, blocked on a lock right now."""
    with connection.cursor() as cursor:
        # pg_stat_activity is a snapshot per transaction unless it is cleared.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def gate(ready: Callable[[], bool]) -> None:
    """Hold the caller's open transaction until ``ready()`` (bounded, never forever)."""
    wait_for(ready, timeout=GATE_SECONDS, interval=0.01)


@pytest.fixture
def category(db):
    return Category.objects.get(code="garbage")


@pytest.fixture
def make_case(ladder, category):
    """make_case(code, status=..., level=..., ...) → a case in grid A1 (village V1)."""

    def _make(code: str, **fields: Any) -> Incident:
        values: dict[str, Any] = {
            "title": "占道经营",
            "description": "-",
            "category": category,
            "town": ladder.town,
            "grid": ladder.a1,
            "source": "patrol",
            "level": Level.GRID,
            "handling_region": ladder.v1,
            "status": Incident.Status.ACCEPTED,
            "deadline": timezone.now() + datetime.timedelta(days=3),
        }
        values.update(fields)
        return Incident.objects.create(code=code, **values)

    return _make
