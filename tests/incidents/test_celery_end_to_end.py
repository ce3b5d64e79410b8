"""Escalation, notification delivery and the hotline back-sync through a real Celery
worker and a real Redis.

Each test runs its own redis-server on a free port, so that it can take the broker away
and bring it back, and so that no other worker on this machine takes its messages.
"""

import datetime
import time

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.utils import timezone

import incidents.tasks  # noqa: F401 - registers the shared tasks
import members.tasks  # noqa: F401
from incidents.models import HotlineUpdate, Incident, IncidentEvent, Level
from incidents.services import transitions
from incidents.services.hotline import hotline_order_file
from members.models import Notification
from tests.incidents.fake_hotline import statuses_taken
from tests.processes import RedisServer, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.running():
        server.stop()


@pytest.fixture
def broker_app(redis_server, settings):
    """The platform's Celery configuration, on this test's own broker, as the current app."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    app = Celery("grid_platform_test", set_as_current=True)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.broker_url = redis_server.url
    app.conf.broker_transport_options = {"socket_connect_timeout": 1, "visibility_timeout": 60}
    app.set_current()
    app.set_default()
    yield app
    app.close()


def test_an_overdue_case_escalates_through_the_worker_and_the_village_hears(
    broker_app, cast, ladder, category
):
    cast.village_staff.email = "village@example.org"
    cast.village_staff.save(update_fields=["email"])
    case = Incident.objects.create(
        code="E2E-1",
        title="占道",
        description="-",
        category=category,
        town=ladder.town,
        grid=ladder.a1,
        source="patrol",
        level=Level.GRID,
        handling_region=ladder.v1,
        status="accepted",
        deadline=timezone.now() - datetime.timedelta(hours=1),
    )

    with start_worker(broker_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        broker_app.send_task("incidents.tasks.incidents_escalate_overdue_task")
        assert wait_for(lambda: IncidentEvent.objects.filter(incident=case).exists())
        assert wait_for(lambda: len(mail.outbox) == 1)

    case.refresh_from_db()
    assert (case.level, case.escalation_count) == (Level.VILLAGE, 1)
    digest = Notification.objects.get(recipient=cast.village_staff)
    assert digest.kind == "escalation_digest"
    assert "E2E-1" in digest.body
    assert digest.email_status == Notification.Delivery.SENT
    assert mail.outbox[0].to == ["village@example.org"]


def test_a_case_filed_while_the_broker_is_down_is_saved_and_heard_of_later(
    broker_app, redis_server, report, cast
):
    cast.leader.email = "leader@example.org"
    cast.leader.save(update_fields=["email"])
    redis_server.stop()

    started = time.monotonic()
    case = report()
    elapsed = time.monotonic() - started

    assert Incident.objects.filter(pk=case.pk).exists()
    assert elapsed < 5, "an unreachable broker must not hold up the reporter"
    pending = Notification.objects.get(recipient=cast.leader)
    assert pending.email_status == Notification.Delivery.PENDING
    assert mail.outbox == []

    redis_server.start()
    with start_worker(broker_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        broker_app.send_task(
            "members.tasks.notifications_deliver_pending_task", kwargs={"older_than_seconds": 0}
        )
        assert wait_for(lambda: len(mail.outbox) == 1)

    pending.refresh_from_db()
    assert pending.email_status == Notification.Delivery.SENT
    assert mail.outbox[0].to == ["leader@example.org"]


def test_the_worker_posts_a_status_change_and_the_sweep_retries_a_failed_one(
    broker_app, fake_hotline, operator, cast, category, point_in_a1
):
    incident, _created = hotline_order_file(
        actor=operator,
        order_id="GD-0001",
        category=category,
        description="村口垃圾堆放",
        caller_phone="13912345678",
        location=point_in_a1,
    )
    fake_hotline.script = ["ok", "fail"]

    with start_worker(broker_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        incident = transitions.incident_accept(actor=cast.town_official, incident=incident)
        assert wait_for(lambda: statuses_taken(fake_hotline) == ["accepted"])
        transitions.incident_dispatch(
            actor=cast.town_official, incident=incident, user=cast.member
        )
        waiting = HotlineUpdate.objects.filter(status="pending")
        assert wait_for(lambda: waiting.filter(attempts=1).exists())
        past = timezone.now() - datetime.timedelta(minutes=5)
        waiting.update(next_attempt_at=past, created_at=past)
        broker_app.send_task("incidents.tasks.hotline_updates_deliver_pending_task")
        assert wait_for(lambda: statuses_taken(fake_hotline) == ["accepted", "dispatched"])

    assert list(HotlineUpdate.objects.order_by("pk").values_list("status", "attempts")) == [
        ("sent", 1),
        ("sent", 2),
    ]
