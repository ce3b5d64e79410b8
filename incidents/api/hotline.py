"""The 12345 bridge's intake: the hotline's system posts its work orders (工单) here, with
the token of an account of the hotline operator role (README, "The 12345 bridge")."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents import permissions
from incidents.api import serializers as s
from incidents.models import Incident
from incidents.services.hotline import hotline_order_file


def _answer(order_id: str, incident: Incident, created: bool) -> Response:
    body = {
        "order_id": order_id,
        "case_id": incident.pk,
        "case_code": incident.code,
        "status": incident.status,
        "created": created,
    }
    return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class HotlineOrderView(APIView):
    @extend_schema(
        request=s.HotlineOrderSerializer,
        responses={
            201: s.HotlineOrderAnswerSerializer,
            200: OpenApiResponse(
                s.HotlineOrderAnswerSerializer, description="Filed before: the same case."
            ),
            400: OpenApiResponse(description="Bad input, with the reason per field."),
            403: OpenApiResponse(description="The account is not a hotline operator."),
        },
        summary="File a hotline work order as a case (idempotent on order_id)",
    )
    def post(self, request: Request) -> Response:
        if not permissions.can_take_hotline_calls(request.user):
            raise PermissionDenied
        incoming = s.HotlineOrderSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        incident, created = hotline_order_file(actor=request.user, **data)
        return _answer(data["order_id"], incident, created)
