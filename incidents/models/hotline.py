"""The 12345 hotline bridge: the work orders taken in, and the status updates sent back."""

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from incidents.models.case import Incident, IncidentEvent


class HotlineOrder(models.Model):
    """A hotline work order (工单) filed as a case. Its ``order_id`` is the hotline's own
    number: unique, so that a work order sent twice (a retry, two servers of the hotline at
    once) files one case."""

    order_id = models.CharField(_("work order number"), max_length=64, unique=True)
    incident = models.OneToOneField(
        Incident,
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="hotline_order",
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("hotline work order")
        verbose_name_plural = _("hotline work orders")
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return self.order_id


class HotlineUpdate(models.Model):
    """The outbox of the back-sync: one row per status change of a hotline case, written in
    the step's transaction, posted to the hotline (HOTLINE_CALLBACK_URL) after the commit
    and retried with backoff until the hotline takes it. One row per event (a unique
    event), whose id the hotline uses to drop a repeat."""

    class Delivery(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    order = models.ForeignKey(
        HotlineOrder,
        verbose_name=_("hotline work order"),
        on_delete=models.CASCADE,
        related_name="updates",
    )
    event = models.OneToOneField(
        IncidentEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="+"
    )
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("delivery"), max_length=8, choices=Delivery.choices, default=Delivery.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("hotline status update")
        verbose_name_plural = _("hotline status updates")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["order", "id"],
                condition=models.Q(status="pending"),
                name="hotline_update_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order} · {self.payload.get('status', '')}"
