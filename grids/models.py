from django.contrib.gis.db import models
from django.core.validators import RegexValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from grids.querysets import GridQuerySet, RegionQuerySet
from grids.validation import validate_grid

division_code_validator = RegexValidator(
    r"^\d{6}(\d{3}(\d{3})?)?$",
    _("A division code has 6, 9 or 12 digits."),
)
grid_code_validator = RegexValidator(
    r"^\d{12}\d{3}$", _("A grid code is the 12-digit village code and a 3-digit number.")
)


def covering_paths(path: str) -> list[str]:
    """The paths of the region at ``path`` and of every region above it:
    "331000/331081/331081112/" → "331000/", "331000/331081/", "331000/331081/331081112/"."""
    return [path[: index + 1] for index, char in enumerate(path) if char == "/"]


class Region(models.Model):
    """A node of the administrative ladder (行政区域)."""

    class Level(models.IntegerChoices):
        # Numbers grow down the ladder; a grid is the rung below a village.
        PREFECTURE = 2, _("Prefecture city")
        COUNTY = 3, _("County-level city")
        TOWN = 4, _("Town")
        VILLAGE = 5, _("Village or community")

    code = models.CharField(
        _("division code"), max_length=12, unique=True, validators=[division_code_validator]
    )
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    # Materialised path of division codes ("331000/331081/331081112/"): a subtree is one
    # prefix match on an indexed column. Written only by grids.services.region_save.
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False)
    boundary = models.MultiPolygonField(_("boundary"), srid=4326, null=True, blank=True)
    # A town's own daily patrol norm; empty: the platform's PATROL_DAILY_NORM_MINUTES.
    patrol_norm_minutes = models.PositiveSmallIntegerField(
        _("daily patrol norm (minutes)"),
        null=True,
        blank=True,
        help_text=_(
            "Minutes of patrol a grid member should log each day in this town; empty: the "
            "platform's default."
        ),
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path"]
        indexes = [
            # varchar_pattern_ops lets PostgreSQL use the index for LIKE 'prefix%'
            # whatever the database collation (other backends ignore opclasses).
            models.Index(
                fields=["path"], name="region_path_prefix_idx", opclasses=["varchar_pattern_ops"]
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=models.F("pk")),
                name="region_not_own_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/")


class Grid(models.Model):
    """A grid (网格): the smallest unit that members walk and answer for."""

    class Kind(models.TextChoices):
        RESIDENTIAL = "residential", _("Residential (urban community)")
        RURAL = "rural", _("Rural (natural village)")
        SPECIAL = "special", _("Special (school, park, market)")

    code = models.CharField(
        _("grid code"), max_length=15, unique=True, validators=[grid_code_validator]
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    village = models.ForeignKey(
        Region,
        verbose_name=_("village or community"),
        on_delete=models.PROTECT,
        related_name="grids",
        limit_choices_to={"level": Region.Level.VILLAGE},
    )
    boundary = models.MultiPolygonField(_("boundary"), srid=4326)
    households = models.PositiveIntegerField(_("households"), default=0)
    population = models.PositiveIntegerField(_("population"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = GridQuerySet.as_manager()

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["code"]
        permissions = [
            ("patrol_grid", _("Can patrol and report in the grid")),
            ("lead_grid", _("Can lead the grid's members")),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        validate_grid(self)


class GridUserObjectPermission(UserObjectPermissionBase):
    """Direct foreign-key object permissions on grids (django-guardian).

    Granted and revoked only by grids.services.grid_assign_member / grid_unassign_member.
    """

    content_object = models.ForeignKey(Grid, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("grid permission of a user")
        verbose_name_plural = _("grid permissions of users")


class GridGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Grid, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("grid permission of a group")
        verbose_name_plural = _("grid permissions of groups")


class Landmark(models.Model):
    """A place residents name (a school, a market, a crossroads): the town's small
    gazetteer, kept in the administration, that the address search centres maps on."""

    name = models.CharField(_("name"), max_length=100)
    town = models.ForeignKey(
        Region,
        verbose_name=_("town"),
        on_delete=models.PROTECT,
        related_name="landmarks",
        limit_choices_to={"level": Region.Level.TOWN},
    )
    location = models.PointField(_("location"), srid=4326)
    aliases = models.CharField(
        _("other names"), max_length=200, blank=True, help_text=_("Separated by spaces.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("landmark")
        verbose_name_plural = _("landmarks")
        ordering = ["town", "name"]
        constraints = [
            models.UniqueConstraint(fields=["town", "name"], name="landmark_name_per_town")
        ]

    def __str__(self) -> str:
        return self.name
