from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from members.signals import grid_split


class IncidentsConfig(AppConfig):
    """Cases (事件): the closed loop from report to evaluation, and escalation."""

    name = "incidents"
    verbose_name = _("Cases")

    def ready(self) -> None:
        # Services import models: only once the apps are loaded (Django's ready()).
        from incidents.services.regrid import on_grid_split

        grid_split.connect(on_grid_split, dispatch_uid="incidents-follow-grid-split")
