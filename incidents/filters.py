"""The case queue's GET filters: one FilterSet for the page and for its exports."""

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import Grid, Region
from grids.permissions import grids_visible_to, regions_visible_to
from incidents.models import Category, CategoryGroup, Incident, Level
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


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class DateInput(forms.DateInput):
    input_type = "date"


class IncidentQueueFilter(django_filters.FilterSet):
    """Every filter maps to an indexed column or a join on one (see Incident.Meta.indexes)."""

    SORT_DUE = "due"
    SORT_NEWEST = "newest"

    q = django_filters.CharFilter(
        label=_("Number, title or phone"), method="filter_search", max_length=100
    )
    open = django_filters.BooleanFilter(
        label=_("Open cases only"), method="filter_open", widget=forms.CheckboxInput
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Incident.Status.choices, empty_label=_("All statuses")
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Category"),
        queryset=Category.objects.only("pk", "name"),
        empty_label=_("All categories"),
    )
    category_group = django_filters.ModelChoiceFilter(
        label=_("Category group"),
        field_name="category__group",
        queryset=CategoryGroup.objects.only("pk", "name"),
        empty_label=_("All groups"),
    )
    village = django_filters.ModelChoiceFilter(
        label=_("Village or community"),
        field_name="grid__village",
        queryset=_villages,
        empty_label=_("All villages"),
    )
    grid = django_filters.ModelChoiceFilter(
        label=_("Grid"), queryset=_grids, empty_label=_("All grids")
    )
    level = django_filters.ChoiceFilter(
        label=_("Ladder level"), choices=Level.choices, empty_label=_("All levels")
    )
    source = django_filters.ChoiceFilter(
        label=_("Source"), choices=Incident.Source.choices, empty_label=_("All sources")
    )
    supervised = django_filters.BooleanFilter(
        label=_("Supervised"),
        field_name="is_supervised",
        widget=forms.Select(
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
    sort = django_filters.ChoiceFilter(
        label=_("Order"),
        choices=[(SORT_DUE, _("Due soonest (supervised first)")), (SORT_NEWEST, _("Newest"))],
        method="sort_by",
        empty_label=None,
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

    def sort_by(self, queryset, name, value):
        if value == self.SORT_NEWEST:
            return queryset.order_by("-created_at", "-pk")
        return queryset.order_by(
            "-is_supervised", F("deadline").asc(nulls_last=True), "-created_at", "-pk"
        )
