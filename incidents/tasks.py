from celery import shared_task

from incidents.services.escalation import incidents_escalate_overdue


@shared_task
def incidents_escalate_overdue_task() -> int:
    """Beat runs this every minute; the service is safe to run concurrently."""
    result = incidents_escalate_overdue()
    return result.escalated + result.stalled
