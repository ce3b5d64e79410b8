"""A case, its history, its number and its photos: the loop's own records."""

import datetime

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from grids.models import Grid, Region
from incidents.models.catalogue import (
    DEFAULT_WARNING_PERCENT,
    Category,
    Department,
    Level,
    TimeLimit,
    Urgency,
)
from incidents.querysets import IncidentQuerySet

# Where a case without a deadline (closed, suspended) sorts in the queue: after every other.
NO_DEADLINE = datetime.datetime(9999, 12, 31, tzinfo=datetime.UTC)


class Incident(models.Model):
    """A case (事件): one reported problem on its way round the closed loop."""

    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        DISPATCHED = "dispatched", _("Dispatched")
        IN_PROGRESS = "in_progress", _("In progress")
        HANDLED = "handled", _("Handled, awaiting verification")
        CLOSED = "closed", _("Closed")
        EVALUATED = "evaluated", _("Evaluated")
        MERGED = "merged", _("Merged into another case")
        SUSPENDED = "suspended", _("Suspended (on hold)")

    class Source(models.TextChoices):
        PATROL = "patrol", _("Grid patrol")
        RESIDENT = "resident", _("Resident")
        HOTLINE = "hotline", _("Hotline (12345)")
        DEPARTMENT = "department", _("Department")
        OPEN311 = "open311", _("Open311 client")

    class ClockSource(models.TextChoices):
        STAGE = "stage", _("Stage limit")
        ESCALATION = "escalation", _("Escalation limit")
        EXTENSION = "extension", _("Approved extension")

    class Light(models.TextChoices):
        GREEN = "green", _("On time")
        YELLOW = "yellow", _("Deadline near")
        RED = "red", _("Overdue")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
        DISSATISFIED = "dissatisfied", _("Dissatisfied")

    # Dispatched → dispatched is an official's override of a dispatch (by hand or by a
    # rule); dispatched/in progress → accepted is a return to the dispatcher; closed,
    # evaluated or rejected → accepted is a reopening; suspended goes back to the status it
    # was suspended from (Incident.suspended_from).
    TRANSITIONS: dict[str, set[str]] = {
        Status.REPORTED: {Status.ACCEPTED, Status.REJECTED, Status.MERGED},
        Status.ACCEPTED: {Status.DISPATCHED, Status.MERGED, Status.SUSPENDED},
        Status.DISPATCHED: {
            Status.DISPATCHED,
            Status.IN_PROGRESS,
            Status.ACCEPTED,
            Status.MERGED,
            Status.SUSPENDED,
        },
        Status.IN_PROGRESS: {Status.HANDLED, Status.ACCEPTED, Status.MERGED, Status.SUSPENDED},
        Status.HANDLED: {Status.CLOSED, Status.IN_PROGRESS},
        Status.CLOSED: {Status.EVALUATED, Status.ACCEPTED},
        Status.REJECTED: {Status.ACCEPTED},
        Status.EVALUATED: {Status.ACCEPTED},
        Status.MERGED: set(),
        Status.SUSPENDED: {
            Status.ACCEPTED,
            Status.DISPATCHED,
            Status.IN_PROGRESS,
            Status.MERGED,
        },
    }
    # Open: the loop still runs, with a deadline (the escalation sweep's partial index in
    # Meta lists them again: tests/incidents/test_open_statuses.py holds the two together).
    # The public doors: the residents' web form and Open311 clients (apps, other systems).
    PUBLIC_SOURCES = frozenset({Source.RESIDENT, Source.OPEN311})
    NO_DEADLINE = NO_DEADLINE
    OPEN_STATUSES = frozenset(
        {Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS, Status.HANDLED}
    )
    # Closed: handled to the end and checked (rated or not); rejected and merged cases are
    # not "closed" in the figures.
    CLOSED_STATUSES = frozenset({Status.CLOSED, Status.EVALUATED})
    # Where the steps off the happy path may start: a return or an extension from the
    # handler's hands, a suspension before handling ends, a reopening once it ended.
    HANDLING_STATUSES = frozenset({Status.DISPATCHED, Status.IN_PROGRESS})
    SUSPENDABLE_STATUSES = frozenset({Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS})
    REOPENABLE_STATUSES = frozenset({Status.CLOSED, Status.EVALUATED, Status.REJECTED})
    STAGE_OF_STATUS: dict[str, str] = {
        Status.REPORTED: TimeLimit.Stage.ACCEPTANCE,
        Status.ACCEPTED: TimeLimit.Stage.HANDLING,
        Status.DISPATCHED: TimeLimit.Stage.HANDLING,
        Status.IN_PROGRESS: TimeLimit.Stage.HANDLING,
        Status.HANDLED: TimeLimit.Stage.VERIFICATION,
    }

    code = models.CharField(_("case number"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"))
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="incidents"
    )
    urgency = models.CharField(
        _("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.ORDINARY
    )
    location = models.PointField(_("location"), srid=4326, null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # No single-column index on town, grid and handling region: the composite indexes of
    # Meta start with them. Every index is written again when the sweep moves a case.
    town = models.ForeignKey(
        Region,
        verbose_name=_("town"),
        on_delete=models.PROTECT,
        related_name="town_incidents",
        db_index=False,
    )
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="incidents",
        db_index=False,
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_incidents",
    )
    # The patrol a grid member found it on: its findings stay with the patrol.
    patrol = models.ForeignKey(
        "members.PatrolLog",
        verbose_name=_("patrol"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incidents",
    )
    reporter_name = models.CharField(_("reporter's name"), max_length=50, blank=True)
    reporter_phone_encrypted = models.TextField(editable=False, blank=True)
    reporter_phone_hash = models.CharField(max_length=64, editable=False, blank=True)
    reporter_phone_masked = models.CharField(
        _("reporter's phone"), max_length=20, editable=False, blank=True
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    handling_region = models.ForeignKey(
        Region,
        verbose_name=_("handling region"),
        on_delete=models.PROTECT,
        related_name="handled_incidents",
        db_index=False,
    )
    assignee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_incidents",
    )
    assignee_department = models.ForeignKey(
        Department,
        verbose_name=_("assigned department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.REPORTED
    )
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    # The stage's clock (incidents.services.deadlines.Clock): the deadline is
    # ``stage_minutes_remaining`` minutes (working or clock time) after ``clock_from``; while
    # the case is suspended, ``clock_from`` is when the pause began.
    clock_from = models.DateTimeField(_("clock counted from"), null=True, blank=True)
    clock_working = models.BooleanField(_("clock counts working time"), default=True)
    clock_source = models.CharField(
        _("deadline from"), max_length=16, choices=ClockSource.choices, blank=True
    )
    stage_minutes_used = models.PositiveIntegerField(_("minutes of the stage used"), default=0)
    stage_minutes_paused = models.PositiveIntegerField(
        _("minutes of the stage on hold"), default=0
    )
    stage_minutes_remaining = models.PositiveIntegerField(
        _("minutes of the stage left"), null=True, blank=True
    )
    warning_percent = models.PositiveSmallIntegerField(
        _("warning at (percent of the time used)"), default=DEFAULT_WARNING_PERCENT
    )
    # The light turns yellow here; the warning sweep sends one warning while is_warning_due.
    yellow_at = models.DateTimeField(_("deadline near from"), null=True, blank=True)
    is_warning_due = models.BooleanField(_("warning to send"), default=False)
    is_supervised = models.BooleanField(_("supervised"), default=False)
    is_stalled_at_top = models.BooleanField(_("overdue at the top of the ladder"), default=False)
    escalation_count = models.PositiveSmallIntegerField(_("escalations"), default=0)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        db_index=False,  # a partial index in Meta: few cases are merged
    )
    satisfaction = models.CharField(
        _("satisfaction"), max_length=24, choices=Satisfaction.choices, blank=True
    )
    evaluation_comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("reported at"), default=timezone.now, db_index=True)
    # Unique where given (a partial constraint in Meta: cases filed without a key cost the
    # index nothing).
    client_key = models.UUIDField(
        _("client key"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Generated by the reporting device so that a resent report is filed once."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    suspended_from = models.CharField(
        _("status before the suspension"),
        max_length=16,
        choices=Status.choices,
        blank=True,
        editable=False,
    )
    review_on = models.DateField(_("review date"), null=True, blank=True)
    is_anonymised = models.BooleanField(
        _("anonymised"),
        default=False,
        editable=False,
        help_text=_("Its words and exact place were removed when their retention ended."),
    )
    dispatch_rule = models.ForeignKey(
        "DispatchRule",
        verbose_name=_("dispatched by rule"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when an official dispatched the case by hand."),
        db_index=False,  # a partial index in Meta
    )

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at"]
        permissions = [("handle_incident", _("Can handle the case"))]
        indexes = [
            # The escalation sweep: open cases by deadline. The statuses are OPEN_STATUSES,
            # written out (a class attribute is out of Meta's reach); a test compares them.
            models.Index(
                fields=["deadline"],
                name="incident_open_deadline_idx",
                condition=Q(
                    status__in=["reported", "accepted", "dispatched", "in_progress", "handled"],
                    is_stalled_at_top=False,
                ),
            ),
            # The warning sweep: open cases whose warning is still to send, by yellow_at.
            models.Index(
                fields=["yellow_at"],
                name="incident_warning_due_idx",
                condition=Q(
                    status__in=["reported", "accepted", "dispatched", "in_progress", "handled"],
                    is_warning_due=True,
                ),
            ),
            models.Index(fields=["status", "deadline"], name="incident_status_deadline_idx"),
            # The dashboard's member workload: each member's open cases, in one index scan
            # (a partial index of the open cases would still be AND-ed with the status one).
            models.Index(fields=["assignee_user", "status"], name="incident_assignee_status_idx"),
            models.Index(fields=["town", "-created_at"], name="incident_town_created_idx"),
            models.Index(fields=["grid", "status"], name="incident_grid_status_idx"),
            models.Index(fields=["handling_region", "status"], name="incident_region_status_idx"),
            # Suspended cases whose review date has come (the resume sweep).
            models.Index(
                fields=["review_on"],
                name="incident_suspended_review_idx",
                condition=Q(status="suspended"),
            ),
            # "Closed in the period" on the dashboard.
            models.Index(
                fields=["closed_at"],
                name="incident_closed_at_idx",
                condition=Q(closed_at__isnull=False),
            ),
            models.Index(
                fields=["duplicate_of"],
                name="incident_duplicate_of_idx",
                condition=Q(duplicate_of__isnull=False),
            ),
            models.Index(
                fields=["dispatch_rule"],
                name="incident_dispatch_rule_idx",
                condition=Q(dispatch_rule__isnull=False),
            ),
            # The queue's keyset orderings (incidents.selectors.QUEUE_ORDERINGS), key for
            # key, so a page is an index range read however deep: "due" over every case
            # and over the open ones (the "open" filter; OPEN_STATUSES written out), and
            # "newest".
            models.Index(
                F("is_supervised").desc(),
                Coalesce(F("deadline"), Value(NO_DEADLINE)).asc(),
                F("created_at").desc(),
                F("id").desc(),
                name="incident_queue_due_idx",
            ),
            models.Index(
                F("is_supervised").desc(),
                Coalesce(F("deadline"), Value(NO_DEADLINE)).asc(),
                F("created_at").desc(),
                F("id").desc(),
                name="incident_queue_open_due_idx",
                condition=Q(
                    status__in=["reported", "accepted", "dispatched", "in_progress", "handled"]
                ),
            ),
            models.Index(F("created_at").desc(), F("id").desc(), name="incident_queue_newest_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=Level.PREFECTURE, level__lte=Level.GRID),
                name="incident_level_on_ladder",
            ),
            models.CheckConstraint(
                condition=Q(duplicate_of__isnull=True) | ~Q(duplicate_of=F("pk")),
                name="incident_not_duplicate_of_itself",
            ),
            models.CheckConstraint(
                condition=~Q(status="merged") | Q(duplicate_of__isnull=False),
                name="merged_incident_names_survivor",
            ),
            models.UniqueConstraint(
                fields=["client_key"],
                condition=Q(client_key__isnull=False),
                name="incident_client_key_unique",
            ),
            models.CheckConstraint(
                condition=~Q(status="suspended")
                | (Q(review_on__isnull=False) & ~Q(suspended_from="")),
                name="suspended_incident_has_review_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def stage(self) -> str | None:
        return self.STAGE_OF_STATUS.get(self.status)

    def light_at(self, now) -> str | None:
        """Green, yellow or red by the share of the stage's time used (None: no clock)."""
        if not self.is_open or self.deadline is None:
            return None
        if self.deadline < now:
            return self.Light.RED
        if self.yellow_at is not None and self.yellow_at <= now:
            return self.Light.YELLOW
        return self.Light.GREEN


class IncidentEvent(models.Model):
    """Append-only history of a case: one row per step, written by the step's service."""

    class Action(models.TextChoices):
        REPORT = "report", _("Reported")
        ACCEPT = "accept", _("Accepted")
        REJECT = "reject", _("Rejected")
        DISPATCH = "dispatch", _("Dispatched")
        START = "start", _("Handling started")
        HANDLE = "handle", _("Reported as handled")
        VERIFY = "verify", _("Verified and closed")
        REWORK = "rework", _("Sent back for rework")
        EVALUATE = "evaluate", _("Evaluated")
        MERGE = "merge", _("Merged as a duplicate")
        ESCALATE = "escalate", _("Escalated by hand")
        AUTO_ESCALATE = "auto_escalate", _("Escalated: overdue")
        STALL = "stall", _("Overdue at the top of the ladder")
        SUPERVISE = "supervise", _("Supervision started")
        UNSUPERVISE = "unsupervise", _("Supervision ended")
        AUTO_DISPATCH = "auto_dispatch", _("Dispatched by a rule")
        RETURN = "return", _("Returned to the dispatcher")
        EXTEND_REQUEST = "extend_request", _("Extension requested")
        EXTEND_APPROVE = "extend_approve", _("Extension approved")
        EXTEND_REFUSE = "extend_refuse", _("Extension refused")
        SUSPEND = "suspend", _("Suspended")
        RESUME = "resume", _("Back from suspension")
        REOPEN = "reopen", _("Reopened")
        FOLLOW = "follow", _("Joined by another reporter")
        WARN = "warn", _("Warned: deadline near")
        RECALCULATE = "recalculate", _("Deadline recalculated")
        SUPERVISE_UP = "supervise_up", _("Supervision overdue: raised a level")
        ASSIST_REPORT = "assist_report", _("Assisting unit reported its part")
        ARBITRATE_ASK = "arbitrate_ask", _("Second return: sent to arbitration")
        ARBITRATE = "arbitrate", _("Arbitration decided")

    incident = models.ForeignKey(
        Incident, verbose_name=_("case"), on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    from_status = models.CharField(
        _("status before"), max_length=16, choices=Incident.Status.choices, blank=True
    )
    to_status = models.CharField(
        _("status after"), max_length=16, choices=Incident.Status.choices, blank=True
    )
    from_level = models.PositiveSmallIntegerField(
        _("level before"), choices=Level.choices, null=True, blank=True
    )
    to_level = models.PositiveSmallIntegerField(
        _("level after"), choices=Level.choices, null=True, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    reason = models.ForeignKey(
        "ReasonCode",
        verbose_name=_("reason"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
    )
    # Dispatch: the department it went to; return: the department that sent it back.
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Automatic dispatch: its rule; return: the rule that had dispatched the returned case.
    dispatch_rule = models.ForeignKey(
        "DispatchRule",
        verbose_name=_("dispatch rule"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The deadline an automatic escalation answered: with the constraint below, one
    # breach can be escalated once and only once, whatever the number of sweepers.
    breached_deadline = models.DateTimeField(_("breached deadline"), null=True, blank=True)
    # A recalculation: the deadline before and after.
    deadline_before = models.DateTimeField(_("deadline before"), null=True, blank=True)
    deadline_after = models.DateTimeField(_("deadline after"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["created_at", "id"]
        indexes = [
            # The rework rate of the dashboard.
            models.Index(
                fields=["incident"], name="event_rework_idx", condition=Q(action="rework")
            ),
            # The dashboard's KPIs: events of some actions in a period.
            models.Index(fields=["action", "created_at"], name="event_action_created_idx"),
            # The facts' refresh: the events since its watermark, and a day's events.
            models.Index(fields=["created_at"], name="event_created_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "breached_deadline"],
                condition=Q(action__in=["auto_escalate", "stall"]),
                name="one_escalation_per_breach",
            ),
            # One raise per overdue supervision deadline.
            models.UniqueConstraint(
                fields=["incident", "breached_deadline"],
                condition=Q(action="supervise_up"),
                name="one_supervision_raise_per_breach",
            ),
            # One warning per deadline (the warned deadline is kept in breached_deadline).
            models.UniqueConstraint(
                fields=["incident", "breached_deadline"],
                condition=Q(action="warn"),
                name="one_warning_per_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.get_action_display()}"


class IncidentSequence(models.Model):
    """The last case number given in a town and year."""

    town = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["town", "year"], name="one_sequence_per_town_year")
        ]


class Attachment(models.Model):
    """A photo of a case, re-encoded on upload so that no location metadata survives."""

    class Kind(models.TextChoices):
        REPORT = "report", _("At report")
        BEFORE = "before", _("Before handling")
        AFTER = "after", _("After handling")

    incident = models.ForeignKey(
        Incident, verbose_name=_("case"), on_delete=models.CASCADE, related_name="attachments"
    )
    event = models.ForeignKey(
        IncidentEvent,
        verbose_name=_("step"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    image = models.ImageField(_("photo"), upload_to="incidents/%Y/%m/")
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.image.name


class IncidentUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Incident, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("case permission of a user")
        verbose_name_plural = _("case permissions of users")


class IncidentGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Incident, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("case permission of a group")
        verbose_name_plural = _("case permissions of groups")
