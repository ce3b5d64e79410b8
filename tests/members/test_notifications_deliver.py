import datetime

import pytest
import time_machine
from django.core import mail

from members.models import Notification
from members.notifications import notifications_create, notifications_deliver, unread_count
from members.sms import LoggingSmsSender, SmsError
from tests.conftest import NOW


class BrokenMailBackend:
    """The outside world failing: an SMTP server that refuses connections."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server unreachable")


class BrokenSmsSender(LoggingSmsSender):
    def send(self, phone, text, *, idempotency_key):
        raise SmsError("gateway timeout")


@pytest.fixture
def recipient(cast):
    cast.member.email = "member@example.org"
    cast.member.save(update_fields=["email"])
    cast.member.grid_member.phone = "13811112222"
    cast.member.grid_member.save(update_fields=["phone"])
    return cast.member


def test_a_notification_is_in_the_inbox_and_sent_by_mail_and_sms(recipient, caplog):
    [note] = notifications_create(recipients=[recipient], kind="test", title="新案件", sms=True)

    assert notifications_deliver(ids=[note.pk]) == 1

    note.refresh_from_db()
    assert (note.email_status, note.sms_status) == ("sent", "sent")
    assert mail.outbox[0].subject == "新案件"
    assert "SMS to 138****2222: 新案件" in caplog.text
    assert unread_count(recipient) == 1


def test_a_failed_delivery_waits_and_is_retried_with_backoff(recipient, settings):
    settings.EMAIL_BACKEND = "tests.members.test_notifications_deliver.BrokenMailBackend"
    with time_machine.travel(NOW, tick=False):
        [note] = notifications_create(recipients=[recipient], kind="test", title="x")
        assert notifications_deliver(ids=[note.pk]) == 0
    note.refresh_from_db()
    assert (note.email_status, note.attempts) == ("pending", 1)
    assert note.next_attempt_at == NOW + datetime.timedelta(minutes=2)

    with time_machine.travel(NOW + datetime.timedelta(minutes=1)):
        assert notifications_deliver() == 0
    assert Notification.objects.get().attempts == 1, "not before the backoff has passed"

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(NOW + datetime.timedelta(minutes=3)):
        assert notifications_deliver() == 1
    assert Notification.objects.get().email_status == "sent"


def test_a_message_that_keeps_failing_is_marked_failed(recipient, settings):
    settings.SMS_SENDER = "tests.members.test_notifications_deliver.BrokenSmsSender"
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    [note] = notifications_create(recipients=[recipient], kind="test", title="x", sms=True)

    notifications_deliver(ids=[note.pk])
    Notification.objects.update(next_attempt_at=None)
    notifications_deliver(ids=[note.pk])

    note.refresh_from_db()
    assert (note.email_status, note.sms_status, note.attempts) == ("sent", "failed", 2)
    assert note.last_error == "SMS: gateway timeout"


def test_delivery_waits_for_the_commit(recipient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        notifications_create(recipients=[recipient], kind="test", title="x")

    assert len(callbacks) == 1


class FlakySmsSender(LoggingSmsSender):
    """Fails the first attempt at each message, after the gateway may have taken it."""

    keys: list[str] = []

    def send(self, phone, text, *, idempotency_key):
        self.keys.append(idempotency_key)
        if self.keys.count(idempotency_key) == 1:
            raise SmsError("timeout after the gateway took it")


def test_every_attempt_at_a_message_carries_the_same_idempotency_key(recipient, settings):
    settings.SMS_SENDER = "tests.members.test_notifications_deliver.FlakySmsSender"
    FlakySmsSender.keys = []
    [note] = notifications_create(recipients=[recipient], kind="test", title="x", sms=True)

    notifications_deliver(ids=[note.pk])
    Notification.objects.update(next_attempt_at=None)
    notifications_deliver(ids=[note.pk])

    assert FlakySmsSender.keys == [f"grid-notification-{note.pk}-sms"] * 2
    [message] = mail.outbox
    assert message.extra_headers["X-Idempotency-Key"] == f"grid-notification-{note.pk}-email"
    assert message.extra_headers["Message-ID"].startswith(f"<grid-notification-{note.pk}-email@")
