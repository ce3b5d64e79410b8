from django.apps import AppConfig
from django.core import checks

from core.checks import spatialite_needs_extension_loading


class CoreConfig(AppConfig):
    """An app only so that its system check is registered once the apps are ready."""

    name = "core"

    def ready(self) -> None:
        checks.register(spatialite_needs_extension_loading)
