"""What the Open311 door adds: the questions a category asks, and the client systems."""

import secrets

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from incidents.models.catalogue import Category


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
