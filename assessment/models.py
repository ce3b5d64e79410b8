"""A county's assessment scheme (versioned, never edited in place) and its monthly bulletins
(frozen: the numbers are stored, not recomputed)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from grids.models import Region
from incidents.models import Department


class Indicator(models.TextChoices):
    """The indicators a scheme weighs (README.md, "Monthly assessment", has each formula)."""

    RESPONSE = "response", _("Response rate (响应率)")
    RESOLUTION = "resolution", _("Resolution rate (解决率)")
    SATISFACTION = "satisfaction", _("Satisfaction rate (满意率)")
    ON_TIME = "on_time", _("On-time closure rate (按期结案率)")


# 接诉即办 ranks on the three rates; on-time closure is the platform's own outcome measure.
DEFAULT_WEIGHTS = {
    Indicator.RESPONSE: 10,
    Indicator.RESOLUTION: 35,
    Indicator.SATISFACTION: 35,
    Indicator.ON_TIME: 20,
}
# Accepting a report is the town's step, not a department's: departments are scored on
# the other indicators.
DEPARTMENT_INDICATORS = (Indicator.RESOLUTION, Indicator.SATISFACTION, Indicator.ON_TIME)


class AssessmentScheme(models.Model):
    """One version of a county's scheme. A change makes the next version; a bulletin keeps
    the version it was scored with."""

    county = models.ForeignKey(
        Region, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(_("version"))
    min_sample = models.PositiveSmallIntegerField(
        _("minimum sample"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_("An indicator with fewer cases than this is not scored for that unit."),
    )
    bottom_count = models.PositiveSmallIntegerField(
        _("units named at the bottom"),
        default=3,
        validators=[MinValueValidator(0), MaxValueValidator(20)],
    )
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("assessment scheme")
        verbose_name_plural = _("assessment schemes")
        ordering = ["county", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "version"], name="one_assessment_scheme_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.county} v{self.version}"


class SchemeIndicator(models.Model):
    """An indicator's weight and its scoring line: 0 points at ``floor`` or below, 100 at
    ``target`` or above, linear between."""

    scheme = models.ForeignKey(
        AssessmentScheme,
        verbose_name=_("scheme"),
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    indicator = models.CharField(_("indicator"), max_length=16, choices=Indicator.choices)
    weight = models.PositiveSmallIntegerField(_("weight"), validators=[MaxValueValidator(100)])
    floor = models.DecimalField(
        _("rate scoring 0"), max_digits=5, decimal_places=4, default=Decimal("0")
    )
    target = models.DecimalField(
        _("rate scoring 100"), max_digits=5, decimal_places=4, default=Decimal("1")
    )

    class Meta:
        verbose_name = _("scheme indicator")
        verbose_name_plural = _("scheme indicators")
        ordering = ["scheme", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "indicator"], name="one_weight_per_indicator"
            ),
            models.CheckConstraint(
                condition=Q(floor__gte=0, target__lte=1, floor__lt=F("target")),
                name="indicator_scoring_line",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_indicator_display()} × {self.weight}"


class Bulletin(models.Model):
    """A county's closed month: the ranking as it stood at the month's end, stored."""

    county = models.ForeignKey(
        Region, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    scheme = models.ForeignKey(
        AssessmentScheme,
        verbose_name=_("scheme version"),
        on_delete=models.PROTECT,
        related_name="bulletins",
    )
    closed_at = models.DateTimeField(_("closed at"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("assessment bulletin")
        verbose_name_plural = _("assessment bulletins")
        ordering = ["county", "-month"]
        constraints = [
            # Two closings at once (two workers, two officials): one wins, the other fails.
            models.UniqueConstraint(fields=["county", "month"], name="one_bulletin_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="bulletin_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.county} {self.month:%Y-%m}"


class BulletinEntry(models.Model):
    """One town's or department's line of a bulletin: its score, rank and parts."""

    class Kind(models.TextChoices):
        TOWN = "town", _("Town")
        DEPARTMENT = "department", _("Department")

    bulletin = models.ForeignKey(
        Bulletin, verbose_name=_("bulletin"), on_delete=models.CASCADE, related_name="entries"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    town = models.ForeignKey(
        Region,
        verbose_name=_("town"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The name as it was published: a later renaming does not change the bulletin.
    name = models.CharField(_("name"), max_length=100)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    is_bottom = models.BooleanField(_("named at the bottom"), default=False)
    # Per indicator: weight, numerator, denominator, rate, points, scored (README.md).
    parts = models.JSONField(_("parts"), default=list)

    class Meta:
        verbose_name = _("bulletin line")
        verbose_name_plural = _("bulletin lines")
        ordering = ["bulletin", "kind", "rank", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="town", town__isnull=False, department__isnull=True))
                | Q(kind="department", department__isnull=False, town__isnull=True),
                name="bulletin_entry_names_its_unit",
            ),
            models.UniqueConstraint(
                fields=["bulletin", "town"],
                condition=Q(town__isnull=False),
                name="one_entry_per_town",
            ),
            models.UniqueConstraint(
                fields=["bulletin", "department"],
                condition=Q(department__isnull=False),
                name="one_entry_per_department",
            ),
        ]

    def __str__(self) -> str:
        return self.name
