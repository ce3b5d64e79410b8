"""Surveys through surveys.permissions: managers read the surveys of their jurisdiction and
the responses they may see (results_scope, as the results page); grid members and
residents read and answer the surveys meant for them through response_submit."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response as ApiResponse

from core.api import Pagination
from surveys.api import serializers as s
from surveys.models import Answer, Question, Response, Survey
from surveys.permissions import (
    answerer_grid,
    answering_role,
    is_survey_manager,
    results_scope,
    surveys_visible_to,
)
from surveys.respondents import respondent_key
from surveys.selectors import surveys_open_for_member
from surveys.services import response_submit


class SurveyViewSet(viewsets.ReadOnlyModelViewSet):
    """Managers list the surveys of their jurisdiction; grid members the open surveys
    meant for them. Any survey the caller may read or answer opens by id."""

    serializer_class = s.SurveySerializer
    queryset = Survey.objects.none()

    def get_queryset(self):
        user = self.request.user
        if is_survey_manager(user):
            return surveys_visible_to(user).select_related("region")
        ids = [survey.pk for survey in surveys_open_for_member(user)]
        return Survey.objects.filter(pk__in=ids).select_related("region")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def survey(self, pk) -> Survey:
        """Readable by its managers, or answerable by the caller; otherwise 404."""
        user = self.request.user
        try:
            survey = Survey.objects.select_related("region").get(pk=int(pk))
        except (Survey.DoesNotExist, ValueError, TypeError, OverflowError) as error:
            raise Http404 from error
        readable = surveys_visible_to(user).filter(pk=survey.pk).exists()
        if not readable and answering_role(user, survey) is None:
            raise Http404
        return survey

    @extend_schema(responses={200: s.SurveyDetailSerializer})
    def retrieve(self, request, pk=None, format=None):
        survey = self.survey(pk)
        questions = Question.objects.prefetch_related("choices").order_by("order", "pk")
        prefetch_related_objects([survey], Prefetch("questions", queryset=questions))
        return ApiResponse(
            s.SurveyDetailSerializer(survey, context=self.get_serializer_context()).data
        )

    @extend_schema(methods=["get"], responses={200: s.ResponseSerializer(many=True)})
    @extend_schema(
        methods=["post"],
        request=s.ResponseSubmitSerializer,
        responses={
            201: s.ResponseSerializer,
            409: OpenApiResponse(description="Closed, not open yet, or already answered."),
        },
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def responses(self, request, pk=None, format=None):
        survey = self.survey(pk)
        if request.method == "POST":
            return self._submit(request, survey)
        scope = results_scope(request.user, survey)
        if scope is None:
            raise Http404
        answers = Prefetch("answers", queryset=Answer.objects.order_by("question__order", "pk"))
        rows = (
            Response.objects.filter(scope.responses(), survey=survey)
            .prefetch_related(answers)
            .order_by("submitted_at", "pk")
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(s.ResponseSerializer(page, many=True).data)

    def _submit(self, request, survey: Survey):
        role = answering_role(request.user, survey)
        if role is None:
            raise Http404
        incoming = s.ResponseSubmitSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            response = response_submit(
                survey=survey,
                raw=incoming.validated_data["answers"],
                role=role,
                key=respondent_key(survey=survey, user=request.user),
                respondent=request.user,
                grid=answerer_grid(request.user, survey, role),
            )
        except DjangoValidationError as error:
            if hasattr(error, "error_dict"):
                raise
            return ApiResponse(
                {"detail": " ".join(error.messages), "code": error.code or "refused"},
                status=status.HTTP_409_CONFLICT,
            )
        return ApiResponse(s.ResponseSerializer(response).data, status=status.HTTP_201_CREATED)
