from celery import shared_task

from assessment.services import assessment_months_close_due


@shared_task
def assessment_months_close_due_task() -> int:
    """Close last month for every county that has not closed it (beat: first days)."""
    return len(assessment_months_close_due())
