"""What every API endpoint shares: pagination, and domain errors turned into HTTP answers.

Services raise Django's ValidationError (bad input: 400), PermissionDenied (403) and
core.errors.ActionRefused (a step the record's state does not allow: 409); views let them
through and this handler answers with the service's own message, so no rule is repeated
in a serializer to produce a nicer error.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ActionRefused

NON_FIELD_KEY = "non_field_errors"


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def validation_error_body(error: DjangoValidationError) -> dict[str, list[str]]:
    """{"field": ["message", ...]} as DRF's own 400s, errors without a field under
    non_field_errors."""
    if hasattr(error, "error_dict"):
        return {
            (NON_FIELD_KEY if field == "__all__" else field): messages
            for field, messages in error.message_dict.items()
        }
    return {NON_FIELD_KEY: error.messages}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        return Response(validation_error_body(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ActionRefused):
        return Response({"detail": exc.message, "code": exc.code}, status=status.HTTP_409_CONFLICT)
    return drf_exception_handler(exc, context)


def requires(permission: str) -> type[BasePermission]:
    """A DRF permission class asking for a model permission, as the pages'
    ``permission_required`` does: the same roles get in through either door."""

    class Requires(BasePermission):
        def has_permission(self, request: Request, view: APIView) -> bool:
            return bool(request.user and request.user.has_perm(permission))

    Requires.__name__ = f"Requires_{permission.replace('.', '_')}"
    return Requires


ERROR_SCHEMA = {
    "type": "object",
    "description": (
        'Either {"detail": "...", "code": "..."} or, for bad input, {"field": ["message"]}.'
    ),
    "additionalProperties": True,
}
GENERIC_ERRORS = {
    "400": "Bad input: the reason, per field or under detail.",
    "401": "No valid credentials (session or token).",
    "403": "The caller's role may not use this operation.",
    "404": "Nothing the caller may see has this id, or no such page.",
}


def add_error_responses(
    result: dict[str, Any], generator: object, request: Request | None, public: bool
) -> dict[str, Any]:
    """drf-spectacular post-processing: the answers every operation may give besides its
    success (documented per operation where it says more), so that the schema is true for
    a generated client and for schemathesis."""
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            codes = ["401", "403"]
            parameters = {p.get("name") for p in operation.get("parameters", [])}
            if "{" in path or "page" in parameters:
                codes.append("404")
            if operation.get("parameters") or operation.get("requestBody"):
                codes.append("400")
            for code in codes:
                response = responses.setdefault(code, {"description": GENERIC_ERRORS[code]})
                response.setdefault("content", {"application/json": {"schema": ERROR_SCHEMA}})
    return result
