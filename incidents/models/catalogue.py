"""The catalogue a town keeps as data: kinds of case, their time limits, departments, and
the reasons a step may give."""

from django.contrib.auth.models import Group
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grids.models import Region


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    IMPORTANT = "important", _("Important")
    ORDINARY = "ordinary", _("Ordinary")


class TimeUnit(models.TextChoices):
    CLOCK_HOURS = "clock_hours", _("clock hours")
    WORKING_HOURS = "working_hours", _("working hours")
    WORKING_DAYS = "working_days", _("working days")


# The share of a stage's time after which its light turns yellow and a warning (催办) goes.
DEFAULT_WARNING_PERCENT = 80


def _warning_percent_field():
    return models.PositiveSmallIntegerField(
        _("warning at (percent of the time used)"),
        default=DEFAULT_WARNING_PERCENT,
        help_text=_("The light turns yellow and the handler is warned at this share."),
    )


class Level(models.IntegerChoices):
    """The rungs a case climbs; the numbers match grids.Region.Level, plus the grid."""

    PREFECTURE = 2, _("Prefecture city")
    COUNTY = 3, _("County-level city")
    TOWN = 4, _("Town")
    VILLAGE = 5, _("Village or community")
    GRID = 6, _("Grid")


def is_at_top(level: int, handling_region_parent_id: int | None) -> bool:
    """Whether a case at this rung can climb no further: a grid case can always climb to its
    village; above that, only to a parent region."""
    return level <= Level.VILLAGE and (
        level == Level.PREFECTURE or handling_region_parent_id is None
    )


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


class Publication(models.TextChoices):
    """What the public may learn of a case of a category (FixMyStreet's non-public
    categories, in three steps)."""

    PUBLIC = "public", _("Public: place, address and description")
    COARSE = "coarse", _("Coarse: an area, no address or description, a generic title")
    INTERNAL = "internal", _("Internal: never shown to the public")


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
    publication = models.CharField(
        _("publication"),
        max_length=16,
        choices=Publication.choices,
        default=Publication.PUBLIC,
        help_text=_(
            "What Open311, the duplicate suggestions and the tracking page show the public "
            "of its cases."
        ),
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
    warning_percent = _warning_percent_field()

    class Meta:
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        ordering = ["category", "urgency", "stage"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "urgency", "stage"], name="one_limit_per_stage"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="time_limit_positive"),
            models.CheckConstraint(
                condition=Q(warning_percent__gte=1, warning_percent__lte=99),
                name="time_limit_warning_percent",
            ),
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
    warning_percent = _warning_percent_field()

    class Meta:
        verbose_name = _("escalation limit")
        verbose_name_plural = _("escalation limits")
        ordering = ["-level", "urgency"]
        constraints = [
            models.UniqueConstraint(fields=["level", "urgency"], name="one_limit_per_level"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="escalation_limit_positive"),
            models.CheckConstraint(
                condition=Q(warning_percent__gte=1, warning_percent__lte=99),
                name="escalation_limit_warning_percent",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_level_display()} {self.get_urgency_display()}: "
            f"{self.amount} {self.get_unit_display()}"
        )


class ReasonCode(models.Model):
    """A reason a town gives for a step that needs one: data, edited in the admin."""

    class Kind(models.TextChoices):
        REJECT = "reject", _("Rejection at acceptance")
        REWORK = "rework", _("Rework at verification")
        RETURN = "return", _("Return to the dispatcher")
        EXTENSION = "extension", _("Extension of the deadline")
        SUSPENSION = "suspension", _("Suspension")
        REOPEN = "reopen", _("Reopening")
        SUPERVISION = "supervision", _("Supervision (督办)")

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
