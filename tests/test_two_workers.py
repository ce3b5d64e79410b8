"""Two Celery workers on one broker keep every effect exactly once.

Two worker processes, started as docker-compose.yml starts one (each with two pool
processes), share a private redis-server and the test database. The test queues the
escalation sweep many times at once and the delivery sweep after it, so that four pool
processes race for the same cases and the same outbox rows. Every overdue case must be
escalated once, announced once in its village's digest, and every digest mailed once
(the mails are files, one per message, carrying the message's idempotency key).
"""

import datetime
import os
import re
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml
from celery import Celery
from django.db import connection
from django.utils import timezone

from incidents.models import Category, Incident, IncidentEvent, Level
from members.models import Notification
from tests.processes import ProcessGroup, RedisServer, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
CASES = 60
SWEEPS = 12


def worker_command(name: str) -> list[str]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = list(compose["services"]["worker"]["command"])
    assert command[:4] == ["celery", "-A", "grid_platform", "worker"]
    return [str(VENV_BIN / "celery"), *command[1:], "-c", "2", "-n", f"{name}@%h"]


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def workers(tmp_path, redis_server):
    database = connection.settings_dict
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "DEBUG": "true",
        "DATABASE_URL": (
            f"postgis://{database['USER']}@{database['HOST']}:{database['PORT']}"
            f"/{database['NAME']}"
        ),
        "REDIS_URL": redis_server.url,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    for variable in ["HOME", "PYTHONPATH", "TEST_CLOCK_AT", "PERSONAL_DATA_KEY", "SECRET_KEY"]:
        if variable in os.environ:
            env[variable] = os.environ[variable]
    group = ProcessGroup(tmp_path, env, ROOT)
    app = Celery("two_workers_test", broker=redis_server.url)
    try:
        group.start("worker-1", worker_command("one"))
        group.start("worker-2", worker_command("two"))
        assert wait_for(lambda: len(app.control.ping(timeout=0.5) or []) == 2, timeout=90), (
            group.logs()
        )
        yield app, mail_dir, group
    finally:
        app.close()
        group.stop()


def idempotency_keys(mail_dir: Path) -> Counter:
    keys: Counter = Counter()
    for path in mail_dir.iterdir():
        keys.update(re.findall(r"^X-Idempotency-Key: (\S+)$", path.read_text(), re.MULTILINE))
    return keys


def test_two_workers_escalate_announce_and_mail_each_case_exactly_once(workers, ladder, cast):
    app, mail_dir, group = workers
    cast.village_staff.email = "village@example.org"
    cast.village_staff.save(update_fields=["email"])
    category = Category.objects.get(code="garbage")
    overdue = timezone.now() - datetime.timedelta(hours=1)
    Incident.objects.bulk_create(
        Incident(
            code=f"TWO-{n:03d}",
            title="占道经营",
            description="-",
            category=category,
            town=ladder.town,
            grid=ladder.a1,
            source=Incident.Source.PATROL,
            level=Level.GRID,
            handling_region=ladder.v1,
            status=Incident.Status.ACCEPTED,
            deadline=overdue,
        )
        for n in range(CASES)
    )

    for _ in range(SWEEPS):
        app.send_task("incidents.tasks.incidents_escalate_overdue_task")
    escalations = IncidentEvent.objects.filter(action="auto_escalate")
    assert wait_for(lambda: escalations.count() >= CASES, timeout=120), group.logs()
    digests = Notification.objects.filter(recipient=cast.village_staff, kind="escalation_digest")
    for _ in range(SWEEPS):
        app.send_task("members.tasks.notifications_deliver_pending_task", args=[0])
    assert wait_for(
        lambda: not digests.exclude(email_status=Notification.Delivery.SENT).exists(),
        timeout=120,
    ), group.logs()
    assert wait_for(lambda: sum(idempotency_keys(mail_dir).values()) >= digests.count())

    assert escalations.count() == CASES
    assert Counter(escalations.values_list("incident__code", flat=True)) == Counter(
        f"TWO-{n:03d}" for n in range(CASES)
    )
    assert set(Incident.objects.values_list("level", "escalation_count")) == {(Level.VILLAGE, 1)}
    announced = Counter(
        line for body in digests.values_list("body", flat=True) for line in body.splitlines()
    )
    assert {code: announced[code] for code in announced if code.startswith("TWO-")} == {
        f"TWO-{n:03d}": 1 for n in range(CASES)
    }
    keys = idempotency_keys(mail_dir)
    assert keys == Counter(
        {f"grid-notification-{pk}-email": 1 for pk in digests.values_list("pk", flat=True)}
    )
    # Both workers took part (the race was real).
    assert "incidents_escalate_overdue_task" in group.log("worker-1")
    assert "incidents_escalate_overdue_task" in group.log("worker-2")
