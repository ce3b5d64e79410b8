"""Moves this Python process's clock when ``TEST_CLOCK_AT`` is set (``make test``'s second pass).

``make test`` runs the suite a second time with ``PYTHONPATH=tests/clock`` and
``TEST_CLOCK_AT=2027-10-04T09:00:00+08:00``: every Python process it starts (pytest, and the
workers, servers and commands that tests start in subprocesses, which inherit the
environment) imports this module at start-up and travels to that moment, with the clock
ticking on from there. Only the wall clock moves (time.time, datetime.now); monotonic
clocks and timeouts are untouched, and PostgreSQL's ``now()`` is not moved at all, so code
that reads business time from the database instead of Django's clock fails this pass.
"""

import os

_destination = os.environ.get("TEST_CLOCK_AT")
if _destination:
    import datetime

    import time_machine

    time_machine.travel(datetime.datetime.fromisoformat(_destination), tick=True).start()
