from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.gis.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from grids.models import Grid, Region
from members.authenticity import flag_reason


class User(AbstractUser):
    """An account. Staff accounts carry a jurisdiction: one node of the ladder."""

    jurisdiction = models.ForeignKey(
        Region,
        verbose_name=_("jurisdiction"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        full_name = self.get_full_name()
        return f"{full_name} ({self.username})" if full_name else self.username

    def get_full_name(self) -> str:
        """A Chinese name family name first and without a space (赵娥敏); others as Django
        writes them (given name first)."""
        family, given = self.last_name.strip(), self.first_name.strip()
        if any("\u4e00" <= char <= "\u9fff" for char in family + given):
            return f"{family}{given}"
        return super().get_full_name()


class GridMember(models.Model):
    """A grid member (网格员): the person who walks a grid."""

    class Employment(models.TextChoices):
        FULL_TIME = "full_time", _("Full-time")
        PART_TIME = "part_time", _("Part-time")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="grid_member",
    )
    employment = models.CharField(_("employment"), max_length=16, choices=Employment.choices)
    phone = models.CharField(_("work phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    grids = models.ManyToManyField(
        Grid, through="GridAssignment", related_name="members", verbose_name=_("grids")
    )

    class Meta:
        verbose_name = _("grid member")
        verbose_name_plural = _("grid members")
        ordering = ["user__username"]

    def __str__(self) -> str:
        return str(self.user)


class GridAssignment(models.Model):
    """A member's assignment to a grid, from a date to an optional end date.

    Written only by members.services (grid_assign_member / grid_unassign_member), which
    grant and revoke the member's object permissions on the grid.
    """

    member = models.ForeignKey(
        GridMember, verbose_name=_("member"), on_delete=models.PROTECT, related_name="assignments"
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="assignments"
    )
    is_leader = models.BooleanField(_("grid leader"), default=False)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        verbose_name = _("grid assignment")
        verbose_name_plural = _("grid assignments")
        ordering = ["grid__code", "-is_leader", "member_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "grid"],
                condition=Q(ends_on__isnull=True),
                name="one_open_assignment_per_member_and_grid",
                violation_error_message=_("This member is already assigned to this grid."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="assignment_ends_after_it_starts",
                violation_error_message=_("An assignment cannot end before it starts."),
            ),
        ]
        indexes = [models.Index(fields=["grid", "ends_on"], name="assignment_grid_open_idx")]

    def __str__(self) -> str:
        return f"{self.member} → {self.grid}"


class ResidentTag(models.Model):
    """A key-group tag (重点人群): elderly living alone, disabled, left-behind child..."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=50)
    # How often a household with someone of this group must be visited; blank: no
    # required visits. A household follows the shortest interval among its residents'.
    visit_every_days = models.PositiveSmallIntegerField(
        _("visit every (days)"),
        null=True,
        blank=True,
        help_text=_("Required visit frequency for a household with someone in this group."),
    )

    class Meta:
        verbose_name = _("key-group tag")
        verbose_name_plural = _("key-group tags")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    code = models.CharField(_("household code"), max_length=24, unique=True)
    grid = models.ForeignKey(
        Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="household_set"
    )
    address = models.CharField(_("address"), max_length=200)
    # Where the door is: patrols are expected to stop at key households (重点人群).
    location = models.PointField(_("location"), srid=4326, null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.address}"


class Resident(models.Model):
    """A registered resident. ID number and phone are stored encrypted.

    Beside each ciphertext: a keyed hash (HMAC) for exact lookup and de-duplication, and
    the masked form that every list shows, so that lists never decrypt anything.
    Written only through members.services.resident_save.
    """

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="residents"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resident",
    )
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    id_number_encrypted = models.TextField(editable=False, blank=True)
    id_number_hash = models.CharField(max_length=64, editable=False, null=True, unique=True)
    id_number_masked = models.CharField(_("ID number"), max_length=18, editable=False, blank=True)
    phone_encrypted = models.TextField(editable=False, blank=True)
    phone_hash = models.CharField(max_length=64, editable=False, blank=True, db_index=True)
    phone_masked = models.CharField(_("phone"), max_length=20, editable=False, blank=True)
    tags = models.ManyToManyField(
        ResidentTag, verbose_name=_("key-group tags"), blank=True, related_name="residents"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["household__code", "id"]
        permissions = [
            ("reveal_personal_data", _("Can reveal a resident's ID number or phone")),
        ]

    def __str__(self) -> str:
        return self.name


class PersonalDataAccess(models.Model):
    """Append-only record of each look at a resident's unmasked personal data."""

    class Field(models.TextChoices):
        ID_NUMBER = "id_number", _("ID number")
        PHONE = "phone", _("Phone")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.PROTECT,
        related_name="personal_data_accesses",
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="accesses"
    )
    # Kept so that the log can be scoped by jurisdiction without joining through a
    # household that may later move.
    grid = models.ForeignKey(Grid, verbose_name=_("grid"), on_delete=models.PROTECT)
    field = models.CharField(_("field"), max_length=16, choices=Field.choices)
    reason = models.CharField(_("reason"), max_length=200)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    accessed_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-accessed_at", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.actor} → {self.resident} ({self.get_field_display()})"


class PatrolLog(models.Model):
    """A patrol (巡查日志): who walked which grid, when, along what route, finding what."""

    member = models.ForeignKey(
        GridMember, verbose_name=_("member"), on_delete=models.PROTECT, related_name="patrols"
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="patrols"
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    route = models.LineStringField(_("route"), srid=4326, null=True, blank=True)
    # Seconds from started_at to each point of the route, when the phone sent its times.
    # (A JSON list, not an array: the embedded database is SQLite.)
    route_seconds = models.JSONField(_("route times"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    findings = models.TextField(_("findings"), blank=True)
    client_key = models.UUIDField(
        _("client key"),
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text=_("Generated by the reporting device so that a resent report is filed once."),
    )
    # When the authenticity rules last judged the patrol (members.services.authenticity).
    assessed_at = models.DateTimeField(_("assessed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("patrol log")
        verbose_name_plural = _("patrol logs")
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["grid", "-started_at"], name="patrol_grid_started_idx"),
            models.Index(fields=["member", "-started_at"], name="patrol_member_started_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="patrol_ends_after_it_starts",
                violation_error_message=_("A patrol cannot end before it starts."),
            ),
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(ended_at__isnull=True),
                name="one_running_patrol_per_member",
                violation_error_message=_("A patrol of yours is still running: stop it first."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.grid} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def duration(self):
        return self.ended_at - self.started_at if self.ended_at else None


class PatrolFlag(models.Model):
    """One doubt about one patrol, with the figures behind it (members.authenticity).

    Written only by members.services.authenticity.patrols_assess, which replaces a patrol's
    flags whole each time it judges it.
    """

    class Kind(models.TextChoices):
        NO_ROUTE = "no_route", _("No route recorded")
        OUTSIDE_GRIDS = "outside_grids", _("Route mostly outside the member's grids")
        LITTLE_MOVEMENT = "little_movement", _("Little movement for its length")
        KEY_HOUSEHOLDS_SKIPPED = "key_households_skipped", _("No stop at a key household")
        REPEATED_NOTES = "repeated_notes", _("Notes nearly identical to an earlier patrol")
        MONTH_END_RUSH = "month_end_rush", _("Crowded into the last days of the month")
        BELOW_DAILY_NORM = "below_daily_norm", _("Day below the town's daily norm")

    patrol = models.ForeignKey(
        PatrolLog, verbose_name=_("patrol"), on_delete=models.CASCADE, related_name="flags"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    figures = models.JSONField(_("figures"), default=dict)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("patrol flag")
        verbose_name_plural = _("patrol flags")
        ordering = ["patrol_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["patrol", "kind"], name="one_flag_per_patrol_and_kind")
        ]

    def __str__(self) -> str:
        return f"{self.patrol_id}: {self.get_kind_display()}"

    @property
    def reason(self) -> str:
        return flag_reason(self.kind, self.figures)


class Notification(models.Model):
    """A message to one user: always in the app, and by e-mail or SMS where it applies.

    Rows are written in the same transaction as the change they announce, so nothing is
    lost when the broker is down; delivery by e-mail/SMS is an outbox that the delivery
    task empties and the periodic sweep retries.
    """

    class Delivery(models.TextChoices):
        NOT_NEEDED = "not_needed", _("Not needed")
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    # No recipient: a text to a phone only (a resident who reported without an account).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
    )
    # The number to text instead of the recipient's own (encrypted like every phone).
    phone_encrypted = models.TextField(editable=False, blank=True)
    kind = models.CharField(_("kind"), max_length=32)
    # The values of the SMS template (a provider sends approved templates only).
    sms_params = models.JSONField(_("SMS template values"), default=dict, blank=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=200, blank=True)
    email_status = models.CharField(
        _("e-mail"), max_length=12, choices=Delivery.choices, default=Delivery.NOT_NEEDED
    )
    sms_status = models.CharField(
        _("SMS"), max_length=12, choices=Delivery.choices, default=Delivery.NOT_NEEDED
    )
    attempts = models.PositiveSmallIntegerField(_("delivery attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | ~Q(phone_encrypted=""),
                name="notification_has_an_addressee",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            models.Index(
                fields=["created_at"],
                name="notification_outbox_idx",
                condition=Q(email_status="pending") | Q(sms_status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def case_codes(self) -> list[str]:
        """A digest's body lists the numbers of its cases, one a line."""
        if not self.kind.endswith("_digest"):
            return []
        return [line.strip() for line in self.body.splitlines() if line.strip()]


EDIT_FIELD_LABELS = {
    "code": _("household code"),
    "address": _("address"),
    "name": _("name"),
    "gender": _("gender"),
    "birth_date": _("birth date"),
    "id_number": _("ID number"),
    "phone": _("phone"),
    "tags": _("key-group tags"),
}


class HouseholdEdit(models.Model):
    """One change to the register made from the field (民情日记), logged in the same
    transaction as the change: who, when, which household or resident, and each field's
    old and new value. ID numbers and phones appear only masked.

    Written only by members.services.register. Edits made in the admin are not logged here.
    """

    class Action(models.TextChoices):
        ADD = "add", _("Added")
        EDIT = "edit", _("Edited")

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="edits"
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="edits",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.PROTECT,
        related_name="household_edits",
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    # {"field": [old, new], ...}
    changes = models.JSONField(_("changes"), default=dict)
    client_key = models.UUIDField(_("client key"), unique=True, editable=False)

    class Meta:
        verbose_name = _("register edit")
        verbose_name_plural = _("register edits")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["household", "-at"], name="household_edit_at_idx")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"

    @property
    def changes_display(self) -> list[tuple[str, str, str]]:
        """(field label, old, new) for the page; lists (key groups) joined."""

        genders = dict(Resident.Gender.choices)

        def text(value) -> str:
            if isinstance(value, list):
                return "、".join(value)
            return str(genders.get(value, value) or "")

        return [
            (str(EDIT_FIELD_LABELS.get(field, field)), text(old), text(new))
            for field, (old, new) in self.changes.items()
        ]


class HouseholdVisit(models.Model):
    """A visit by a grid member to a household (走访): when, why, what was found."""

    class Purpose(models.TextChoices):
        ROUTINE = "routine", _("Routine visit")
        CARE = "care", _("Care for a key group")
        VERIFY = "verify", _("Check the register")
        DISPUTE = "dispute", _("Dispute or complaint")
        POLICY = "policy", _("Policy or notice")
        OTHER = "other", _("Other")

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="visits"
    )
    member = models.ForeignKey(
        GridMember, verbose_name=_("member"), on_delete=models.PROTECT, related_name="visits"
    )
    visited_on = models.DateField(_("visited on"))
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    notes = models.TextField(_("notes"), blank=True)
    client_key = models.UUIDField(_("client key"), unique=True, editable=False)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("household visit")
        verbose_name_plural = _("household visits")
        ordering = ["-visited_on", "-id"]
        indexes = [
            models.Index(fields=["household", "-visited_on"], name="household_visit_on_idx")
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.visited_on}"


class GridSplitProposal(models.Model):
    """The re-division advisor's proposal to cut an overloaded grid in two
    (members.redivision): shown on the map, applied only when an official accepts it.

    Written only by members.services.redivision (split_propose, split_accept,
    split_discard). "first" is the western (or northern) half, with the lower code.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", pgettext_lazy("split proposal", "Accepted")
        DISCARDED = "discarded", _("Discarded")

    class Axis(models.TextChoices):
        VERTICAL = "x", _("North-south line (west and east halves)")
        HORIZONTAL = "y", _("East-west line (north and south halves)")

    grid = models.ForeignKey(
        Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="split_proposals"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PROPOSED
    )
    axis = models.CharField(_("cut"), max_length=1, choices=Axis.choices)
    cut_at = models.FloatField(_("cut at (degrees)"))
    first_boundary = models.MultiPolygonField(_("first half"), srid=4326)
    second_boundary = models.MultiPolygonField(_("second half"), srid=4326)
    first_code = models.CharField(_("code of the first half"), max_length=15)
    second_code = models.CharField(_("code of the second half"), max_length=15)
    first_name = models.CharField(_("name of the first half"), max_length=100)
    second_name = models.CharField(_("name of the second half"), max_length=100)
    # Households of the register with a location on each side, and those without one.
    first_households = models.PositiveIntegerField(_("households in the first half"))
    second_households = models.PositiveIntegerField(_("households in the second half"))
    unlocated_households = models.PositiveIntegerField(_("households without a location"))
    # The town's median households per grid when the proposal was made (the rule's basis).
    town_median = models.FloatField(_("town median households per grid"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    first_grid = models.ForeignKey(
        Grid,
        verbose_name=_("first new grid"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    second_grid = models.ForeignKey(
        Grid,
        verbose_name=_("second new grid"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("grid split proposal")
        verbose_name_plural = _("grid split proposals")
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["grid"],
                condition=Q(status="proposed"),
                name="one_open_split_proposal_per_grid",
                violation_error_message=_("This grid already has an open split proposal."),
            ),
            models.CheckConstraint(
                condition=Q(status="proposed") | Q(decided_at__isnull=False),
                name="split_decision_has_a_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grid} → {self.first_code} + {self.second_code}"

    def get_absolute_url(self) -> str:
        return reverse("members:split", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.PROPOSED
