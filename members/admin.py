from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from leaflet.admin import LeafletGeoAdmin

from core.admin import CspNonceWidgetMixin, ReadOnlyAdminMixin, ReadOnlyInline
from core.roles import is_platform_admin
from grids.admin import ordered
from grids.admin_forms import SavedByServiceFormAdminMixin
from grids.permissions import grids_visible_to, regions_visible_to
from members import personal_data
from members.admin_forms import GridAssignmentCreateForm, GridAssignmentEndForm, ResidentAdminForm
from members.models import (
    GridAssignment,
    GridMember,
    Household,
    Notification,
    PatrolFlag,
    PatrolLog,
    PersonalDataAccess,
    Resident,
    ResidentTag,
    User,
)
from members.permissions import (
    access_log_visible_to,
    grid_members_visible_to,
    households_visible_to,
    patrol_logs_visible_to,
    residents_visible_to,
)
from members.services import grid_permissions_sync, grid_unassign_member

# Never loaded for a list, never shown: ciphertexts and hashes stay in the database.
RESIDENT_SECRETS = ("id_number_encrypted", "id_number_hash", "phone_encrypted", "phone_hash")


class GridAssignmentInline(ReadOnlyInline):
    model = GridAssignment
    fields = ["grid", "is_leader", "starts_on", "ends_on"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(grid__in=grids_visible_to(request.user))
            .select_related("grid")
            .defer("grid__boundary")
        )


@admin.register(GridMember)
class GridMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "employment", "phone", "is_active"]
    list_select_related = ["user"]
    list_filter = ["employment", "is_active"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    inlines = [GridAssignmentInline]

    def get_queryset(self, request):
        return ordered(self, request, grid_members_visible_to(request.user))

    def get_readonly_fields(self, request, obj=None):
        # The account holds the member's grid permissions: it does not change hands.
        return ["user"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            users = User.objects.filter(grid_member__isnull=True)
            if not is_platform_admin(request.user):
                users = users.filter(jurisdiction__in=regions_visible_to(request.user))
            kwargs["queryset"] = users
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data:
            # An inactive member loses the grid permissions of his assignments.
            grid_ids = list(obj.assignments.values_list("grid_id", flat=True).distinct())
            grid_permissions_sync(today=timezone.localdate(), grid_ids=grid_ids)


@admin.register(GridAssignment)
class GridAssignmentAdmin(SavedByServiceFormAdminMixin, admin.ModelAdmin):
    list_display = ["grid", "member", "is_leader", "starts_on", "ends_on"]
    list_select_related = ["grid", "member__user"]
    list_filter = ["is_leader"]
    search_fields = ["grid__code", "grid__name", "member__user__username"]
    actions = ["end_today"]

    def get_queryset(self, request):
        assignments = (
            GridAssignment.objects.filter(grid__in=grids_visible_to(request.user))
            .select_related("grid", "member__user")
            .defer("grid__boundary")
        )
        return ordered(self, request, assignments)

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = GridAssignmentEndForm if obj is not None else GridAssignmentCreateForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        created = ["member", "grid", "is_leader", "starts_on"]
        return [*created, "ends_on"] if obj is not None else created

    def get_readonly_fields(self, request, obj=None):
        # An assignment's member and grid are its identity; it ends, it is not edited.
        return ["member", "grid", "is_leader", "starts_on"] if obj is not None else []

    def get_changeform_initial_data(self, request):
        return {"starts_on": timezone.localdate(), **super().get_changeform_initial_data(request)}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "member":
            kwargs["queryset"] = (
                grid_members_visible_to(request.user).filter(is_active=True).select_related("user")
            )
        elif db_field.name == "grid":
            kwargs["queryset"] = grids_visible_to(request.user).active().defer("boundary")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(
        description=gettext_lazy("End selected assignments today"), permissions=["change"]
    )
    def end_today(self, request, queryset):
        ended = 0
        for assignment in queryset:
            try:
                grid_unassign_member(assignment=assignment)
            except ValidationError as error:
                self.message_user(
                    request,
                    _("%(assignment)s: %(reason)s")
                    % {"assignment": assignment, "reason": " ".join(error.messages)},
                    messages.ERROR,
                )
            else:
                ended += 1
        if ended:
            self.message_user(
                request,
                ngettext("Ended %(count)d assignment.", "Ended %(count)d assignments.", ended)
                % {"count": ended},
                messages.SUCCESS,
            )


@admin.register(ResidentTag)
class ResidentTagAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "visit_every_days"]
    list_editable = ["visit_every_days"]
    search_fields = ["code", "name"]


@admin.register(Household)
class HouseholdAdmin(CspNonceWidgetMixin, LeafletGeoAdmin):
    list_display = ["code", "address", "grid"]
    list_select_related = ["grid"]
    search_fields = ["code", "address"]
    readonly_fields = ["updated_at"]

    def get_queryset(self, request):
        households = (
            households_visible_to(request.user).select_related("grid").defer("grid__boundary")
        )
        return ordered(self, request, households)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "grid":
            kwargs["queryset"] = grids_visible_to(request.user).defer("boundary")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MaskedSearchChangeList(ChangeList):
    """Shows a searched ID number or phone masked: in the search box and in every link."""

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.query = personal_data.mask_text(self.query)

    def get_query_string(self, new_params=None, remove=None):
        return personal_data.mask_text(super().get_query_string(new_params, remove))


@admin.register(Resident)
class ResidentAdmin(SavedByServiceFormAdminMixin, admin.ModelAdmin):
    """Residents, with their ID number and phone masked; new values are written, never read.

    A reveal is not offered here: it needs a reason and goes through members:resident_reveal.
    """

    form = ResidentAdminForm
    list_display = [
        "name",
        "gender",
        "household",
        "household_grid",
        "id_number_masked",
        "phone_masked",
        "tag_names",
    ]
    list_select_related = ["household__grid"]
    list_filter = ["gender", "tags"]
    search_fields = ["name", "household__code"]
    readonly_fields = ["user", "reveal_link", "updated_at"]
    # A town has thousands of households: search them (HouseholdAdmin's scoped queryset).
    autocomplete_fields = ["household"]

    def get_queryset(self, request):
        residents = (
            residents_visible_to(request.user)
            .select_related("household__grid")
            .defer(*RESIDENT_SECRETS, "household__grid__boundary")
            .prefetch_related("tags")
        )
        return ordered(self, request, residents)

    def get_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            personal = ["age_band", "id_number_masked", "phone_masked"]
        else:
            personal = ["birth_date", "id_number", "phone"]
        return [
            "household",
            "name",
            "gender",
            *personal,
            "tags",
            "user",
            "reveal_link",
            "updated_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "age_band", "id_number_masked", "phone_masked"]

    @admin.display(description=gettext_lazy("age"))
    def age_band(self, resident: Resident) -> str:
        return personal_data.age_band(resident.birth_date, timezone.localdate())

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_search_results(self, request, queryset, search_term):
        """An ID number or phone is found by its lookup hash, never by a LIKE on ciphertext."""
        term = search_term.strip().replace(" ", "").upper()
        if personal_data.ID_NUMBER_PATTERN.match(term):
            return queryset.filter(id_number_hash=personal_data.lookup_hash(term)), False
        if personal_data.PHONE_PATTERN.match(term):
            return queryset.filter(phone_hash=personal_data.lookup_hash(term)), False
        return super().get_search_results(request, queryset, search_term)

    def get_changelist(self, request, **kwargs):
        return MaskedSearchChangeList

    def get_preserved_filters(self, request):
        # The change links carry the list's query string, search term included.
        return personal_data.mask_text(super().get_preserved_filters(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "household":
            kwargs["queryset"] = households_visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # A "household__grid" column would be headed by its path ("Household grid"), untranslated.
    @admin.display(description=gettext_lazy("grid"), ordering="household__grid__code")
    def household_grid(self, resident: Resident):
        return resident.household.grid

    @admin.display(description=gettext_lazy("key-group tags"))
    def tag_names(self, resident: Resident) -> str:
        return ", ".join(tag.name for tag in resident.tags.all())

    @admin.display(description=gettext_lazy("ID number and phone"))
    def reveal_link(self, resident: Resident) -> str:
        try:
            url = reverse("members:resident_reveal", kwargs={"pk": resident.pk})
        except NoReverseMatch:
            return "-"
        return format_html('<a href="{}">{}</a>', url, _("Reveal one, with a reason"))


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The access log: officials read it; nobody adds, changes or deletes a line."""

    list_display = ["accessed_at", "actor", "resident", "field", "reason", "ip_address"]
    list_select_related = ["actor", "resident"]
    list_filter = ["field"]
    fields = ["accessed_at", "actor", "resident", "grid", "field", "reason", "ip_address"]
    readonly_fields = fields

    def get_queryset(self, request):
        accesses = (
            access_log_visible_to(request.user)
            .select_related("actor", "resident")
            .defer(*(f"resident__{field}" for field in RESIDENT_SECRETS))
        )
        return ordered(self, request, accesses)


class PatrolFlagInline(admin.TabularInline):
    """The authenticity flags: written by the rules only (members.services.authenticity)."""

    model = PatrolFlag
    fields = ["kind", "reason", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # Whoever may see the patrol sees its flags (no role holds a grant of their own).
        return request.user.has_perm("members.view_patrollog")

    @admin.display(description=gettext_lazy("reason"))
    def reason(self, flag):
        return flag.reason


@admin.register(PatrolLog)
class PatrolLogAdmin(CspNonceWidgetMixin, LeafletGeoAdmin):
    list_display = ["member", "grid", "started_at", "ended_at", "assessed_at"]
    inlines = [PatrolFlagInline]
    readonly_fields = ["assessed_at"]
    list_select_related = ["member__user", "grid"]
    list_filter = ["started_at"]
    search_fields = ["grid__code", "grid__name", "member__user__username"]

    def get_queryset(self, request):
        patrols = (
            patrol_logs_visible_to(request.user)
            .select_related("member__user", "grid")
            .defer("grid__boundary")
        )
        return ordered(self, request, patrols)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "member":
            kwargs["queryset"] = grid_members_visible_to(request.user).select_related("user")
        elif db_field.name == "grid":
            kwargs["queryset"] = grids_visible_to(request.user).defer("boundary")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: the outbox's state, for finding what could not be delivered."""

    list_display = [
        "created_at",
        "recipient",
        "kind",
        "title",
        "email_status",
        "sms_status",
        "attempts",
        "read_at",
    ]
    list_filter = ["kind", "email_status", "sms_status"]
    list_select_related = ["recipient"]
    search_fields = ["title", "recipient__username"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_platform_admin(request.user):
            return queryset
        return queryset.filter(recipient=request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
