"""Members, assignments, the household register, patrols and the inbox: read through the
funnels of members.permissions; the reveal and marking read through their services."""

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.api import requires
from grids.permissions import grids_visible_to
from members import selectors, services
from members.api.serializers import (
    GridAssignmentSerializer,
    GridMemberSerializer,
    HouseholdSerializer,
    MarkedReadSerializer,
    NotificationSerializer,
    PatrolLogSerializer,
    PatrolNoteSerializer,
    PatrolPointsSerializer,
    PatrolStartSerializer,
    PatrolStopSerializer,
    ResidentSerializer,
    RevealRequestSerializer,
    RevealResponseSerializer,
)
from members.models import (
    GridAssignment,
    GridMember,
    Household,
    Notification,
    PatrolLog,
    Resident,
)
from members.notifications import notifications_mark_read
from members.permissions import (
    grid_members_visible_to,
    households_visible_to,
    patrol_logs_visible_to,
    residents_visible_to,
)
from members.services import patrols

# Lists never load ciphertexts nor polygons (as members.views).
RESIDENT_DEFERRED = ("id_number_encrypted", "phone_encrypted")


class GridMemberViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = GridMemberSerializer
    permission_classes = [requires("members.view_gridmember")]
    queryset = GridMember.objects.none()

    def get_queryset(self):
        return grid_members_visible_to(self.request.user).select_related("user")


class GridAssignmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Assignments of the members the caller may see."""

    serializer_class = GridAssignmentSerializer
    permission_classes = [requires("members.view_gridassignment")]
    filterset_fields = ["grid", "member"]
    queryset = GridAssignment.objects.none()

    def get_queryset(self):
        return (
            GridAssignment.objects.filter(member__in=grid_members_visible_to(self.request.user))
            .select_related("grid", "member__user")
            .only("is_leader", "starts_on", "ends_on", "grid__code", "member__user__username")
        )


class HouseholdViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = HouseholdSerializer
    permission_classes = [requires("members.view_household")]
    filterset_fields = ["grid"]
    queryset = Household.objects.none()

    def get_queryset(self):
        return (
            households_visible_to(self.request.user)
            .select_related("grid")
            .only("code", "address", "updated_at", "grid__code")
        )


class ResidentFilter(django_filters.FilterSet):
    grid = django_filters.NumberFilter(field_name="household__grid")

    class Meta:
        model = Resident
        fields = ["household"]


class ResidentViewSet(viewsets.ReadOnlyModelViewSet):
    """The register with masked ID numbers and phones; one value at a time through
    ``reveal``, which records who looked, when and why (as the page's reveal)."""

    serializer_class = ResidentSerializer
    permission_classes = [requires("members.view_resident")]
    filterset_class = ResidentFilter
    queryset = Resident.objects.none()

    def get_queryset(self):
        return (
            residents_visible_to(self.request.user)
            .select_related("household")
            .defer(*RESIDENT_DEFERRED)
            .prefetch_related("tags")
        )

    @extend_schema(
        request=RevealRequestSerializer,
        responses={200: RevealResponseSerializer},
        summary="Reveal one unmasked value (recorded in the access log)",
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None, format=None):
        resident = self.get_object()
        incoming = RevealRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        field = incoming.validated_data["field"]
        value = services.resident_reveal(
            actor=request.user,
            resident=resident,
            field=field,
            reason=incoming.validated_data["reason"],
            ip_address=request.META.get("REMOTE_ADDR") or None,
        )
        return Response({"field": field, "value": value})


@extend_schema_view(
    create=extend_schema(
        request=PatrolStartSerializer,
        responses={
            201: PatrolLogSerializer,
            200: OpenApiResponse(PatrolLogSerializer, description="Started before (same key)."),
        },
        summary="Start a patrol of one of the caller's grids",
    )
)
class PatrolLogViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Patrols the caller may see; grid members start, trace, note and stop their own
    through members.services.patrols (each step safe to resend)."""

    serializer_class = PatrolLogSerializer
    permission_classes = [requires("members.view_patrollog")]
    filterset_fields = ["grid", "member"]
    queryset = PatrolLog.objects.none()

    def get_queryset(self):
        return (
            patrol_logs_visible_to(self.request.user)
            .select_related("grid", "member__user")
            .defer("grid__boundary")
        )

    def create(self, request):
        incoming = PatrolStartSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        grid = grids_visible_to(request.user).filter(pk=data["grid"]).first()
        if grid is None:
            raise ValidationError({"grid": [_("No such grid.")]})
        key = data["client_key"]
        resent = key is not None and PatrolLog.objects.filter(client_key=key).exists()
        patrol = patrols.patrol_start(
            actor=request.user,
            grid=grid,
            client_key=key,
            notes=data["notes"],
            started_at=data["started_at"],
        )
        return Response(
            PatrolLogSerializer(patrol).data,
            status=status.HTTP_200_OK if resent else status.HTTP_201_CREATED,
        )

    def _step(self, request, incoming_class, service) -> Response:
        """A step on a running patrol: its input, then the service, then the patrol."""
        incoming = incoming_class(data=request.data)
        incoming.is_valid(raise_exception=True)
        patrol = service(actor=request.user, patrol=self.get_object(), **incoming.validated_data)
        return Response(PatrolLogSerializer(patrol).data)

    @extend_schema(request=PatrolPointsSerializer, responses={200: PatrolLogSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def points(self, request, pk=None, format=None):
        return self._step(request, PatrolPointsSerializer, patrols.patrol_add_points)

    @extend_schema(request=PatrolNoteSerializer, responses={200: PatrolLogSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def note(self, request, pk=None, format=None):
        return self._step(request, PatrolNoteSerializer, patrols.patrol_note)

    @extend_schema(request=PatrolStopSerializer, responses={200: PatrolLogSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def stop(self, request, pk=None, format=None):
        return self._step(request, PatrolStopSerializer, patrols.patrol_stop)


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull")

    class Meta:
        model = Notification
        fields: list[str] = []


class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The caller's own inbox, newest first."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    queryset = Notification.objects.none()

    def get_queryset(self):
        return selectors.notifications_for(self.request.user)

    @extend_schema(request=None, responses={200: MarkedReadSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None, format=None):
        notification = self.get_object()
        marked = notifications_mark_read(user=request.user, ids=[notification.pk])
        return Response({"marked": marked}, status=status.HTTP_200_OK)

    @extend_schema(request=None, responses={200: MarkedReadSerializer})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": notifications_mark_read(user=request.user)})
