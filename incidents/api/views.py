"""Cases over HTTP: the queue's filters, the case, its history, its photos, and each step
of the loop as an action taking the same step function as the case page
(incidents.services.steps).

Each step follows the case page's (incidents.views.staff.action): the funnel (404 for a
case the caller cannot see), the action's permission (403), the input (400), then the
step, whose refusals come back as 400 (bad input) or 409 (the case's state does not
allow it).
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.api import KeysetPagination, requires
from core.keyset import Ordering
from grids.models import Grid
from incidents import permissions, selectors
from incidents.api import serializers as s
from incidents.filters import IncidentQueueFilter
from incidents.models import Attachment, Category, Department, Incident, ReasonCode
from incidents.services.attachments import attachment_add
from incidents.services.public import incident_public_timeline
from incidents.services.reporting import incident_report
from incidents.services.steps import STEPS
from members.actors import Actor


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The active categories: the kinds of case anyone may report."""

    serializer_class = s.CategorySerializer
    queryset = Category.objects.filter(is_active=True).select_related("group")
    pagination_class = None


class ReasonCodeViewSet(viewsets.ReadOnlyModelViewSet):
    """The reasons a town gives for rejecting, reworking, returning, extending, suspending
    and reopening (edited in the admin)."""

    serializer_class = s.ReasonCodeSerializer
    queryset = ReasonCode.objects.filter(is_active=True)
    filterset_fields = ["kind"]
    pagination_class = None


class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.DepartmentSerializer
    permission_classes = [requires("incidents.view_department")]
    queryset = Department.objects.none()
    filterset_fields = ["region"]

    def get_queryset(self):
        return permissions.departments_visible_to(self.request.user)


ERRORS = {
    400: OpenApiResponse(description="Bad input, with the reason per field."),
    403: OpenApiResponse(description="The caller may not take this step on this case."),
    404: OpenApiResponse(description="No case the caller can see has this id."),
    409: OpenApiResponse(description="The case's state does not allow this step."),
}


# action → its input. The step itself is the case page's (incidents.services.steps.STEPS).
INPUTS = {
    "accept": s.AcceptSerializer,
    "reject": s.RejectSerializer,
    "dispatch": s.DispatchSerializer,
    "start": s.NoteSerializer,
    "handle": s.HandleSerializer,
    "verify": s.VerifySerializer,
    "escalate": s.ReasonSerializer,
    "supervise": s.SuperviseSerializer,
    "merge": s.MergeSerializer,
    "evaluate": s.EvaluateSerializer,
    "return": s.ReturnSerializer,
    "assist_report": s.NoteSerializer,
    "extend": s.ExtendSerializer,
    "extend_decide": s.ExtendDecideSerializer,
    "arbitrate": s.ArbitrateSerializer,
    "suspend": s.SuspendSerializer,
    "resume": s.NoteSerializer,
    "reopen": s.ReopenSerializer,
}


def _may_take(user: Actor, incident: Incident, step: str) -> bool:
    if step == "evaluate":
        return permissions.can_evaluate(user, incident)
    return selectors.incident_action_permitted(user, incident, step)


def _step_view(step: str, method_name: str | None = None):
    input_serializer = INPUTS[step]

    def view(self, request, pk=None, format=None):
        incident = self.case(pk)
        if not _may_take(request.user, incident, step):
            raise PermissionDenied
        incoming = input_serializer(
            data=request.data, context={"incident": incident, "user": request.user}
        )
        incoming.is_valid(raise_exception=True)
        STEPS[step](request.user, incident, incoming.validated_data)
        try:
            return Response(self.detail_data(self.case(pk)))
        except Http404:
            # The step took the case out of the caller's sight (a department returned it).
            return Response(status=status.HTTP_204_NO_CONTENT)

    # DRF routes by the method's name: "dispatch" would shadow APIView.dispatch.
    view.__name__ = method_name or step
    routed = action(
        detail=True, methods=["post"], url_path=step, url_name=step, filter_backends=[]
    )(view)
    return extend_schema(
        request=input_serializer,
        responses={
            200: s.CaseDetailSerializer,
            204: OpenApiResponse(description="Done; the caller no longer sees the case."),
            **ERRORS,
        },
        summary=f"Case step: {step}",
    )(routed)


@extend_schema_view(
    list=extend_schema(summary="The cases the caller sees, with the queue's filters"),
    retrieve=extend_schema(responses={200: s.CaseDetailSerializer, 404: ERRORS[404]}),
    create=extend_schema(
        request=s.CaseReportSerializer,
        responses={
            201: s.CaseDetailSerializer,
            200: OpenApiResponse(
                s.CaseDetailSerializer, description="The case this client_key filed before."
            ),
            400: ERRORS[400],
            403: OpenApiResponse(description="The caller may not report in this grid."),
        },
        summary="Report a case (as the web forms do)",
    ),
)
class CaseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.CaseListSerializer
    filterset_class = IncidentQueueFilter
    pagination_class = KeysetPagination
    queryset = Incident.objects.none()

    def keyset_ordering(self, request) -> Ordering:
        """The queue's sort (an unknown one is refused by the filter before this)."""
        sort = request.query_params.get("sort") or selectors.QUEUE_DEFAULT_ORDER
        return selectors.QUEUE_ORDERINGS.get(
            sort, selectors.QUEUE_ORDERINGS[selectors.QUEUE_DEFAULT_ORDER]
        )

    def get_queryset(self):
        return selectors.incident_queue(self.request.user, timezone.now())

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def case(self, pk) -> Incident:
        """The funnel, with the labels the detail shows (as the case page)."""
        return get_object_or_404(
            selectors.incidents_for_case_page(self.request.user), pk=_as_id(pk)
        )

    def detail_data(self, incident: Incident) -> dict:
        incident.available_actions = selectors.incident_available_actions(
            self.request.user, incident
        )
        return s.CaseDetailSerializer(incident, context=self.get_serializer_context()).data

    def retrieve(self, request, pk=None, format=None):
        return Response(self.detail_data(self.case(pk)))

    def create(self, request):
        incoming = s.CaseReportSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        data["grid"] = _grid_or_400(data["grid"])
        started = timezone.now()
        incident = incident_report(actor=request.user, **data)
        created = incident.created_at >= started
        return Response(
            self.detail_data(self.case(incident.pk)),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        responses={200: s.EventSerializer(many=True), 403: ERRORS[403], 404: ERRORS[404]}
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def timeline(self, request, pk=None, format=None):
        """Every step with who took it and the notes: for staff (view_incidentevent)."""
        incident = self.case(pk)
        if not request.user.has_perm("incidents.view_incidentevent"):
            raise PermissionDenied
        events = incident.events.select_related("actor").order_by("created_at", "pk")
        return Response(s.EventSerializer(events, many=True).data)

    @extend_schema(responses={200: s.PublicTimelineStepSerializer(many=True), 404: ERRORS[404]})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def progress(self, request, pk=None, format=None):
        """The steps in plain words, without names or notes: what a reporter may see."""
        incident = self.case(pk)
        steps = incident_public_timeline(incident)
        return Response(s.PublicTimelineStepSerializer(steps, many=True).data)

    accept = _step_view("accept")
    reject = _step_view("reject")
    dispatch_case = _step_view("dispatch", "dispatch_case")
    start = _step_view("start")
    handle = _step_view("handle")
    verify = _step_view("verify")
    escalate = _step_view("escalate")
    supervise = _step_view("supervise")
    merge = _step_view("merge")
    evaluate = _step_view("evaluate")
    return_case = _step_view("return", "return_case")
    assist_report = _step_view("assist_report")
    extend = _step_view("extend")
    extend_decide = _step_view("extend_decide")
    arbitrate = _step_view("arbitrate")
    suspend = _step_view("suspend")
    resume = _step_view("resume")
    reopen = _step_view("reopen")


def _as_id(pk) -> int:
    try:
        value = int(pk)
    except (TypeError, ValueError) as error:
        raise Http404 from error
    if not 0 < value < 2**63:
        raise Http404
    return value


def _grid_or_400(grid_id: int | None) -> Grid | None:
    if grid_id is None:
        return None
    grid = Grid.objects.select_related("village__parent").filter(pk=grid_id).first()
    if grid is None:
        raise ValidationError({"grid": [_("No such grid.")]})
    return grid


@extend_schema_view(
    list=extend_schema(responses={200: s.AttachmentSerializer(many=True), 404: ERRORS[404]}),
    create=extend_schema(
        request={"multipart/form-data": s.AttachmentUploadSerializer},
        responses={
            201: s.AttachmentSerializer,
            400: ERRORS[400],
            403: ERRORS[403],
            404: ERRORS[404],
        },
        summary="Add a photo (reporter, handler or verifier)",
    ),
)
class CaseAttachmentViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Photos of one case; the files are served only to those who can see the case."""

    serializer_class = s.AttachmentSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    pagination_class = None
    queryset = Attachment.objects.none()

    def incident(self) -> Incident:
        return get_object_or_404(
            permissions.incidents_visible_to(self.request.user).select_related("grid"),
            pk=_as_id(self.kwargs["case_pk"]),
        )

    def get_queryset(self):
        return Attachment.objects.filter(incident=self.incident()).order_by("created_at", "pk")

    def create(self, request, case_pk=None, format=None):
        incident = self.incident()
        incoming = s.AttachmentUploadSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        with transaction.atomic():
            attachment = attachment_add(
                actor=request.user,
                incident=incident,
                upload=incoming.validated_data["image"],
                kind=incoming.validated_data["kind"],
            )
        return Response(s.AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={(200, "image/jpeg"): OpenApiTypes.BINARY, 404: ERRORS[404]},
        summary="The photo itself (JPEG)",
    )
    @action(detail=True, methods=["get"])
    def image(self, request, case_pk=None, pk=None, format=None):
        attachment = get_object_or_404(self.get_queryset(), pk=_as_id(pk))
        try:
            image = attachment.image.open("rb")
        except (FileNotFoundError, ValueError) as error:
            raise Http404 from error
        response = FileResponse(image, content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
        return response
