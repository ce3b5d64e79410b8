"""Staff pages: the list, the builder, distribution (links and QR codes), results, exports.

Every view: parse → permission funnel (surveys.permissions) → service or selector → render.
A survey the user may not open answers 404; one they may open but not edit answers 403.
"""

import io

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.replica import lagging_reads
from grids.models import Grid
from grids.permissions import regions_visible_to
from surveys import exports, selectors, services
from surveys.forms import CopyForm, QuestionForm, SurveyForm
from surveys.models import Question, Survey
from surveys.permissions import (
    ResultsScope,
    can_create_in,
    can_edit,
    is_survey_manager,
    results_scope,
    survey_get_for_user,
    surveys_visible_to,
)

GRID_LINKS_LIMIT = 500


def _manager_required(request) -> None:
    if not is_survey_manager(request.user):
        raise PermissionDenied


def _editable(request, pk) -> Survey:
    survey = survey_get_for_user(request.user, pk)
    if not can_edit(request.user, survey):
        raise PermissionDenied
    return survey


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for key, messages_ in error.message_dict.items():
            form.add_error(key if key in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


@require_GET
@login_required
def survey_list(request):
    _manager_required(request)
    surveys = list(
        surveys_visible_to(request.user)
        .select_related("region")
        .annotate(response_count=Count("responses"))
        .order_by("-is_template", "-created_at", "-pk")
    )
    return render(
        request,
        "surveys/list.html",
        {
            "templates": [survey for survey in surveys if survey.is_template],
            "surveys": [survey for survey in surveys if not survey.is_template],
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def survey_create(request):
    _manager_required(request)
    regions = regions_visible_to(request.user)
    form = SurveyForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        if not can_create_in(request.user, form.cleaned_data["region"]):
            raise PermissionDenied
        try:
            survey = services.survey_create(data=form.data_object(), actor=request.user)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Survey created. Now add its questions."))
            return redirect(survey)
    status = 400 if form.is_bound else 200
    return render(request, "surveys/survey_form.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def survey_edit(request, pk):
    survey = _editable(request, pk)
    if survey.is_template:
        return redirect("admin:surveys_survey_change", survey.pk)
    regions = regions_visible_to(request.user)
    form = SurveyForm(
        request.POST or None, regions=regions, initial=SurveyForm.initial_from(survey)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_update(survey=survey, data=form.data_object())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Survey saved."))
            return redirect(survey)
    status = 400 if form.is_bound else 200
    context = {"form": form, "survey": survey}
    return render(request, "surveys/survey_form.html", context, status=status)


def _grid_links(request, survey: Survey) -> list[dict]:
    if survey.region_id is None:
        return []
    grids = (
        Grid.objects.active()
        .within(survey.region)
        .values("code", "name", "village__name")
        .order_by("code")[:GRID_LINKS_LIMIT]
    )
    return [
        {
            **grid,
            "url": request.build_absolute_uri(
                reverse("survey_public:answer_grid", args=[survey.token, grid["code"]])
            ),
        }
        for grid in grids
    ]


@require_GET
@login_required
def survey_detail(request, pk):
    survey = survey_get_for_user(request.user, pk)
    editable = can_edit(request.user, survey)
    response_count = survey.responses.count()
    context = {
        "survey": survey,
        "state": survey.state(),
        "questions": selectors.survey_questions(survey),
        "editable": editable,
        "response_count": response_count,
        "has_results": results_scope(request.user, survey) is not None,
        "link": request.build_absolute_uri(reverse("survey_public:answer", args=[survey.token])),
        "grid_links": _grid_links(request, survey) if editable else [],
        "copy_form": CopyForm(
            regions=regions_visible_to(request.user),
            initial={"region": survey.region or request.user.jurisdiction},
        ),
    }
    return render(request, "surveys/detail.html", context)


@require_POST
@login_required
def survey_copy(request, pk):
    survey = survey_get_for_user(request.user, pk)
    form = CopyForm(request.POST, regions=regions_visible_to(request.user))
    if not form.is_valid():
        messages.error(request, _("Choose the jurisdiction the copy covers."))
        return redirect(survey)
    if not can_create_in(request.user, form.cleaned_data["region"]):
        raise PermissionDenied
    copy = services.survey_copy(
        survey=survey, actor=request.user, region=form.cleaned_data["region"]
    )
    messages.success(
        request,
        _("Copied as round %(round)d, a draft: set its opening time to open it.")
        % {"round": copy.round_number},
    )
    return redirect(copy)


def _question_page(request, survey: Survey, question: Question | None):
    initial = QuestionForm.initial_from(question) if question else {"is_required": True}
    form = QuestionForm(request.POST or None, survey=survey, question=question, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_save(survey=survey, question=question, data=form.data_object())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Question saved."))
            return redirect(survey)
    context = {
        "form": form,
        "survey": survey,
        "question": question,
        "locked": survey.responses.exists(),
    }
    return render(
        request, "surveys/question_form.html", context, status=400 if form.is_bound else 200
    )


@require_http_methods(["GET", "POST"])
@login_required
def question_create(request, pk):
    return _question_page(request, _editable(request, pk), None)


@require_http_methods(["GET", "POST"])
@login_required
def question_edit(request, pk, question_pk):
    survey = _editable(request, pk)
    question = survey.questions.prefetch_related("choices").filter(pk=question_pk).first()
    if question is None:
        raise Http404
    return _question_page(request, survey, question)


@require_POST
@login_required
def question_delete(request, pk, question_pk):
    survey = _editable(request, pk)
    question = survey.questions.filter(pk=question_pk).first()
    if question is None:
        raise Http404
    try:
        services.question_delete(question=question)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Question deleted."))
    return redirect(survey)


def _scope_or_404(request, survey: Survey) -> ResultsScope:
    """Results are 404 to anyone outside the survey's jurisdiction (grid members too)."""
    scope = results_scope(request.user, survey)
    if scope is None:
        raise Http404
    return scope


@require_GET
@never_cache
@login_required
@lagging_reads
def survey_results(request, pk):
    survey = survey_get_for_user(request.user, pk)
    scope = _scope_or_404(request, survey)
    dimension = request.GET.get("by", "village")
    if dimension not in selectors.DIMENSIONS:
        dimension = "village"
    results = selectors.survey_results(survey, scope)
    candidates = list(selectors.round_candidates(request.user, survey))
    comparison, other = _comparison(request, results, candidates)
    context = {
        "results": results,
        "survey": survey,
        "dimension": dimension,
        "candidates": candidates,
        "other": other,
        "comparison": comparison,
        "charts": _chart_data(results),
    }
    return render(request, "surveys/results.html", context)


def _comparison(request, results: dict, candidates: list[Survey]):
    wanted = request.GET.get("compare")
    other = next((survey for survey in candidates if str(survey.pk) == wanted), None)
    if other is None:
        return None, None
    other_scope = _scope_or_404(request, other)
    return selectors.rounds_compare(results, selectors.survey_results(other, other_scope)), other


def _chart_data(results: dict) -> list[dict]:
    return [
        {
            "id": item["question"].pk,
            "labels": [str(entry["label"]) for entry in item["distribution"]],
            "counts": [entry["count"] for entry in item["distribution"]],
        }
        for item in results["questions"]
        if "distribution" in item
    ]


@require_GET
@never_cache
@login_required
@lagging_reads
def survey_export(request, pk, file_format):
    if file_format not in ("csv", "xlsx"):
        raise Http404
    survey = survey_get_for_user(request.user, pk)
    scope = _scope_or_404(request, survey)
    questions = selectors.survey_questions(survey)
    if file_format == "xlsx":
        return exports.responses_xlsx(survey, scope, questions)
    return exports.responses_csv(survey, scope, questions)


@require_GET
@login_required
def survey_qr(request, pk):
    """The answering link as an SVG QR code; ``?grid=<code>`` attributes it to a grid."""
    survey = survey_get_for_user(request.user, pk)
    if survey.is_template:
        raise Http404
    grid_code = request.GET.get("grid", "")
    if grid_code:
        if not Grid.objects.within(survey.region).filter(code=grid_code).exists():
            raise Http404
        path = reverse("survey_public:answer_grid", args=[survey.token, grid_code])
    else:
        path = reverse("survey_public:answer", args=[survey.token])
    buffer = io.BytesIO()
    segno.make(request.build_absolute_uri(path), error="m").save(buffer, kind="svg", scale=4)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    if request.GET.get("download"):
        name = f"survey-{survey.pk}{'-' + grid_code if grid_code else ''}.svg"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
