"""Each forked actor has a database session of its own, even after a browser test.

Playwright's sync API leaves its event loop marked as running in the main thread, which
moves Django's connections from a thread-local to a context variable (asgiref's Local);
the connection the test database was set up with stays behind in the thread-local, where
a forked child (which sees no running loop) would pick it up and share the parent's
socket. Here the loop is marked as running the way Playwright leaves it."""

import asyncio

import pytest
from django.db import connection, connections

from tests.reliability import conftest as rc

pytestmark = [pytest.mark.reliability, pytest.mark.django_db(transaction=True)]


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _without_a_loop(call):
    """Run ``call`` as this thread does before any loop runs (the thread-local storage)."""
    running = asyncio.events._get_running_loop()
    asyncio.events._set_running_loop(None)
    try:
        return call()
    finally:
        asyncio.events._set_running_loop(running)


@pytest.fixture
def loop_marked_running():
    """A loop marked as running in this thread, as Playwright leaves it (kept if a browser
    test in this process already did)."""
    if asyncio.events._get_running_loop() is not None:
        yield
        return
    loop = asyncio.new_event_loop()
    asyncio.events._set_running_loop(loop)
    try:
        yield
    finally:
        connections.close_all()  # the sessions opened while the loop was marked
        asyncio.events._set_running_loop(None)
        loop.close()


def test_a_forked_child_never_takes_a_session_the_parent_opened(loop_marked_running):
    thread_local_session = _without_a_loop(_backend_pid)
    context_session = _backend_pid()

    children = rc.run_together((_backend_pid,), (_backend_pid,))

    assert thread_local_session != context_session
    assert len(set(children)) == 2
    assert not set(children) & {thread_local_session, context_session}
    assert _backend_pid() not in children  # the parent goes on with a session of its own
