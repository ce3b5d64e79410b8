"""The case queue's GET filters: one FilterSet for the page and for its exports."""

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core.keyset import Ordering
from core.widgets import PlainSelect
from grids.models import Grid, Region
from grids.permissions import grids_visible_to, regions_visible_to
from incidents.models import Category, CategoryGroup, Department, Incident, IncidentEvent, Level
from incidents.permissions import departments_visible_to
from incidents.selectors import QUEUE_DEFAULT_ORDER, QUEUE_ORDERINGS
from members.personal_data import lookup_hash, normalise_phone


def _villages(request):
    if request is None:
        return Region.objects.none()
    return (
        regions_visible_to(request.user)
        .filter(level=Region.Level.VILLAGE)
        .only("pk", "name", "path")
        .order_by("path")
    )


def _grids(request):
    if request is None:
        return Grid.objects.none()
    return grids_visible_to(request.user).only("pk", "name", "code").order_by("code")


def _regions(request):
    """The towns, counties and cities in sight: the units of the county's cockpit."""
    if request is None:
        return Region.objects.none()
    return (
        regions_visible_to(request.user)
        .filter(level__lt=Region.Level.VILLAGE)
        .only("pk", "name", "path", "level")
        .order_by("path")
    )


def _departments(request):
    if request is None:
        return Department.objects.none()
    return departments_visible_to(request.user).order_by("region__path", "name")


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@extend_schema_field(OpenApiTypes.INT)
class RegionFilter(django_filters.ModelChoiceFilter):
    """A town or county by id (the schema cannot guess it: the filter is a method)."""


class DateInput(forms.DateInput):
    input_type = "date"


class IncidentQueueFilter(django_filters.FilterSet):
    """Every filter maps to an indexed column or a join on one (see Incident.Meta.indexes)."""

    SORT_DUE = "due"
    SORT_NEWEST = "newest"
    # The outcomes that the dashboard's figures count (dashboard.selectors, dashboard.kpis):
    # a drill-down from a figure adds one of them to the period it counts over.
    OUTCOME_CLOSED = "closed"
    OUTCOME_ON_TIME = "on_time"
    OUTCOME_REWORKED = "reworked"
    OUTCOME_EXTENDED = "extended"
    OUTCOME_ESCALATED = "escalated"
    OUTCOME_RATED = "rated"
    OUTCOME_SATISFIED = "satisfied"
    BREACHES = (IncidentEvent.Action.AUTO_ESCALATE, IncidentEvent.Action.STALL)
    SATISFIED = (Incident.Satisfaction.SATISFIED, Incident.Satisfaction.BASICALLY_SATISFIED)

    q = django_filters.CharFilter(
        label=_("Number, title or phone"), method="filter_search", max_length=100
    )
    open = django_filters.BooleanFilter(
        label=_("Open cases only"), method="filter_open", widget=forms.CheckboxInput
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=Incident.Status.choices,
        empty_label=_("All statuses"),
        widget=PlainSelect,
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Category"),
        queryset=Category.objects.only("pk", "name"),
        empty_label=_("All categories"),
        widget=PlainSelect,
    )
    category_group = django_filters.ModelChoiceFilter(
        label=_("Category group"),
        field_name="category__group",
        queryset=CategoryGroup.objects.only("pk", "name"),
        empty_label=_("All groups"),
        widget=PlainSelect,
    )
    village = django_filters.ModelChoiceFilter(
        label=_("Village or community"),
        field_name="grid__village",
        queryset=_villages,
        empty_label=_("All villages"),
        widget=PlainSelect,
    )
    grid = django_filters.ModelChoiceFilter(
        label=_("Grid"), queryset=_grids, empty_label=_("All grids"), widget=PlainSelect
    )
    region = RegionFilter(
        label=_("Town or county"),
        queryset=_regions,
        method="filter_region",
        empty_label=_("All towns"),
        widget=PlainSelect,
    )
    # Not "department": the bulk form of the queue page has a field of that name.
    assigned_department = django_filters.ModelChoiceFilter(
        label=_("Assigned department"),
        field_name="assignee_department",
        queryset=_departments,
        empty_label=_("All departments"),
        widget=PlainSelect,
    )
    level = django_filters.ChoiceFilter(
        label=_("Ladder level"),
        choices=Level.choices,
        empty_label=_("All levels"),
        widget=PlainSelect,
    )
    source = django_filters.ChoiceFilter(
        label=_("Source"),
        choices=Incident.Source.choices,
        empty_label=_("All sources"),
        widget=PlainSelect,
    )
    supervised = django_filters.BooleanFilter(
        label=_("Supervised"),
        field_name="is_supervised",
        widget=PlainSelect(
            choices=[("", _("Either")), ("true", _("Supervised")), ("false", _("Not supervised"))]
        ),
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue now"), method="filter_overdue", widget=forms.CheckboxInput
    )
    created_from = django_filters.DateFilter(
        label=_("Reported from"), method="filter_created_from", widget=DateInput
    )
    created_to = django_filters.DateFilter(
        label=_("Reported until"), method="filter_created_to", widget=DateInput
    )
    closed_from = django_filters.DateFilter(
        label=_("Closed from"), method="filter_closed_from", widget=DateInput
    )
    closed_to = django_filters.DateFilter(
        label=_("Closed until"), method="filter_closed_to", widget=DateInput
    )
    accepted_from = django_filters.DateFilter(
        label=_("Registered from"), method="filter_accepted_from", widget=DateInput
    )
    accepted_to = django_filters.DateFilter(
        label=_("Registered until"), method="filter_accepted_to", widget=DateInput
    )
    outcome = django_filters.ChoiceFilter(
        label=_("Outcome"),
        choices=[
            (OUTCOME_CLOSED, _("Closed")),
            (OUTCOME_ON_TIME, _("Closed on time")),
            (OUTCOME_REWORKED, _("Sent back for rework")),
            (OUTCOME_EXTENDED, _("With an approved extension")),
            (OUTCOME_ESCALATED, _("Escalated")),
            (OUTCOME_RATED, _("Rated")),
            (OUTCOME_SATISFIED, _("Rated satisfied")),
        ],
        method="filter_outcome",
        empty_label=_("Any outcome"),
        widget=PlainSelect,
    )
    sort = django_filters.ChoiceFilter(
        label=_("Order"),
        choices=[(SORT_DUE, _("Due soonest (supervised first)")), (SORT_NEWEST, _("Newest"))],
        method="sort_by",
        empty_label=None,
        widget=PlainSelect,
    )

    class Meta:
        model = Incident
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        """A case number, a phone (matched on its lookup hash) or words of the title."""
        text = value.strip()
        if not text:
            return queryset
        try:
            phone_hash = lookup_hash(normalise_phone(text))
        except ValidationError:
            phone_hash = None
        match = Q(code__iexact=text) | Q(title__icontains=text)
        if phone_hash:
            match |= Q(reporter_phone_hash=phone_hash)
        return queryset.filter(match)

    def filter_open(self, queryset, name, value):
        return queryset.open() if value else queryset

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.open().filter(deadline__lt=timezone.now())

    def filter_created_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=_local_midnight(value))

    def filter_created_to(self, queryset, name, value):
        if value == datetime.date.max:  # no next day to stop before: nothing to filter
            return queryset
        next_day = value + datetime.timedelta(days=1)
        return queryset.filter(created_at__lt=_local_midnight(next_day))

    def filter_region(self, queryset, name, value):
        return queryset.filter(grid__village__path__startswith=value.path)

    def filter_closed_from(self, queryset, name, value):
        return queryset.filter(
            status__in=sorted(Incident.CLOSED_STATUSES), closed_at__gte=_local_midnight(value)
        )

    def filter_closed_to(self, queryset, name, value):
        queryset = queryset.filter(status__in=sorted(Incident.CLOSED_STATUSES))
        if value == datetime.date.max:
            return queryset
        return queryset.filter(closed_at__lt=_local_midnight(value + datetime.timedelta(days=1)))

    def _accepted(self, **dates) -> Exists:
        return Exists(
            IncidentEvent.objects.filter(
                incident=OuterRef("pk"), action=IncidentEvent.Action.ACCEPT, **dates
            )
        )

    def filter_accepted_from(self, queryset, name, value):
        """立案 in the period: an acceptance event on or after the day (and, with
        ``accepted_to``, one event within both bounds: the two are read together)."""
        to = self.form.cleaned_data.get("accepted_to")
        dates = {"created_at__gte": _local_midnight(value)}
        if to is not None and to != datetime.date.max:
            dates["created_at__lt"] = _local_midnight(to + datetime.timedelta(days=1))
        return queryset.filter(self._accepted(**dates))

    def filter_accepted_to(self, queryset, name, value):
        if self.form.cleaned_data.get("accepted_from") is not None:
            return queryset  # read with accepted_from, as one event within both bounds
        if value == datetime.date.max:
            return queryset.filter(self._accepted())
        next_day = _local_midnight(value + datetime.timedelta(days=1))
        return queryset.filter(self._accepted(created_at__lt=next_day))

    def filter_outcome(self, queryset, name, value):
        def has(*actions: str) -> Exists:
            return Exists(
                IncidentEvent.objects.filter(incident=OuterRef("pk"), action__in=actions)
            )

        closed = Q(status__in=sorted(Incident.CLOSED_STATUSES))
        conditions = {
            self.OUTCOME_CLOSED: closed,
            self.OUTCOME_ON_TIME: closed & ~Q(has(*self.BREACHES)),
            self.OUTCOME_REWORKED: Q(has(IncidentEvent.Action.REWORK)),
            self.OUTCOME_EXTENDED: Q(has(IncidentEvent.Action.EXTEND_APPROVE)),
            self.OUTCOME_ESCALATED: Q(escalation_count__gt=0),
            self.OUTCOME_RATED: ~Q(satisfaction=""),
            self.OUTCOME_SATISFIED: Q(satisfaction__in=self.SATISFIED),
        }
        return queryset.filter(conditions[value])

    def sort_by(self, queryset, name, value):
        return queryset.order_by(*self.ordering().order_by())

    def statuses(self) -> frozenset[str] | None:
        """The statuses a case can have and pass the filter (None: any), for the bounded
        counts per status (incidents.selectors.incident_status_counts)."""
        if not (self.form.is_bound and self.is_valid()):
            return None
        data = self.form.cleaned_data
        allowed = frozenset(Incident.Status.values)
        if data.get("status"):
            allowed &= {data["status"]}
        if data.get("open") or data.get("overdue"):
            allowed &= Incident.OPEN_STATUSES
        closed = data.get("outcome") in (self.OUTCOME_CLOSED, self.OUTCOME_ON_TIME)
        if closed or data.get("closed_from") or data.get("closed_to"):
            allowed &= Incident.CLOSED_STATUSES
        return allowed

    def ordering(self) -> Ordering:
        """The keyset ordering of the chosen sort (the pages' cursors follow it)."""
        data = self.form.cleaned_data if self.form.is_bound and self.is_valid() else {}
        return QUEUE_ORDERINGS.get(data.get("sort") or "", QUEUE_ORDERINGS[QUEUE_DEFAULT_ORDER])
