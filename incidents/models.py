import secrets

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from grids.models import Grid, Region
from incidents.querysets import IncidentQuerySet


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    IMPORTANT = "important", _("Important")
    ORDINARY = "ordinary", _("Ordinary")


class TimeUnit(models.TextChoices):
    CLOCK_HOURS = "clock_hours", _("clock hours")
    WORKING_HOURS = "working_hours", _("working hours")
    WORKING_DAYS = "working_days", _("working days")


class Level(models.IntegerChoices):
    """The rungs a case climbs; the numbers match grids.Region.Level, plus the grid."""

    PREFECTURE = 2, _("Prefecture city")
    COUNTY = 3, _("County-level city")
    TOWN = 4, _("Town")
    VILLAGE = 5, _("Village or community")
    GRID = 6, _("Grid")


class Department(models.Model):
    """A functional department (职能部门) of a town or city; its handlers are a group."""

    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="departments"
    )
    handlers = models.OneToOneField(
        Group, verbose_name=_("handlers"), on_delete=models.PROTECT, related_name="department"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["region__path", "code"]
        constraints = [
            models.UniqueConstraint(fields=["region", "code"], name="department_code_per_region")
        ]

    def __str__(self) -> str:
        return self.name


class CategoryGroup(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("category group")
        verbose_name_plural = _("category groups")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A kind of case (事件类别), with the time limits a town sets for it."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    group = models.ForeignKey(
        CategoryGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="categories"
    )
    default_department_code = models.SlugField(
        _("default department code"),
        max_length=40,
        blank=True,
        help_text=_("Code of the department that usually handles it in each town."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    duplicate_radius_m = models.PositiveIntegerField(
        _("duplicate search radius (m)"),
        null=True,
        blank=True,
        help_text=_("Empty: the platform default (setting DUPLICATE_RADIUS_METERS)."),
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["group__order", "order", "code"]

    def __str__(self) -> str:
        return self.name


class TimeLimit(models.Model):
    """How long a stage may take for a category and an urgency."""

    class Stage(models.TextChoices):
        ACCEPTANCE = "acceptance", _("Acceptance")
        HANDLING = "handling", _("Handling")
        VERIFICATION = "verification", _("Verification")

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="limits"
    )
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    amount = models.PositiveIntegerField(_("amount"))
    unit = models.CharField(_("unit"), max_length=16, choices=TimeUnit.choices)

    class Meta:
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        ordering = ["category", "urgency", "stage"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "urgency", "stage"], name="one_limit_per_stage"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="time_limit_positive"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.category} {self.get_urgency_display()} {self.get_stage_display()}: "
            f"{self.amount} {self.get_unit_display()}"
        )


class EscalationLimit(models.Model):
    """How long a level of the ladder gets before an overdue case climbs past it."""

    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices)
    amount = models.PositiveIntegerField(_("amount"))
    unit = models.CharField(_("unit"), max_length=16, choices=TimeUnit.choices)

    class Meta:
        verbose_name = _("escalation limit")
        verbose_name_plural = _("escalation limits")
        ordering = ["-level", "urgency"]
        constraints = [
            models.UniqueConstraint(fields=["level", "urgency"], name="one_limit_per_level"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="escalation_limit_positive"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_level_display()} {self.get_urgency_display()}: "
            f"{self.amount} {self.get_unit_display()}"
        )


class CalendarDay(models.Model):
    """An exception to Monday–Friday: a public holiday, or a weekend worked in exchange."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday")
        WORKDAY = "workday", _("Working day (swapped weekend)")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class CalendarYear(models.Model):
    """A year whose official schedule has been entered; other years fall back to Mon–Fri."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


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

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
        DISSATISFIED = "dissatisfied", _("Dissatisfied")

    # Dispatched → dispatched is an official's override of a dispatch (by hand or by a
    # rule); dispatched/in progress → accepted is a return to the dispatcher; closed,
    # evaluated or rejected → accepted is a reopening; suspended goes back to the status it
    # was suspended from (Incident.suspended_from).
    TRANSITIONS = {
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
    OPEN_STATUSES = frozenset(
        {Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS, Status.HANDLED}
    )
    # Closed: handled to the end and checked (rated or not); rejected and merged cases are
    # not "closed" in the figures.
    CLOSED_STATUSES = frozenset({Status.CLOSED, Status.EVALUATED})
    STAGE_OF_STATUS = {
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
            models.Index(fields=["status", "deadline"], name="incident_status_deadline_idx"),
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
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "breached_deadline"],
                condition=Q(action__in=["auto_escalate", "stall"]),
                name="one_escalation_per_breach",
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


class ReasonCode(models.Model):
    """A reason a town gives for a step that needs one: data, edited in the admin."""

    class Kind(models.TextChoices):
        REJECT = "reject", _("Rejection at acceptance")
        REWORK = "rework", _("Rework at verification")
        RETURN = "return", _("Return to the dispatcher")
        EXTENSION = "extension", _("Extension of the deadline")
        SUSPENSION = "suspension", _("Suspension")
        REOPEN = "reopen", _("Reopening")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reason code")
        verbose_name_plural = _("reason codes")
        ordering = ["kind", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="reason_code_per_kind")
        ]

    def __str__(self) -> str:
        return self.name


class DispatchRule(models.Model):
    """Where accepted cases of a category (or group), optionally in a village or grid, go.

    Rules are tried in ascending ``priority``; among equal priorities the more specific
    (grid, then village; category, then group) wins. Deactivate a rule rather than delete
    it: events keep a link to the rule that dispatched them.
    """

    town = models.ForeignKey(
        Region, verbose_name=_("town"), on_delete=models.PROTECT, related_name="dispatch_rules"
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("Lower numbers are tried first.")
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, null=True, blank=True
    )
    category_group = models.ForeignKey(
        CategoryGroup,
        verbose_name=_("category group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    village = models.ForeignKey(
        Region,
        verbose_name=_("only in the village"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("only in the grid"), on_delete=models.PROTECT, null=True, blank=True
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("to the department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("or to the person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Village or community staff, or a grid member."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("dispatch rule")
        verbose_name_plural = _("dispatch rules")
        ordering = ["town", "priority", "pk"]
        indexes = [models.Index(fields=["town", "priority"], name="dispatch_rule_town_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__isnull=True) ^ Q(category_group__isnull=True),
                name="dispatch_rule_one_category_or_group",
            ),
            models.CheckConstraint(
                condition=Q(department__isnull=True) ^ Q(user__isnull=True),
                name="dispatch_rule_one_target",
            ),
        ]

    def __str__(self) -> str:
        what = self.category or self.category_group
        target = self.department or self.user
        return f"{self.priority}: {what} → {target}"

    def clean(self):
        """The village, grid and department must belong to the rule's town."""
        errors = {}
        town_path = self.town.path if self.town_id else ""
        if self.village_id and not self.village.path.startswith(town_path):
            errors["village"] = _("Choose a village of the rule's town.")
        if self.grid_id and not self.grid.village.path.startswith(town_path):
            errors["grid"] = _("Choose a grid of the rule's town.")
        if self.grid_id and self.village_id and self.grid.village_id != self.village_id:
            errors["grid"] = _("The grid is not in the chosen village.")
        if self.department_id and not town_path.startswith(self.department.region.path):
            errors["department"] = _("This department does not serve the rule's town.")
        if errors:
            raise ValidationError(errors)


class IncidentFollower(models.Model):
    """A reporter who joined an existing case instead of filing a new one.

    An account is notified like the first reporter; a resident without an account follows
    it by its code and the phone given when joining, like the first reporter too.
    """

    incident = models.ForeignKey(
        Incident, verbose_name=_("case"), on_delete=models.CASCADE, related_name="followers"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="followed_incidents",
    )
    name = models.CharField(_("name"), max_length=50, blank=True)
    phone_encrypted = models.TextField(editable=False, blank=True)
    phone_hash = models.CharField(max_length=64, editable=False, blank=True)
    phone_masked = models.CharField(_("phone"), max_length=20, editable=False, blank=True)
    joined_from = models.ForeignKey(
        Incident,
        verbose_name=_("through the merged case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "user"],
                condition=Q(user__isnull=False),
                name="one_follow_per_account",
            ),
            models.UniqueConstraint(
                fields=["incident", "phone_hash"],
                condition=~Q(phone_hash=""),
                name="one_follow_per_phone",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(phone_hash=""),
                name="follower_has_account_or_phone",
            ),
        ]
        indexes = [models.Index(fields=["phone_hash"], name="follower_phone_idx")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.user or self.phone_masked}"


class DeadlineExtension(models.Model):
    """A handler's request for more time (延期), and the decision one rung up."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    incident = models.ForeignKey(
        Incident, verbose_name=_("case"), on_delete=models.CASCADE, related_name="extensions"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.ForeignKey(
        ReasonCode, verbose_name=_("reason"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("explanation"))
    previous_deadline = models.DateTimeField(_("deadline before"), null=True, blank=True)
    requested_deadline = models.DateTimeField(_("new deadline asked for"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_note = models.TextField(_("decision note"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident"],
                condition=Q(status="pending"),
                name="one_pending_extension_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.get_status_display()}"


class CategoryAttribute(models.Model):
    """An extra question a category asks of a report (Open311 service attribute)."""

    class Datatype(models.TextChoices):
        STRING = "string", _("Short text")
        NUMBER = "number", _("Number")
        DATETIME = "datetime", _("Date and time")
        TEXT = "text", _("Long text")
        SINGLE = "singlevaluelist", _("One choice from a list")
        MULTI = "multivaluelist", _("Several choices from a list")

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="attributes"
    )
    code = models.SlugField(_("code"), max_length=40)
    description = models.CharField(_("question"), max_length=200)
    datatype = models.CharField(_("kind of answer"), max_length=16, choices=Datatype.choices)
    required = models.BooleanField(_("required"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    values = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_('For lists: [{"key": "...", "name": "..."}, ...].'),
    )

    class Meta:
        verbose_name = _("category attribute")
        verbose_name_plural = _("category attributes")
        ordering = ["category", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "code"], name="attribute_code_per_category"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category} · {self.description}"

    @property
    def choices(self) -> dict[str, str]:
        return {
            str(item.get("key")): str(item.get("name", item.get("key")))
            for item in self.values or []
            if isinstance(item, dict) and "key" in item
        }


def _new_client_key() -> str:
    return secrets.token_urlsafe(30)


class Open311Client(models.Model):
    """A client system (a 311 app, the hotline's system) allowed to post Open311 requests."""

    name = models.CharField(_("name"), max_length=100)
    key = models.CharField(
        _("API key"), max_length=64, unique=True, default=_new_client_key, editable=False
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
