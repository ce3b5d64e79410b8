"""Raw responses as CSV or XLSX: one row per response, one column per question.

Columns: response number, submitted at, answered as, village, grid, respondent (named
surveys only), then each question in order (multiple choices joined with "; "). Two
queries whatever the number of responses, read in chunks. Cells are safe from formulas
(incidents.exports.safe_cell).
"""

import csv
import io

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from incidents.exports import XLSX_TYPE, safe_cell
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


def export_rows(survey: Survey, scope: ResultsScope, questions: list[Question]):
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
            response["pk"],
            timezone.localtime(response["submitted_at"]).strftime("%Y-%m-%d %H:%M"),
            roles.get(response["role"], response["role"]),
            response["village__name"] or "",
            response["grid__name"] or "",
            response["respondent__username"] or "",
        ]
        yield [safe_cell(value) for value in fixed] + [
            safe_cell(MULTIPLE_SEPARATOR.join(values)) for values in cells
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _filename(survey: Survey, extension: str) -> str:
    return f"survey-{survey.pk}-{timezone.localtime():%Y%m%d-%H%M}.{extension}"


def _private(response, survey: Survey, extension: str):
    response["Content-Disposition"] = f'attachment; filename="{_filename(survey, extension)}"'
    response["Cache-Control"] = "private, no-store"
    return response


def responses_csv(survey: Survey, scope: ResultsScope, questions) -> StreamingHttpResponse:
    def lines():
        writer = csv.writer(_Echo())
        header = [safe_cell(value) for value in export_header(questions)]
        yield "\ufeff" + writer.writerow(header)
        for row in export_rows(survey, scope, questions):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    return _private(response, survey, "csv")


def responses_xlsx(survey: Survey, scope: ResultsScope, questions) -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Responses")[:31])
    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", value) for value in export_header(questions)])
    for row in export_rows(survey, scope, questions):
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _private(HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE), survey, "xlsx")
