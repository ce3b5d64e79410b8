"""Raw responses as CSV or XLSX: one row per response, one column per question.

Columns: response number, submitted at, answered as, village, grid, respondent (named
surveys only), then each question in order (multiple choices joined with "; "). Two
queries whatever the number of responses, read in chunks. Every cell is text; the writing
itself (cells safe from formulas, private downloads) is core.spreadsheets'.
"""

from collections.abc import Iterator

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.spreadsheets import csv_stream, xlsx_response
from surveys.answers import plain_number
from surveys.models import Answer, Question, Response, Survey
from surveys.permissions import ResultsScope

CHUNK = 2000
MULTIPLE_SEPARATOR = "; "


def export_header(questions: list[Question]) -> list[str]:
    fixed = [
        _("Response"),
        _("Submitted at"),
        _("Answered as"),
        _("Village or community"),
        _("Grid"),
        _("Respondent"),
    ]
    return fixed + [f"{index}. {question.text}" for index, question in enumerate(questions, 1)]


def _value(answer: dict) -> str:
    if answer["choice__text"] is not None:
        return answer["choice__text"]
    if answer["number"] is not None:
        return plain_number(answer["number"])
    return answer["text"]


def export_rows(
    survey: Survey, scope: ResultsScope, questions: list[Question]
) -> Iterator[list[str]]:
    """Responses and answers are read in the same order and merged as they stream."""
    column = {question.pk: index for index, question in enumerate(questions)}
    roles = dict(Response.Role.choices)
    responses = (
        Response.objects.filter(scope.responses(), survey=survey)
        .values(
            "pk", "submitted_at", "role", "village__name", "grid__name", "respondent__username"
        )
        .order_by("pk")
        .iterator(chunk_size=CHUNK)
    )
    answers = (
        Answer.objects.filter(scope.responses("response__"), response__survey=survey)
        .values("response_id", "question_id", "choice__text", "number", "text")
        .order_by("response_id", "question__order", "choice__order", "pk")
        .iterator(chunk_size=CHUNK)
    )
    pending = next(answers, None)
    for response in responses:
        cells: list[list[str]] = [[] for _question in questions]
        while pending is not None and pending["response_id"] == response["pk"]:
            cells[column[pending["question_id"]]].append(_value(pending))
            pending = next(answers, None)
        fixed = [
            str(response["pk"]),
            timezone.localtime(response["submitted_at"]).strftime("%Y-%m-%d %H:%M"),
            roles.get(response["role"], response["role"]),
            response["village__name"] or "",
            response["grid__name"] or "",
            response["respondent__username"] or "",
        ]
        yield fixed + [MULTIPLE_SEPARATOR.join(values) for values in cells]


def _filename(survey: Survey, extension: str) -> str:
    return f"survey-{survey.pk}-{timezone.localtime():%Y%m%d-%H%M}.{extension}"


def responses_csv(
    survey: Survey, scope: ResultsScope, questions: list[Question]
) -> StreamingHttpResponse:
    rows = export_rows(survey, scope, questions)
    return csv_stream(export_header(questions), rows, _filename(survey, "csv"))


def responses_xlsx(survey: Survey, scope: ResultsScope, questions: list[Question]) -> HttpResponse:
    rows = export_rows(survey, scope, questions)
    return xlsx_response(
        export_header(questions), rows, _filename(survey, "xlsx"), sheet_title=_("Responses")
    )
