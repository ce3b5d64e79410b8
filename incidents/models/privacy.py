"""Looks at a case reporter's phone: recorded like every look at personal data."""

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from incidents.models.case import Incident


class ReporterPhoneAccess(models.Model):
    """Append-only record of each reveal of a case reporter's phone (to call them back)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), on_delete=models.PROTECT, related_name="+"
    )
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="reporter_phone_accesses",
    )
    reason = models.CharField(_("reason"), max_length=200)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    accessed_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("look at a reporter's phone")
        verbose_name_plural = _("looks at reporters' phones")
        ordering = ["-accessed_at", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.actor_id} {self.incident_id} {self.accessed_at:%Y-%m-%d %H:%M}"
