"""The 12345 bridge, back-sync: every status change of a hotline work order's case goes
back to the hotline, signed, through an outbox (HotlineUpdate) written in the step's own
transaction, delivered after the commit and retried with backoff by a sweep. So does every
escalation, by hand or by the sweep: the hotline's operators see the case climb."""

import datetime
import logging
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation

from core.webhooks import WebhookError, WebhookMessage, webhook_post
from incidents.models import HotlineOrder, HotlineUpdate, Incident, IncidentEvent, Level
from members.notifications import retry_delay, task_queue_quietly

logger = logging.getLogger(__name__)
DELIVER_TASK = "incidents.tasks.hotline_updates_deliver_task"
Delivery = HotlineUpdate.Delivery


def payload_of(order_id: str, case_code: str, event: IncidentEvent) -> dict:
    """What the hotline receives: see README, "The 12345 bridge"."""
    with translation.override(settings.LANGUAGE_CODE):
        label = str(Incident.Status(event.to_status).label)
        level_label = str(Level(event.to_level).label) if event.to_level is not None else ""
    return {
        "event_id": event.pk,
        "order_id": order_id,
        "case_code": case_code,
        "action": event.action,
        "status": event.to_status,
        "status_label": label,
        "previous_status": event.from_status,
        "level": event.to_level,
        "level_label": level_label,
        "previous_level": event.from_level,
        "note": event.note,
        "occurred_at": event.created_at.isoformat(),
    }


def hotline_updates_queue(events: Iterable[tuple[Incident, IncidentEvent]]) -> list[int]:
    """Write the outbox rows of these status changes, in the caller's transaction, for the
    cases that came as hotline work orders; queue their delivery after the commit.

    Other cases cost nothing (no query); hotline cases one query for their orders.
    """
    hotline = [(case, event) for case, event in events if case.source == Incident.Source.HOTLINE]
    if not hotline:
        return []
    orders = {
        order.incident_id: order
        for order in HotlineOrder.objects.filter(incident__in=[case.pk for case, _e in hotline])
    }
    rows = [
        HotlineUpdate(
            order=orders[case.pk],
            event=event,
            payload=payload_of(orders[case.pk].order_id, case.code, event),
        )
        for case, event in hotline
        if case.pk in orders
    ]
    ids = [row.pk for row in HotlineUpdate.objects.bulk_create(rows)]
    if ids:
        transaction.on_commit(partial(task_queue_quietly, DELIVER_TASK, ids))
    return ids


def hotline_updates_queue_swept(ids: list[int]) -> list[int]:
    """The escalation sweep's share: outbox rows for the automatic escalations it has just
    written (set-based, in its batch's transaction) on these cases, for those that came as
    hotline work orders. One query whatever the batch, and a second only when some did."""
    if not ids:
        return []
    events = list(
        IncidentEvent.objects.filter(
            incident_id__in=ids,
            action=IncidentEvent.Action.AUTO_ESCALATE,
            incident__source=Incident.Source.HOTLINE,
            incident__hotline_order__isnull=False,
        )
        .exclude(Exists(HotlineUpdate.objects.filter(event=OuterRef("pk"))))
        .select_related("incident__hotline_order")
        .order_by("pk")
    )
    rows = [
        HotlineUpdate(
            order=event.incident.hotline_order,
            event=event,
            payload=payload_of(event.incident.hotline_order.order_id, event.incident.code, event),
        )
        for event in events
    ]
    created = [row.pk for row in HotlineUpdate.objects.bulk_create(rows)]
    if created:
        transaction.on_commit(partial(task_queue_quietly, DELIVER_TASK, created))
    return created


def hotline_updates_deliver(*, ids: list[int] | None = None, older_than_seconds: int = 0) -> int:
    """Post pending updates to HOTLINE_CALLBACK_URL, oldest first; the number sent.

    Like the notification outbox: one update at a time, each claimed (``SKIP LOCKED``),
    posted and marked in its own transaction, with the same idempotency key and event id
    at every attempt. An update waits while an earlier one of the same work order is
    pending, so the hotline hears a case's steps in order. The first failure ends the
    call (the hotline is down or hung: the rest wait for the next sweep without spending
    an attempt); the failed update is retried after 2, 4, 8 ... minutes (at most an hour)
    and given up after HOTLINE_MAX_ATTEMPTS. Without a HOTLINE_CALLBACK_URL the updates
    wait, none lost.
    """
    if not settings.HOTLINE_CALLBACK_URL:
        return 0
    now = timezone.now()
    earlier = HotlineUpdate.objects.filter(
        order=OuterRef("order"), status=Delivery.PENDING, pk__lt=OuterRef("pk")
    )
    due = HotlineUpdate.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        status=Delivery.PENDING,
    ).exclude(Exists(earlier))
    if ids is not None:
        due = due.filter(pk__in=ids)
    if older_than_seconds:
        due = due.filter(created_at__lt=now - datetime.timedelta(seconds=older_than_seconds))
    claim = due.select_for_update(skip_locked=True).order_by("pk")
    sent = 0
    for _position in range(settings.NOTIFICATION_BATCH):
        with transaction.atomic():
            update = claim.first()
            if update is None:
                break
            if not _deliver_one(update, now):
                break
            sent += 1
    return sent


def delivery_key(update: HotlineUpdate) -> str:
    return f"grid-hotline-event-{update.event_id}"


def _deliver_one(update: HotlineUpdate, now: datetime.datetime) -> bool:
    message = WebhookMessage(
        url=settings.HOTLINE_CALLBACK_URL,
        secret=settings.HOTLINE_SECRET,
        payload=update.payload,
        idempotency_key=delivery_key(update),
    )
    update.attempts += 1
    try:
        webhook_post(message, timeout=settings.HOTLINE_TIMEOUT)
    except WebhookError as error:
        update.last_error = str(error)[:200]
        update.next_attempt_at = now + retry_delay(update.attempts)
        if update.attempts >= settings.HOTLINE_MAX_ATTEMPTS:
            update.status = Delivery.FAILED
            logger.warning("Hotline update %s given up: %s", update.pk, update.last_error)
        update.save(update_fields=["attempts", "last_error", "next_attempt_at", "status"])
        return False
    update.status, update.sent_at, update.next_attempt_at = Delivery.SENT, now, None
    update.save(update_fields=["attempts", "status", "sent_at", "next_attempt_at"])
    return True


@transaction.atomic
def hotline_update_retry(*, ids: list[int]) -> int:
    """Give failed updates (given up after HOTLINE_MAX_ATTEMPTS) a new round of attempts."""
    return HotlineUpdate.objects.filter(pk__in=ids, status=Delivery.FAILED).update(
        status=Delivery.PENDING, attempts=0, next_attempt_at=None
    )
