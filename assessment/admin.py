"""Schemes and bulletins in the admin: read only (a scheme changes by a new version on the
assessment page, a bulletin never), each user seeing the counties the assessment pages
show them."""

from django.contrib import admin

from assessment.models import AssessmentScheme, Bulletin, BulletinEntry, SchemeIndicator
from assessment.permissions import bulletins_visible_to, reading_county_id
from core.admin import ReadOnlyAdminMixin, ReadOnlyInline
from core.roles import is_platform_admin


class SchemeIndicatorInline(ReadOnlyInline):
    model = SchemeIndicator
    fields = ["indicator", "weight", "floor", "target"]


@admin.register(AssessmentScheme)
class AssessmentSchemeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["county", "version", "min_sample", "bottom_count", "created_at", "created_by"]
    list_select_related = ["county", "created_by"]
    inlines = [SchemeIndicatorInline]

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if is_platform_admin(request.user):
            return rows
        return rows.filter(county_id=reading_county_id(request.user))


class BulletinEntryInline(ReadOnlyInline):
    model = BulletinEntry
    fields = ["kind", "rank", "name", "score", "is_bottom", "parts"]


@admin.register(Bulletin)
class BulletinAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["county", "month", "scheme", "closed_at", "closed_by"]
    list_select_related = ["county", "scheme__county", "closed_by"]
    inlines = [BulletinEntryInline]

    def get_queryset(self, request):
        return bulletins_visible_to(request.user) & super().get_queryset(request)
