"""A delivery worker killed while sending, again and again: each message is sent, and a
kill repeats at most the one message that was in flight, with the same idempotency key."""

import os
import signal
from collections import Counter
from pathlib import Path

import pytest

from members.models import Notification
from members.notifications import notifications_deliver
from members.sms import SmsSender
from tests.reliability import conftest as rc
from tests.reliability.conftest import FORK, ROUNDS, kill, start

pytestmark = [pytest.mark.slow, pytest.mark.reliability, pytest.mark.django_db(transaction=True)]
SENDS_BEFORE_KILL = 3
# Each killed run delivers two messages and dies sending the third: enough for every run.
MESSAGES = max(20, SENDS_BEFORE_KILL * ROUNDS + 2)


class RecordingSmsSender(SmsSender):
    """The gateway: takes each message for good (a line in a file) before answering."""

    log: Path
    hang_after = 0
    hanging = None
    sent = 0

    def send(self, phone, text, *, idempotency_key=""):
        with self.log.open("a") as log:
            log.write(f"{text} {idempotency_key}\n")
            log.flush()
            os.fsync(log.fileno())
        RecordingSmsSender.sent += 1
        if RecordingSmsSender.sent == self.hang_after:
            self.hanging.set()
            signal.pause()  # the worker dies here, before it marks the message sent


def _deliver() -> int:
    return notifications_deliver()


def test_a_worker_killed_during_delivery_repeats_at_most_one_message(cast, settings, tmp_path):
    settings.SMS_SENDER = "tests.reliability.test_killed_delivery.RecordingSmsSender"
    RecordingSmsSender.log = tmp_path / "gateway.log"
    cast.member.grid_member.phone = "13811112222"
    cast.member.grid_member.save(update_fields=["phone"])
    Notification.objects.bulk_create(
        Notification(recipient=cast.member, kind="test", title=f"#{n}", sms_status="pending")
        for n in range(MESSAGES)
    )

    for _round in range(ROUNDS):
        RecordingSmsSender.hang_after, RecordingSmsSender.hanging = SENDS_BEFORE_KILL, FORK.Event()
        worker = start(_deliver)
        assert RecordingSmsSender.hanging.wait(timeout=30)
        kill(worker)
    RecordingSmsSender.hang_after = 0
    rc.run_together((_deliver,))

    lines = [line.split(" ") for line in RecordingSmsSender.log.read_text().splitlines()]
    sends = Counter(title for title, _key in lines)
    assert len(sends) == MESSAGES
    assert sum(sends.values()) - MESSAGES <= ROUNDS, "at most one repeat per kill"
    assert not Notification.objects.exclude(sms_status="sent").exists()
    keys = {
        f"grid-notification-{pk}-sms" for pk in Notification.objects.values_list("pk", flat=True)
    }
    assert {key for _title, key in lines} == keys, "a repeat carries its message's key"
