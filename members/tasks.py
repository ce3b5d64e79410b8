from celery import shared_task
from django.utils import timezone

from members.notifications import notifications_deliver
from members.services import grid_permissions_sync


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
