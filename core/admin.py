"""What the apps' admin pages share: rows that only services write are shown, never edited."""

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from core.roles import is_platform_admin


class ReadOnlyAdminMixin:
    """Rows the services write (a case's history, the access log, a member's assignments):
    the admin shows them and never adds, changes or deletes one."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    """A record's rows listed under it, every field shown and none edited."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return [name for name in self.fields or () if isinstance(name, str)]


class PlatformCatalogueAdminMixin:
    """Rows that govern every town (categories and their limits, escalation limits, reason
    codes, the working calendar): others with the view permission read them, only platform
    administrators add, change or delete one."""

    def has_add_permission(self, request: HttpRequest, *obj: Model | None) -> bool:
        # A ModelAdmin asks with the request only, an inline with its parent object too.
        return is_platform_admin(request.user) and super().has_add_permission(request, *obj)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return is_platform_admin(request.user) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return is_platform_admin(request.user) and super().has_delete_permission(request, obj)  # type: ignore[misc]


class CspNonceWidgetMixin:
    """Map widgets (django-leaflet) start with an inline script: give it the request's
    Content-Security-Policy nonce, so that it runs where no other inline script does."""

    def get_form(self, request: HttpRequest, obj: Model | None = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)  # type: ignore[misc]
        nonce = getattr(request, "csp_nonce", None)
        for field in form.base_fields.values():
            if hasattr(field.widget, "csp_nonce"):
                field.widget.csp_nonce = str(nonce) if nonce is not None else None
        return form
