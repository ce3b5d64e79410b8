from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """Read-only figures for officials. It owns no model: every number is computed from
    the cases, grids, members and patrols of the other apps, so it has an app of its own
    only to keep those reads (selectors, pages, exports) in one place."""

    name = "dashboard"
    verbose_name = _("Dashboard")
