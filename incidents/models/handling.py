"""Handling beyond the loop's steps: dispatch rules, followers of a case, deadline
extensions."""

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import Grid, Region
from incidents.models.case import Incident
from incidents.models.catalogue import Category, CategoryGroup, Department, Level, ReasonCode


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


class Supervision(models.Model):
    """督办: an official of the town, the county or the city takes a case under supervision,
    for a reason and by a deadline of its own. An overdue supervision climbs one level
    (town → county → city) like an overdue case climbs the ladder."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("case"), on_delete=models.CASCADE, related_name="supervisions"
    )
    level = models.PositiveSmallIntegerField(
        _("supervision level"),
        choices=[
            (Level.TOWN, _("Town")),
            (Level.COUNTY, _("County")),
            (Level.PREFECTURE, _("City")),
        ],
    )
    reason = models.ForeignKey(
        ReasonCode,
        verbose_name=_("reason"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    deadline = models.DateTimeField(_("supervision deadline"))
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervising official"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    escalation_count = models.PositiveSmallIntegerField(_("escalations"), default=0)
    created_at = models.DateTimeField(_("started at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("supervision")
        verbose_name_plural = _("supervisions")
        ordering = ["deadline", "pk"]
        indexes = [
            # The register and the sweep: running supervisions by deadline.
            models.Index(
                fields=["deadline"],
                name="supervision_running_idx",
                condition=Q(ended_at__isnull=True),
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["incident"],
                condition=Q(ended_at__isnull=True),
                name="one_running_supervision_per_case",
            ),
            models.CheckConstraint(
                condition=Q(level__gte=Level.PREFECTURE, level__lte=Level.TOWN),
                name="supervision_level_town_county_city",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.get_level_display()}"

    def is_overdue_at(self, now) -> bool:
        return self.ended_at is None and self.deadline < now


class AssistingUnit(models.Model):
    """协办: a department that assists the lead unit (主办, the case's assignee) on a case.
    It reports its part; the lead closes the handling stage once every part is in."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Part pending")
        REPORTED = "reported", _("Part reported")

    incident = models.ForeignKey(
        Incident, verbose_name=_("case"), on_delete=models.CASCADE, related_name="assisting_units"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("assisting department"),
        on_delete=models.PROTECT,
        related_name="assisted_incidents",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    note = models.TextField(_("report of its part"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    created_at = models.DateTimeField(_("assigned at"), default=timezone.now)

    class Meta:
        verbose_name = _("assisting unit")
        verbose_name_plural = _("assisting units")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "department"], name="one_assisting_part_per_department"
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.department}"


class ReturnArbitration(models.Model):
    """A unit's second return of the same case goes to the official one rung up, whose
    decision binds: upheld, the case goes back to dispatch; refused, the unit keeps it and
    may not return it again."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for arbitration")
        UPHELD = "upheld", _("Return upheld")
        REFUSED = "refused", _("Return refused: the unit keeps the case")

    incident = models.ForeignKey(
        Incident, verbose_name=_("case"), on_delete=models.CASCADE, related_name="arbitrations"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("returning department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    returning_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("returning person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.ForeignKey(
        ReasonCode, verbose_name=_("reason"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("explanation"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
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
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("return arbitration")
        verbose_name_plural = _("return arbitrations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident"],
                condition=Q(status="pending"),
                name="one_pending_arbitration_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.get_status_display()}"
