"""The residents' door: finding a case by its code and the reporter's phone, rating it
without an account, and the plain-words timeline a resident may see.

A resident sees what happened and when, and which kind of office did it; never a staff
member's name, an internal note, a reason or a comment.
"""

import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.figures import Row
from core.roles import GRID_ROLES, Role
from incidents.models import (
    Attachment,
    Department,
    Incident,
    IncidentEvent,
    IncidentFollower,
    Level,
)
from incidents.services.tracking import code_of_token
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


def incident_find_by_token(token: str) -> Incident | None:
    """The case a genuine tracking link names; None for a forged one."""
    code = code_of_token(token or "")
    if code is None:
        return None
    return (
        Incident.objects.select_related("category")
        .defer("location", "reporter_phone_encrypted")
        .filter(code=code)
        .first()
    )


@transaction.atomic
def incident_evaluate_by_token(
    *, incident: Incident, token: str, satisfaction: str, comment: str = ""
) -> Incident:
    """The rating of whoever holds the tracking link sent to the reporter's phone."""
    return evaluate_step(
        incident,
        actor=None,
        check=lambda _actor, locked: code_of_token(token or "") == locked.code,
        satisfaction=satisfaction,
        comment=(comment or "").strip(),
    )


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


@dataclass
class _Offices:
    """The office each acting account stands for: a department's name, a grid's members,
    or the centre of the region it works for; never the person's name."""

    departments: dict[int, str] = field(default_factory=dict)
    roles: dict[int, set[str]] = field(default_factory=dict)
    regions: dict[int, str] = field(default_factory=dict)

    @classmethod
    def of(cls, events: Sequence[Row]) -> "_Offices":
        actors = {event["actor"] for event in events if event["actor"]}
        offices = cls()
        if not actors:
            return offices
        offices.departments = dict(
            Department.objects.filter(handlers__user__in=actors).values_list(
                "handlers__user", "name"
            )
        )
        for user_id, role in Group.objects.filter(user__in=actors).values_list("user", "name"):
            offices.roles.setdefault(user_id, set()).add(role)
        offices.regions = {
            event["actor"]: event["actor__jurisdiction__name"]
            for event in events
            if event["actor"] and event["actor__jurisdiction__name"]
        }
        return offices

    def name(self, actor: int | None, level: int | None, grid_name: str) -> str:
        if actor is None:
            return _office_of_level(level)
        if actor in self.departments:
            return self.departments[actor]
        roles = self.roles.get(actor, set())
        if roles & GRID_ROLES:
            return _("Grid member of %(grid)s") % {"grid": grid_name}
        region = self.regions.get(actor, "")
        if Role.VILLAGE_STAFF in roles and region:
            return _("%(region)s village (community) committee") % {"region": region}
        if region:
            return _("%(region)s social governance centre") % {"region": region}
        return _office_of_level(level)


def _describe(incident: Incident, event: Row, by: str) -> tuple[str, str]:
    action, level = event["action"], event["to_level"]
    level_label = Level(level).label if level else ""
    descriptions = {
        Action.REPORT: (_("Your request was received"), ""),
        Action.ACCEPT: (_("Accepted"), by),
        Action.REJECT: (_("Not accepted"), by),
        Action.DISPATCH: (_("Passed on for handling"), by),
        Action.START: (_("Handling started"), by),
        Action.HANDLE: (_("Reported as done; waiting for a check on the spot"), by),
        Action.VERIFY: (_("Checked on the spot and closed"), by),
        Action.REWORK: (_("Sent back for more work after the check"), by),
        Action.EVALUATE: (_("You rated the result"), ""),
        Action.MERGE: (_("Handled together with an earlier report of the same problem"), by),
        Action.ESCALATE: (
            _("Referred to a higher level: %(level)s") % {"level": level_label},
            by,
        ),
        Action.AUTO_ESCALATE: (
            _("Referred to a higher level: %(level)s") % {"level": level_label},
            "",
        ),
        Action.AUTO_DISPATCH: (_("Passed on for handling"), _office_of_level(level)),
        Action.RETURN: (_("Passed back to be sent to the right office"), by),
        Action.EXTEND_APPROVE: (_("More time was granted for handling"), ""),
        Action.SUSPEND: (
            _("On hold: it waits on something outside the town's hands for now"),
            by,
        ),
        Action.RESUME: (_("Handling resumed"), ""),
        Action.REOPEN: (_("Reopened"), by),
    }
    return descriptions.get(action, ("", ""))


def incident_public_timeline(incident: Incident) -> list[TimelineStep]:
    """The case's steps in plain words, oldest first, each with the office that took it:
    three queries, no notes, no person's name."""
    events = list(
        IncidentEvent.objects.filter(incident=incident)
        .exclude(action__in=HIDDEN_ACTIONS)
        .order_by("created_at", "id")
        .values("action", "to_level", "created_at", "actor", "actor__jurisdiction__name")
    )
    offices = _Offices.of(events)
    grid_name = incident.grid.name
    steps = []
    for event in events:
        by = offices.name(event["actor"], event["to_level"], grid_name)
        title, by = _describe(incident, event, by)
        if title:
            steps.append(TimelineStep(when=event["created_at"], title=title, by=by))
    return steps


@dataclass(frozen=True)
class PublicResult:
    """What was done, as the handler reported it, and the photos taken after handling."""

    note: str
    photos: list[Attachment]


RESULT_STATUSES = frozenset(
    {Incident.Status.HANDLED, Incident.Status.CLOSED, Incident.Status.EVALUATED}
)


def incident_public_result(incident: Incident) -> PublicResult | None:
    """The handler's report and after-photos, once the case is reported done."""
    if incident.status not in RESULT_STATUSES:
        return None
    note = (
        IncidentEvent.objects.filter(incident=incident, action=Action.HANDLE)
        .order_by("-created_at", "-id")
        .values_list("note", flat=True)
        .first()
    )
    photos = list(
        Attachment.objects.filter(incident=incident, kind=Attachment.Kind.AFTER).only(
            "pk", "width", "height", "incident_id"
        )
    )
    return PublicResult(note=note or "", photos=photos)
