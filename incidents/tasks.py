from celery import shared_task

from incidents.services.escalation import incidents_escalate_overdue
from incidents.services.facts import case_facts_rebuild_recent, case_facts_refresh
from incidents.services.handling import incidents_resume_due
from incidents.services.hotline_sync import hotline_updates_deliver
from incidents.services.recalculation import incidents_recalculate_deadlines
from incidents.services.supervision import supervisions_escalate_overdue
from incidents.services.warnings import incidents_warn_due


@shared_task
def incidents_escalate_overdue_task() -> int:
    """Beat runs this every minute; the service is safe to run concurrently."""
    result = incidents_escalate_overdue()
    return result.escalated + result.stalled


@shared_task
def incidents_resume_due_task() -> int:
    """Beat runs this hourly: suspended cases come back on their review date."""
    return incidents_resume_due()


@shared_task
def incidents_warn_due_task() -> int:
    """Beat runs this every few minutes; outside working hours it does nothing."""
    return incidents_warn_due().warned


@shared_task
def incidents_recalculate_deadlines_task(note: str = "") -> int:
    """Queued when the calendar, a limit or the working hours change."""
    return len(incidents_recalculate_deadlines(note=note).moved)


@shared_task
def supervisions_escalate_overdue_task() -> int:
    """Beat runs this every five minutes: an overdue supervision rises one level."""
    return supervisions_escalate_overdue()


@shared_task
def hotline_updates_deliver_task(ids: list[int]) -> int:
    """Queued after the commit of a hotline case's status change."""
    return hotline_updates_deliver(ids=ids)


@shared_task
def hotline_updates_deliver_pending_task() -> int:
    """Beat runs this every minute: what the hotline has not taken yet, retried."""
    return hotline_updates_deliver(older_than_seconds=30)


@shared_task
def case_facts_refresh_task() -> int:
    """Beat runs this every minute: the days touched since the last run, recomputed."""
    return case_facts_refresh().days


@shared_task
def case_facts_rebuild_recent_task() -> int:
    """Beat runs this nightly, after the sweeps: the recent days recomputed whole."""
    return case_facts_rebuild_recent()
