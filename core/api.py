"""What every API endpoint shares: pagination, and domain errors turned into HTTP answers.

Services raise Django's ValidationError (bad input: 400), PermissionDenied (403) and
core.errors.ActionRefused (a step the record's state does not allow: 409); views let them
through and this handler answers with the service's own message, so no rule is repeated
in a serializer to produce a nicer error.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination, PageNumberPagination, _positive_int
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from core import keyset
from core.errors import ActionRefused

NON_FIELD_KEY = "non_field_errors"


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class KeysetPagination(BasePagination):
    """Pages by signed cursor (core.keyset) for long lists: no ``count`` (counting a
    million rows on every page is what the keyset avoids), ``next`` and ``previous``
    links. The view names its ordering: ``keyset_ordering(request)``. A cursor that was
    changed or belongs to another sort is a 400."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        ordering = view.keyset_ordering(request)
        size = self.get_page_size(request)
        try:
            self.page = keyset.paginate(
                queryset,
                ordering,
                cursor=request.query_params.get(self.cursor_query_param),
                size=size,
            )
        except keyset.InvalidCursor as error:
            message = _("This cursor is not valid.")
            raise ValidationError({self.cursor_query_param: [message]}) from error
        self.request = request
        return self.page.object_list

    def get_page_size(self, request: Request) -> int:
        try:
            return _positive_int(
                request.query_params[self.page_size_query_param],
                strict=True,
                cutoff=self.max_page_size,
            )
        except (KeyError, ValueError):
            return self.page_size

    def _link(self, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_paginated_response(self, data: Any) -> Response:
        previous = self._link(self.page.previous_cursor)
        if previous is None and self.page.has_previous:
            previous = remove_query_param(
                self.request.build_absolute_uri(), self.cursor_query_param
            )
        return Response(
            {"next": self._link(self.page.next_cursor), "previous": previous, "results": data}
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view: APIView) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The page's cursor: from the next or previous link of an answer.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Cases per page (at most {self.max_page_size}).",
                "schema": {"type": "integer"},
            },
        ]


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
