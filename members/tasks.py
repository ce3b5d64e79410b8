from celery import shared_task
from django.utils import timezone

from members.services import grid_permissions_sync


@shared_task
def grid_assignments_expire_task() -> int:
    """Revoke grants of assignments that ended, grant those that began (daily dates)."""
    return grid_permissions_sync(today=timezone.localdate())
