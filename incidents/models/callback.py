"""Call-backs (回访): after a dissatisfied rating the town calls the reporter back."""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grids.models import Region
from incidents.models.case import Incident


class CallBack(models.Model):
    """One call-back task: opened by a dissatisfied rating, due by a deadline, closed by
    an official of the case's town with what the reporter said."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("case"), on_delete=models.CASCADE, related_name="callbacks"
    )
    town = models.ForeignKey(
        Region, verbose_name=_("town"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    due_at = models.DateTimeField(_("call back by"))
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("called back at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("called back by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome = models.TextField(_("what the reporter said"), blank=True)

    class Meta:
        verbose_name = _("call-back")
        verbose_name_plural = _("call-backs")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident"],
                condition=Q(closed_at__isnull=True),
                name="one_open_callback_per_case",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_by__isnull=False),
                name="closed_callback_has_a_caller",
            ),
        ]
        indexes = [
            # The queue's open call-backs and the dashboard's 回访率, per town and period.
            models.Index(fields=["town", "created_at"], name="callback_town_created_idx"),
            models.Index(
                fields=["due_at"],
                name="callback_open_due_idx",
                condition=Q(closed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.due_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
