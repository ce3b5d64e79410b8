"""The residents' door: finding a case by its code and the reporter's phone, rating it
without an account, and the plain-words timeline a resident may see.

A resident sees what happened and when, and which kind of office did it; never a staff
member's name, an internal note, a reason or a comment.
"""

import hmac
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.figures import Row
from incidents.models import Incident, IncidentEvent, IncidentFollower, Level
from incidents.services.transitions import evaluate_step
from members import personal_data

Action = IncidentEvent.Action

# Steps that are internal housekeeping: a resident's timeline leaves them out.
HIDDEN_ACTIONS = frozenset(
    {
        Action.STALL,
        Action.SUPERVISE,
        Action.UNSUPERVISE,
        Action.EXTEND_REQUEST,
        Action.EXTEND_REFUSE,
        Action.FOLLOW,
    }
)


def phone_matches(incident: Incident, phone: str) -> bool:
    """Whether the phone is the one the reporter gave, compared in constant time."""
    if not incident.reporter_phone_hash:
        return False
    try:
        normalised = personal_data.normalise_phone(phone or "")
    except ValidationError:
        return False
    return hmac.compare_digest(personal_data.lookup_hash(normalised), incident.reporter_phone_hash)


def follower_phone_matches(incident: Incident, phone: str) -> bool:
    """Whether the phone is one a resident gave when joining the case (a follower)."""
    try:
        normalised = personal_data.normalise_phone(phone or "")
    except ValidationError:
        return False
    return IncidentFollower.objects.filter(
        incident=incident, phone_hash=personal_data.lookup_hash(normalised)
    ).exists()


def incident_find_for_reporter(*, code: str, phone: str) -> Incident | None:
    """The case with this code, if the phone is the reporter's or a follower's; None
    whichever was wrong."""
    incident = (
        Incident.objects.select_related("category")
        .defer("location", "reporter_phone_encrypted")
        .filter(code=(code or "").strip())
        .first()
    )
    if incident is None:
        return None
    if not phone_matches(incident, phone) and not follower_phone_matches(incident, phone):
        return None
    return incident


@transaction.atomic
def incident_evaluate_by_reporter_phone(
    *, incident: Incident, phone: str, satisfaction: str, comment: str = ""
) -> Incident:
    """The anonymous reporter's rating: proving the phone takes the place of the account.

    The phone is checked on the locked row; the event has no actor. A wrong phone raises
    PermissionDenied, a case that is not closed (or already rated) IncidentActionRefused.
    """
    return evaluate_step(
        incident,
        actor=None,
        check=lambda _actor, locked: phone_matches(locked, phone),
        satisfaction=satisfaction,
        comment=(comment or "").strip(),
    )


@dataclass(frozen=True)
class TimelineStep:
    when: datetime
    title: str
    by: str


def _office_of_level(level: int | None) -> str:
    offices: dict[int | None, str] = {
        Level.GRID: _("Grid member"),
        Level.VILLAGE: _("Village or community staff"),
        Level.TOWN: _("Town or street staff"),
        Level.COUNTY: _("City staff"),
        Level.PREFECTURE: _("City staff"),
    }
    return offices.get(level, "")


def _handler_of(incident: Incident, level: int | None) -> str:
    if incident.assignee_department_id:
        return _("Functional department")
    return _office_of_level(level)


def _describe(incident: Incident, event: Row) -> tuple[str, str]:
    action, level = event["action"], event["to_level"]
    level_label = Level(level).label if level else ""
    descriptions = {
        Action.REPORT: (_("Your request was received"), ""),
        Action.ACCEPT: (_("Accepted"), _office_of_level(level)),
        Action.REJECT: (_("Not accepted"), _office_of_level(level)),
        Action.DISPATCH: (_("Passed on for handling"), _office_of_level(level)),
        Action.START: (_("Handling started"), _handler_of(incident, level)),
        Action.HANDLE: (
            _("Reported as done; waiting for a check on the spot"),
            _handler_of(incident, level),
        ),
        Action.VERIFY: (_("Checked on the spot and closed"), _("Grid member")),
        Action.REWORK: (_("Sent back for more work after the check"), _("Grid member")),
        Action.EVALUATE: (_("You rated the result"), ""),
        Action.MERGE: (
            _("Handled together with an earlier report of the same problem"),
            _office_of_level(level),
        ),
        Action.ESCALATE: (
            _("Referred to a higher level: %(level)s") % {"level": level_label},
            "",
        ),
        Action.AUTO_ESCALATE: (
            _("Referred to a higher level: %(level)s") % {"level": level_label},
            "",
        ),
        Action.AUTO_DISPATCH: (_("Passed on for handling"), _office_of_level(level)),
        Action.RETURN: (_("Passed back to be sent to the right office"), ""),
        Action.EXTEND_APPROVE: (_("More time was granted for handling"), ""),
        Action.SUSPEND: (
            _("On hold: it waits on something outside the town's hands for now"),
            _office_of_level(level),
        ),
        Action.RESUME: (_("Handling resumed"), ""),
        Action.REOPEN: (_("Reopened"), _office_of_level(level)),
    }
    return descriptions.get(action, ("", ""))


def incident_public_timeline(incident: Incident) -> list[TimelineStep]:
    """The case's steps in plain words, oldest first: one query, no notes, no names."""
    events = (
        IncidentEvent.objects.filter(incident=incident)
        .exclude(action__in=HIDDEN_ACTIONS)
        .order_by("created_at", "id")
        .values("action", "to_level", "created_at")
    )
    steps = []
    for event in events:
        title, by = _describe(incident, event)
        if title:
            steps.append(TimelineStep(when=event["created_at"], title=title, by=by))
    return steps
