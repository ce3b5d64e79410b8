from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """An app only so that ``manage.py seed_demo`` is found."""

    name = "demo"
    verbose_name = _("Demo town")
