from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from core.admin import CspNonceWidgetMixin
from core.roles import is_platform_admin
from grids.admin_forms import GridAdminForm, RegionAdminForm, SavedByServiceFormAdminMixin
from grids.models import Grid, Landmark, Region
from grids.permissions import grids_visible_to, regions_visible_to

admin.site.site_header = _("Grid governance platform administration")
admin.site.site_title = _("Grid governance platform administration")
admin.site.index_title = _("Grid governance platform administration")


def ordered(model_admin: admin.ModelAdmin, request, queryset):
    """A funnel's queryset in the admin's order (the funnels keep the model's ordering)."""
    ordering = model_admin.get_ordering(request)
    return queryset.order_by(*ordering) if ordering else queryset


@admin.register(Region)
class RegionAdmin(CspNonceWidgetMixin, SavedByServiceFormAdminMixin, LeafletGeoAdmin):
    form = RegionAdminForm
    list_display = ["code", "name", "level", "parent"]
    list_select_related = ["parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    fields = ["code", "name", "level", "parent", "path", "boundary", "patrol_norm_minutes"]

    def get_queryset(self, request):
        return ordered(self, request, regions_visible_to(request.user))

    def get_readonly_fields(self, request, obj=None):
        # The code is the region's identity: region_save finds the region by it.
        return ["code", "path"] if obj is not None else ["path"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = regions_visible_to(request.user)
            # Only those who see the whole ladder may add a region at its top.
            kwargs["required"] = not is_platform_admin(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class TownFilter(admin.SimpleListFilter):
    title = _("town")
    parameter_name = "town"

    def lookups(self, request, model_admin):
        towns = regions_visible_to(request.user).filter(level=Region.Level.TOWN)
        return [(str(town.pk), town.name) for town in towns]

    def queryset(self, request, queryset):
        if self.value() not in {pk for pk, _name in self.lookup_choices}:
            return queryset
        return queryset.filter(village__parent_id=self.value())


@admin.register(Grid)
class GridAdmin(CspNonceWidgetMixin, SavedByServiceFormAdminMixin, LeafletGeoAdmin):
    form = GridAdminForm
    list_display = ["code", "name", "kind", "village", "households", "population", "is_active"]
    list_select_related = ["village"]
    list_filter = ["kind", "is_active", TownFilter]
    search_fields = ["code", "name"]
    fields = [
        "code",
        "name",
        "kind",
        "village",
        "boundary",
        "households",
        "population",
        "is_active",
        "updated_at",
    ]

    def get_queryset(self, request):
        return ordered(self, request, grids_visible_to(request.user))

    def get_readonly_fields(self, request, obj=None):
        # The code is the grid's identity: grid_save finds the grid by it.
        return ["code", "updated_at"] if obj is not None else ["updated_at"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "village":
            kwargs["queryset"] = regions_visible_to(request.user).filter(
                level=Region.Level.VILLAGE
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Landmark)
class LandmarkAdmin(LeafletGeoAdmin):
    """The town's gazetteer: places residents name, for the maps' address search."""

    list_display = ["name", "town", "aliases", "is_active"]
    list_filter = ["town", "is_active"]
    search_fields = ["name", "aliases"]

    def get_queryset(self, request):
        towns = regions_visible_to(request.user).values("pk")
        return super().get_queryset(request).filter(town__in=towns)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "town":
            kwargs["queryset"] = regions_visible_to(request.user).filter(level=Region.Level.TOWN)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
