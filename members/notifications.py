"""Writing and delivering notifications (the in-app inbox, e-mail and SMS)."""

import datetime
import logging
from collections.abc import Iterable
from functools import partial

from celery import current_app
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

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
    """Queue delivery; a broker that is down leaves the rows for the sweep to retry."""
    try:
        current_app.send_task(DELIVER_TASK, args=[ids], retry=False)
    except (BrokerError, OSError) as error:
        logger.warning(
            "Broker unavailable, %d notifications wait for the sweep: %s", len(ids), error
        )


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
    )


def notifications_deliver(*, ids: list[int] | None = None, older_than_seconds: int = 0) -> int:
    """Send pending e-mail and SMS of the given notifications (or of every pending one).

    Rows are claimed with SKIP LOCKED so that two workers never send the same message;
    a failure leaves the row pending for the next sweep, up to NOTIFICATION_MAX_ATTEMPTS.
    """
    sent = 0
    with transaction.atomic():
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
        claimed = list(
            pending.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient", "recipient__grid_member")
            .order_by("pk")[: settings.NOTIFICATION_BATCH]
        )
        for notification in claimed:
            sent += _deliver_one(notification, now)
    return sent


def _deliver_one(notification: Notification, now: datetime.datetime) -> int:
    errors = []
    given_up = False
    if notification.email_status == Delivery.PENDING and notification.recipient is not None:
        try:
            send_mail(
                notification.title,
                f"{notification.body}\n\n{notification.url}".strip(),
                settings.DEFAULT_FROM_EMAIL,
                [notification.recipient.email],
            )
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
    # Exponential backoff: 2, 4, 8 ... minutes, at most an hour, between attempts.
    backoff = min(2**notification.attempts, 60)
    notification.next_attempt_at = now + datetime.timedelta(minutes=backoff) if errors else None
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


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
