from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    """Cases (事件): the closed loop from report to evaluation, and escalation."""

    name = "incidents"
    verbose_name = _("Cases")
