import datetime

from celery import shared_task
from django.utils import timezone

from members.notifications import notifications_deliver
from members.services import grid_permissions_sync
from members.services.authenticity import NIGHTLY_DAYS, patrols_assess


@shared_task
def grid_assignments_expire_task() -> int:
    """Revoke grants of assignments that ended, grant those that began (daily dates)."""
    return grid_permissions_sync(today=timezone.localdate())


@shared_task
def notifications_deliver_task(ids: list[int]) -> int:
    return notifications_deliver(ids=ids)


@shared_task
def notifications_deliver_pending_task(older_than_seconds: int = 60) -> int:
    """The outbox sweep: whatever the broker or a mail server failed to take earlier.

    It leaves the last minute's rows to the delivery task queued with them.
    """
    return notifications_deliver(older_than_seconds=older_than_seconds)


@shared_task
def patrols_assess_task(ids: list[int]) -> int:
    """Judge patrols that just ended (queued after their commit)."""
    return patrols_assess(ids=ids)


@shared_task
def patrols_assess_recent_task() -> int:
    """Nightly: judge again the patrols of the last weeks (days ended, month-end windows)."""
    return patrols_assess(since=timezone.now() - datetime.timedelta(days=NIGHTLY_DAYS))
