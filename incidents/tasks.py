from celery import shared_task

from incidents.services.escalation import incidents_escalate_overdue
from incidents.services.handling import incidents_resume_due


@shared_task
def incidents_escalate_overdue_task() -> int:
    """Beat runs this every minute; the service is safe to run concurrently."""
    result = incidents_escalate_overdue()
    return result.escalated + result.stalled


@shared_task
def incidents_resume_due_task() -> int:
    """Beat runs this hourly: suspended cases come back on their review date."""
    return incidents_resume_due()
