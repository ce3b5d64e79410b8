"""Writing and delivering notifications (the in-app inbox, e-mail and SMS)."""

import datetime
import logging
from collections.abc import Iterable
from functools import cache, partial

from celery import Celery, current_app
from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from kombu.connection import ConnectionPool
from kombu.exceptions import LimitExceeded
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from members import personal_data
from members.models import Notification, User
from members.sms import SmsError, SmsMessage, SmsRejected, sms_sender

logger = logging.getLogger(__name__)
Delivery = Notification.Delivery
DELIVER_TASK = "members.tasks.notifications_deliver_task"


def notifications_create(
    *,
    recipients: Iterable[User],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    sms: bool = False,
) -> list[Notification]:
    """Write one notification per recipient; deliver e-mail/SMS after the commit."""
    rows = [
        Notification(
            recipient=user,
            kind=kind,
            title=title[:200],
            body=body,
            url=url,
            email_status=Delivery.PENDING if user.email else Delivery.NOT_NEEDED,
            sms_status=Delivery.PENDING if sms and _phone_of(user) else Delivery.NOT_NEEDED,
        )
        for user in recipients
    ]
    created = Notification.objects.bulk_create(rows)
    outgoing = [n.pk for n in created if Delivery.PENDING in (n.email_status, n.sms_status)]
    if outgoing:
        transaction.on_commit(partial(_enqueue_delivery, outgoing))
    return created


def notifications_text_phone(
    *, phone: str, kind: str, title: str, body: str = "", params: dict[str, str] | None = None
) -> Notification | None:
    """A text to a phone that has no account behind it (a resident who reported by phone
    alone): an SMS-only row of the same outbox, retried and given up like any other."""
    if not phone:
        return None
    notification = Notification.objects.create(
        phone_encrypted=personal_data.encrypt(phone),
        kind=kind,
        title=title[:200],
        body=body,
        sms_params=params or {},
        email_status=Delivery.NOT_NEEDED,
        sms_status=Delivery.PENDING,
    )
    transaction.on_commit(partial(_enqueue_delivery, [notification.pk]))
    return notification


def _enqueue_delivery(ids: list[int]) -> None:
    task_queue_quietly(DELIVER_TASK, ids)


def task_queue_quietly(task: str, ids: list[int]) -> None:
    """Queue a delivery task of an outbox after the commit, never making the request wait
    on the broker (the hotline's back-sync uses it too).

    The message goes out on the publishing pool's connections, whose connect and socket
    timeouts are BROKER_PUBLISH_TIMEOUT (a broker that is down refuses at once; one that
    hangs would otherwise hold the request for seconds). Whatever is not handed over stays
    pending in the outbox (the notification rows) for the beat sweep to deliver.
    """
    if not task_publish(task, [ids]):
        logger.warning("Broker unavailable, %d messages wait for the sweep", len(ids))


def task_publish(name: str, args: list) -> bool:
    """Send a task by name on the publishing pool; False when the broker did not take it
    (what it carried must then be picked up by a periodic sweep)."""
    app = current_app
    try:
        with _publishing_pool(app).acquire(
            block=True, timeout=settings.BROKER_PUBLISH_TIMEOUT
        ) as connection:
            app.send_task(name, args=args, retry=False, connection=connection)
    except (BrokerError, LimitExceeded, RedisError, OSError) as error:
        logger.warning("Broker unavailable for %s: %s", name, error)
        return False
    return True


@cache
def _publishing_pool(app: Celery) -> ConnectionPool:
    """Broker connections for the web processes, kept open between requests, with short
    timeouts and no reconnection loop; the workers keep the app's own patient ones."""
    timeout = settings.BROKER_PUBLISH_TIMEOUT
    options = {
        **app.conf.broker_transport_options,
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
        "max_retries": 0,
    }
    connection = app.connection_for_write(connect_timeout=timeout, transport_options=options)
    return connection.Pool(limit=app.conf.broker_pool_limit)


def _phone_of(user: User | None) -> str:
    member = getattr(user, "grid_member", None)
    return member.phone if member is not None else ""


def _sms_of(notification: Notification) -> SmsMessage:
    phone = (
        personal_data.decrypt(notification.phone_encrypted)
        if notification.phone_encrypted
        else _phone_of(notification.recipient)
    )
    return SmsMessage(
        phone=phone,
        text=notification.title,
        kind=notification.kind,
        params={key: str(value) for key, value in notification.sms_params.items()},
        idempotency_key=delivery_key(notification, "sms"),
    )


def notifications_deliver(*, ids: list[int] | None = None, older_than_seconds: int = 0) -> int:
    """Send pending e-mail and SMS of the given notifications (or of every pending one).

    One message at a time, each in its own transaction: claim the row (``SKIP LOCKED``, so
    that two workers never send the same message), send, mark it, commit. A worker killed
    mid-way repeats at most the message it was sending (its transaction rolls back and the
    row stays pending), and that repeat carries the same idempotency key
    (``delivery_key``), with which a gateway that honours it drops the duplicate. A
    failure leaves the row pending for the next sweep, up to NOTIFICATION_MAX_ATTEMPTS;
    at most NOTIFICATION_BATCH messages a call.
    """
    now = timezone.now()
    pending = Notification.objects.filter(
        Q(email_status=Delivery.PENDING) | Q(sms_status=Delivery.PENDING),
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        attempts__lt=settings.NOTIFICATION_MAX_ATTEMPTS,
    )
    if ids is not None:
        pending = pending.filter(pk__in=ids)
    if older_than_seconds:
        pending = pending.filter(
            created_at__lt=now - datetime.timedelta(seconds=older_than_seconds)
        )
    claim = (
        pending.select_for_update(skip_locked=True, of=("self",))
        .select_related("recipient", "recipient__grid_member")
        .order_by("created_at", "pk")
    )
    sent = 0
    for _position in range(settings.NOTIFICATION_BATCH):
        with transaction.atomic():
            notification = claim.first()
            if notification is None:
                break
            sent += _deliver_one(notification, now)
    return sent


def delivery_key(notification: Notification, channel: str) -> str:
    """The same for every attempt to send this message by this channel."""
    return f"grid-notification-{notification.pk}-{channel}"


def _send_email(notification: Notification) -> None:
    key = delivery_key(notification, "email")
    EmailMessage(
        notification.title,
        f"{notification.body}\n\n{notification.url}".strip(),
        settings.DEFAULT_FROM_EMAIL,
        [notification.recipient.email],
        # A repeat after a crash keeps its Message-ID: mail systems drop the duplicate.
        headers={"Message-ID": f"<{key}@{DNS_NAME}>", "X-Idempotency-Key": key},
    ).send()


def _deliver_one(notification: Notification, now: datetime.datetime) -> int:
    errors = []
    given_up = False
    if notification.email_status == Delivery.PENDING and notification.recipient is not None:
        try:
            _send_email(notification)
            notification.email_status = Delivery.SENT
        except OSError as error:  # smtplib errors are OSError subclasses
            errors.append(f"e-mail: {error}")
    if notification.sms_status == Delivery.PENDING:
        try:
            sms_sender().send(_sms_of(notification))
            notification.sms_status = Delivery.SENT
        except SmsRejected as error:
            notification.sms_status = Delivery.FAILED
            given_up = True
            errors.append(f"SMS refused: {error}")
        except SmsError as error:
            errors.append(f"SMS: {error}")
    notification.attempts += 1
    notification.last_error = "; ".join(errors)[:200]
    notification.next_attempt_at = now + retry_delay(notification.attempts) if errors else None
    if given_up:
        logger.warning("SMS notification %s given up: %s", notification.pk, errors[-1])
    if errors and notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        if notification.email_status == Delivery.PENDING:
            notification.email_status = Delivery.FAILED
        if notification.sms_status == Delivery.PENDING:
            notification.sms_status = Delivery.FAILED
    notification.save(
        update_fields=["email_status", "sms_status", "attempts", "last_error", "next_attempt_at"]
    )
    return 0 if errors else 1


def retry_delay(attempts: int) -> datetime.timedelta:
    """Exponential backoff: 2, 4, 8 ... minutes, at most an hour, between attempts."""
    return datetime.timedelta(minutes=min(2**attempts, 60))


def notifications_mark_read(
    *, user: User, ids: list[int] | None = None, url: str | None = None
) -> int:
    """Mark the user's unread notifications read: all of them, these ``ids``, or those
    that link to ``url`` (the page the user has just opened)."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    if url is not None:
        unread = unread.filter(url=url)
    return unread.update(read_at=timezone.now())


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
