from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _

from grid_platform.checks import spatialite_needs_extension_loading


class GridsConfig(AppConfig):
    name = "grids"
    verbose_name = _("Regions and grids")

    def ready(self) -> None:
        checks.register(spatialite_needs_extension_loading)
