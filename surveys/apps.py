from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    """Questionnaires for residents and grid members."""

    name = "surveys"
    verbose_name = _("Surveys")
