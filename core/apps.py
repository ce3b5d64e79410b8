from django.apps import AppConfig, apps
from django.core import checks
from django.utils.translation import gettext_lazy as _

from core.checks import spatialite_needs_extension_loading

# The admin's headings of the sign-in throttle (django-axes) and two-factor (django-otp)
# apps: their app names are not translatable and django-otp's models name themselves in
# plain English, so the platform names them, in its own catalogue. Only the runtime names
# change: migrations read a model's original Meta, so no migration follows from this.
THIRD_PARTY_APP_NAMES = {
    "axes": _("Sign-in throttling"),
    "otp_totp": _("Two-factor authenticator apps"),
    "otp_static": _("Two-factor backup codes"),
}
THIRD_PARTY_MODEL_NAMES = {
    ("otp_totp", "totpdevice"): (_("authenticator app"), _("authenticator apps")),
    ("otp_static", "staticdevice"): (_("backup code set"), _("backup code sets")),
    ("otp_static", "statictoken"): (_("backup code"), _("backup codes")),
}


class CoreConfig(AppConfig):
    """An app so that its system check is registered once the apps are ready, and so that
    the third-party apps of the admin are named in the platform's languages."""

    name = "core"

    def ready(self) -> None:
        checks.register(spatialite_needs_extension_loading)
        for label, name in THIRD_PARTY_APP_NAMES.items():
            if label in apps.app_configs:
                apps.get_app_config(label).verbose_name = name
        for (label, model_name), (singular, plural) in THIRD_PARTY_MODEL_NAMES.items():
            if label in apps.app_configs:
                options = apps.get_model(label, model_name)._meta
                options.verbose_name, options.verbose_name_plural = singular, plural
