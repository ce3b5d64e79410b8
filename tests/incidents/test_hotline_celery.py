"""The 12345 bridge's back-sync through a real Celery worker and a real Redis: a status
change is queued after its commit and posted by the worker; what the hotline refused is
posted by the beat sweep's task later."""

import datetime

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

import incidents.tasks  # noqa: F401 - registers the shared tasks
from core.roles import Role
from incidents.models import HotlineUpdate
from incidents.services import transitions
from incidents.services.hotline import hotline_order_file
from tests.conftest import make_user
from tests.incidents.fake_hotline import fake_hotline, statuses_taken  # noqa: F401
from tests.incidents.test_celery_end_to_end import broker_app, redis_server  # noqa: F401
from tests.processes import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_worker_posts_a_status_change_and_the_sweep_retries_a_failed_one(
    broker_app, fake_hotline, cast, ladder, category, point_in_a1
):
    operator = make_user("hotline_12345", Role.HOTLINE_OPERATOR, ladder.county)
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
        transitions.incident_dispatch(actor=cast.town_official, incident=incident, user=cast.member)
        assert wait_for(lambda: HotlineUpdate.objects.filter(attempts=1, status="pending").exists())
        past = timezone.now() - datetime.timedelta(minutes=5)
        HotlineUpdate.objects.filter(status="pending").update(next_attempt_at=past, created_at=past)
        broker_app.send_task("incidents.tasks.hotline_updates_deliver_pending_task")
        assert wait_for(lambda: statuses_taken(fake_hotline) == ["accepted", "dispatched"])

    assert list(HotlineUpdate.objects.order_by("pk").values_list("status", "attempts")) == [
        ("sent", 1),
        ("sent", 2),
    ]
