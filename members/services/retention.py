"""Retention of the personal-data access log (settings.RETENTION_ACCESS_LOG_DAYS)."""

import datetime

from django.conf import settings
from django.db.models import QuerySet

from members.models import PersonalDataAccess


def access_log_expired(now: datetime.datetime) -> QuerySet[PersonalDataAccess]:
    cutoff = now - datetime.timedelta(days=settings.RETENTION_ACCESS_LOG_DAYS)
    return PersonalDataAccess.objects.filter(accessed_at__lt=cutoff)


def access_log_purge(*, now: datetime.datetime, dry_run: bool) -> int:
    """Delete the log rows older than the retention; count them only when ``dry_run``."""
    expired = access_log_expired(now)
    if dry_run:
        return expired.count()
    deleted, _per_model = expired.delete()
    return deleted
