"""Admin for the catalogue, the calendar and (read-only) cases.

A case's status moves only through incidents.services; here it is shown, never edited.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin import PlatformCatalogueAdminMixin, ReadOnlyAdminMixin, ReadOnlyInline
from core.roles import is_platform_admin
from grids.permissions import grids_visible_to, regions_visible_to
from incidents.models import (
    Attachment,
    CalendarDay,
    CalendarYear,
    CallBack,
    Category,
    CategoryAttribute,
    CategoryGroup,
    DeadlineExtension,
    Department,
    DispatchRule,
    EscalationLimit,
    HotlineOrder,
    HotlineUpdate,
    Incident,
    IncidentEvent,
    IncidentFollower,
    Open311Client,
    ReasonCode,
    ReporterPhoneAccess,
    TimeLimit,
    WorkingHours,
)
from incidents.permissions import (
    can_edit_town_catalogue,
    departments_visible_to,
    incidents_visible_to,
    town_catalogue_visible_to,
)
from incidents.publication import public_cases_changed
from incidents.services.catalogue import department_save, dispatch_rule_save
from incidents.services.hotline_sync import hotline_update_retry
from incidents.services.recalculation import incidents_recalculate_deadlines_after_commit
from incidents.working_time import missing_calendar_years


class RecalculateDeadlinesMixin:
    """A change here moves the deadlines of open cases: recalculate them after the commit
    (incidents.services.recalculation)."""

    def _recalculate(self) -> None:
        incidents_recalculate_deadlines_after_commit(
            note=_("The working calendar or the time limits changed.")
        )

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._recalculate()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        self._recalculate()

    def save_related(self, request, form, formsets, change):
        """After the row and its inlines (a category's time limits): on every save."""
        super().save_related(request, form, formsets, change)
        self._recalculate()


class TimeLimitInline(PlatformCatalogueAdminMixin, admin.TabularInline):
    model = TimeLimit
    extra = 0


class CategoryAttributeInline(PlatformCatalogueAdminMixin, admin.TabularInline):
    """Extra questions of a category: the attributes of its Open311 service definition."""

    model = CategoryAttribute
    extra = 0


@admin.register(CallBack)
class CallBackAdmin(admin.ModelAdmin):
    """Read-only: call-backs are opened by ratings and recorded on the case page."""

    list_display = ["incident", "town", "due_at", "closed_at", "closed_by"]
    list_filter = ["town"]
    list_select_related = ["incident", "town", "closed_by"]
    search_fields = ["incident__code", "incident__title"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(incident__in=incidents_visible_to(request.user))
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReporterPhoneAccess)
class ReporterPhoneAccessAdmin(admin.ModelAdmin):
    """Append-only: who looked at a reporter's phone, when and why."""

    list_display = ["accessed_at", "actor", "incident", "reason", "ip_address"]
    list_select_related = ["actor", "incident"]
    search_fields = ["incident__code", "actor__username"]

    def get_queryset(self, request):
        visible = incidents_visible_to(request.user)
        return super().get_queryset(request).filter(incident__in=visible)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CategoryGroup)
class CategoryGroupAdmin(PlatformCatalogueAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "order"]
    list_editable = ["order"]


@admin.register(Category)
class CategoryAdmin(PlatformCatalogueAdminMixin, RecalculateDeadlinesMixin, admin.ModelAdmin):
    list_display = ["code", "name", "group", "default_department_code", "publication", "is_active"]
    list_filter = ["group", "publication", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["group"]
    inlines = [TimeLimitInline, CategoryAttributeInline]

    # A category's name and publication are in every public answer about its cases.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        public_cases_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        public_cases_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        public_cases_changed()


class TownCatalogueAdminMixin:
    """A town's own rows (departments, dispatch rules): listed, searched and offered to
    autocomplete within the user's jurisdiction, written by that town's officials only,
    through the catalogue services."""

    region_field = "region"

    def get_queryset(self, request):
        rows = super().get_queryset(request)  # type: ignore[misc]
        return town_catalogue_visible_to(request.user, rows, f"{self.region_field}__path")

    def _may_edit(self, request, obj=None) -> bool:
        if obj is None:
            return is_platform_admin(request.user) or can_edit_town_catalogue(
                request.user, getattr(request.user.jurisdiction, "path", "\0")
            )
        return can_edit_town_catalogue(request.user, getattr(obj, self.region_field).path)

    def has_add_permission(self, request):
        return self._may_edit(request) and super().has_add_permission(request)  # type: ignore[misc]

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request, obj) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        user = request.user
        if db_field.name in {"region", "town", "village"}:
            kwargs["queryset"] = regions_visible_to(user)
        elif db_field.name == "grid":
            kwargs["queryset"] = grids_visible_to(user).defer("boundary")
        elif db_field.name == "department":
            kwargs["queryset"] = departments_visible_to(user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def save_model(self, request, obj, form, change):
        try:
            self.save_by_service(request, obj)
        except PermissionDenied as refusal:
            raise PermissionDenied(str(refusal)) from refusal


@admin.register(Department)
class DepartmentAdmin(TownCatalogueAdminMixin, admin.ModelAdmin):
    """Handlers are added by giving their accounts the department's group."""

    list_display = ["code", "name", "region", "handlers", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["region", "handlers"]
    raw_id_fields = ["region"]
    readonly_fields = ["handlers"]

    def get_readonly_fields(self, request, obj=None):
        return ["handlers", "code", "region"] if obj else ["handlers"]

    def save_by_service(self, request, obj):
        saved = department_save(
            code=obj.code,
            name=obj.name,
            region=obj.region,
            is_active=obj.is_active,
            actor=request.user,
        )
        obj.pk, obj.handlers_id = saved.pk, saved.handlers_id


@admin.register(EscalationLimit)
class EscalationLimitAdmin(
    PlatformCatalogueAdminMixin, RecalculateDeadlinesMixin, admin.ModelAdmin
):
    list_display = ["level", "urgency", "amount", "unit"]
    list_editable = ["amount", "unit"]


class CalendarWarningMixin:
    """Say on the calendar's pages which years still count Monday to Friday."""

    def changelist_view(self, request, extra_context=None):
        missing = missing_calendar_years(timezone.localdate())
        if missing:
            messages.warning(
                request,
                _(
                    "No official working calendar has been entered for %(years)s: deadlines "
                    "count Monday to Friday until its holidays and swapped working days are "
                    "added here and the year is marked as entered."
                )
                % {"years": ", ".join(map(str, missing))},
            )
        return super().changelist_view(request, extra_context)


@admin.register(CalendarDay)
class CalendarDayAdmin(
    PlatformCatalogueAdminMixin, RecalculateDeadlinesMixin, CalendarWarningMixin, admin.ModelAdmin
):
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]


@admin.register(WorkingHours)
class WorkingHoursAdmin(PlatformCatalogueAdminMixin, RecalculateDeadlinesMixin, admin.ModelAdmin):
    list_display = ["region", "name", "starts_on", "ends_on", "periods"]
    autocomplete_fields = ["region"]
    search_fields = ["region__name", "region__code", "name"]


@admin.register(CalendarYear)
class CalendarYearAdmin(
    PlatformCatalogueAdminMixin, RecalculateDeadlinesMixin, CalendarWarningMixin, admin.ModelAdmin
):
    list_display = ["year", "source"]


class IncidentEventInline(ReadOnlyInline):
    model = IncidentEvent
    fields = [
        "created_at",
        "action",
        "actor",
        "from_status",
        "to_status",
        "from_level",
        "to_level",
        "reason",
        "note",
    ]


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["kind", "image", "width", "height", "created_at"]


class IncidentFollowerInline(ReadOnlyInline):
    model = IncidentFollower
    fk_name = "incident"
    fields = ["user", "name", "phone_masked", "joined_from", "created_at"]


@admin.register(ReasonCode)
class ReasonCodeAdmin(PlatformCatalogueAdminMixin, admin.ModelAdmin):
    """Reasons are data: a town adds its own, and retires one by unticking "active"
    (events keep theirs)."""

    list_display = ["kind", "code", "name", "order", "is_active"]
    list_filter = ["kind", "is_active"]
    list_editable = ["name", "order", "is_active"]
    search_fields = ["code", "name"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DispatchRule)
class DispatchRuleAdmin(TownCatalogueAdminMixin, admin.ModelAdmin):
    """The rules of the towns in the user's jurisdiction, in order of precedence."""

    list_display = [
        "town",
        "priority",
        "category",
        "category_group",
        "village",
        "grid",
        "department",
        "user",
        "is_active",
    ]
    list_filter = ["is_active", "category_group"]
    list_select_related = [
        "town",
        "category",
        "category_group",
        "village",
        "grid",
        "department",
        "user",
    ]
    raw_id_fields = ["town", "village", "grid", "user"]
    search_fields = ["note", "category__name", "department__name"]

    region_field = "town"

    def save_by_service(self, request, obj):
        dispatch_rule_save(actor=request.user, rule=obj)


class CaseRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Records of a case's life, read-only and only for the cases the user may see: they are
    written by the loop's services, never by hand."""

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(incident__in=incidents_visible_to(request.user))
        )


@admin.register(DeadlineExtension)
class DeadlineExtensionAdmin(CaseRecordAdmin):
    """Read-only: extensions are asked for and decided on the case page."""

    list_display = ["incident", "status", "requested_deadline", "requested_by", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["incident", "requested_by", "decided_by"]
    search_fields = ["incident__code"]


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "title",
        "category",
        "status",
        "level",
        "handling_region",
        "deadline",
        "is_supervised",
        "is_stalled_at_top",
    ]
    list_filter = [
        "status",
        "urgency",
        "level",
        "source",
        "is_supervised",
        "is_stalled_at_top",
        "category__group",
    ]
    search_fields = ["code", "title"]
    list_select_related = ["category", "handling_region"]
    date_hierarchy = "created_at"
    inlines = [IncidentEventInline, AttachmentInline, IncidentFollowerInline]
    exclude = ["reporter_phone_encrypted", "reporter_phone_hash"]
    readonly_fields = [
        field.name
        for field in Incident._meta.fields
        if field.name not in ("reporter_phone_encrypted", "reporter_phone_hash")
    ]

    def get_queryset(self, request):
        return (
            incidents_visible_to(request.user)
            .select_related("category", "handling_region")
            .defer("location")
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IncidentEvent)
class IncidentEventAdmin(CaseRecordAdmin):
    list_display = ["created_at", "incident", "action", "actor", "from_level", "to_level"]
    list_filter = ["action"]
    list_select_related = ["incident", "actor"]
    search_fields = ["incident__code"]


@admin.register(Open311Client)
class Open311ClientAdmin(PlatformCatalogueAdminMixin, admin.ModelAdmin):
    """Client systems allowed to post Open311 requests; the key is generated on save."""

    list_display = ["name", "key", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    readonly_fields = ["key", "created_at"]


@admin.register(HotlineOrder)
class HotlineOrderAdmin(CaseRecordAdmin):
    """The hotline's work orders and the cases they became (written by the intake)."""

    list_display = ["order_id", "incident", "received_by", "received_at"]
    list_select_related = ["incident", "received_by"]
    search_fields = ["order_id", "incident__code"]


@admin.register(HotlineUpdate)
class HotlineUpdateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The back-sync's outbox: what the hotline took, what waits, what was given up (and
    may be sent again)."""

    list_display = [
        "order",
        "event_id",
        "case_status",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["status"]
    list_select_related = ["order"]
    search_fields = ["order__order_id", "order__incident__code"]
    actions = ["send_again"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(order__incident__in=incidents_visible_to(request.user))
        )

    def has_view_permission(self, request, obj=None):
        return is_platform_admin(request.user)

    @admin.display(description=gettext_lazy("case status"))
    def case_status(self, update):
        return update.payload.get("status_label", "")

    @admin.action(description=gettext_lazy("Send the given-up updates again"))
    def send_again(self, request, queryset):
        count = hotline_update_retry(ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("%(count)d updates will be sent again.") % {"count": count})
