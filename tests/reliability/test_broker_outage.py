"""Filing cases while the broker is up, stopped and hung (SIGSTOP): the request that
queues a notification after its commit is at most 100 ms slower without a broker, and
nothing is lost: the outbox sweep delivers what the broker did not take."""

import signal
import statistics
import time

import pytest
from celery import Celery

from grids.models import Grid
from incidents.models import Category, Incident
from incidents.services.reporting import incident_report
from members.models import Notification, User
from members.notifications import notifications_deliver
from tests.processes import RedisServer
from tests.reliability.conftest import FORK, start

pytestmark = [pytest.mark.slow, pytest.mark.reliability, pytest.mark.django_db(transaction=True)]
FILINGS = 5
BOUND_MS = 100


def _filing_desk(broker_url: str, commands, member_id: int, grid_id: int) -> None:
    """A web process: files a case per command and answers how long it took (ms)."""
    app = Celery("broker_outage", set_as_current=True)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.broker_url = broker_url
    app.set_current()
    app.set_default()
    member = User.objects.get(pk=member_id)
    category = Category.objects.get(code="garbage")
    grid = Grid.objects.get(pk=grid_id)
    while commands.recv() == "file":
        began = time.perf_counter()
        incident_report(
            actor=member,
            category=category,
            title="垃圾堆放",
            description="-",
            source=Incident.Source.PATROL,
            grid=grid,
        )
        commands.send((time.perf_counter() - began) * 1000)


def _median_filing_ms(desk) -> float:
    times = []
    for _ in range(FILINGS):
        desk.send("file")
        assert desk.poll(timeout=60), "the filing never returned"
        times.append(desk.recv())
    return statistics.median(times)


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.running():
        server.process.send_signal(signal.SIGCONT)
        server.stop()


def test_filing_a_case_never_waits_for_a_broker_that_is_down(cast, ladder, redis_server):
    cast.leader.email = "leader@example.org"
    cast.leader.save(update_fields=["email"])
    desk, their_end = FORK.Pipe()
    web = start(_filing_desk, redis_server.url, their_end, cast.member.pk, ladder.a1.pk)
    try:
        desk.send("file")  # the first filing loads what a new process loads once
        desk.recv()
        up = _median_filing_ms(desk)
        redis_server.process.send_signal(signal.SIGSTOP)
        hung = _median_filing_ms(desk)
        redis_server.process.send_signal(signal.SIGCONT)
        redis_server.stop()
        stopped = _median_filing_ms(desk)
        desk.send("stop")
    finally:
        web.join(timeout=10)
        web.kill()

    assert max(hung - up, stopped - up) < BOUND_MS, {"up": up, "hung": hung, "stopped": stopped}
    filed = 1 + 3 * FILINGS
    assert Notification.objects.filter(recipient=cast.leader).count() == filed
    notifications_deliver()  # the outbox sweep, with no broker at all
    assert Notification.objects.filter(recipient=cast.leader, email_status="sent").count() == filed
