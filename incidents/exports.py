"""The case queue as a spreadsheet: CSV (streamed) or XLSX, masked phones only.

A cell that starts with = + - @ would run as a formula in a spreadsheet program (CSV or
formula injection); such cells are written with a leading apostrophe.
"""

import csv
import io

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from incidents.models import Incident

EXPORT_CHUNK_SIZE = 2000
FORMULA_STARTS = ("=", "+", "-", "@")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def export_header() -> list[str]:
    return [
        _("Case number"),
        _("Title"),
        _("Status"),
        _("Category"),
        _("Urgency"),
        _("Level"),
        _("Handling region"),
        _("Village or community"),
        _("Grid"),
        _("Source"),
        _("Reporter"),
        _("Reporter's phone (masked)"),
        _("Address"),
        _("Deadline"),
        _("Overdue"),
        _("Supervised"),
        _("Reported at"),
        _("Closed at"),
    ]


def export_rows(incidents: QuerySet[Incident]):
    """One list of safe strings per case; the queryset must select_related its labels."""
    now = timezone.now()
    yes, no = _("Yes"), _("No")
    for incident in incidents.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        overdue = incident.is_open and incident.deadline is not None and incident.deadline < now
        values = (
            incident.code,
            incident.title,
            incident.get_status_display(),
            incident.category.name,
            incident.get_urgency_display(),
            incident.get_level_display(),
            incident.handling_region.name,
            incident.grid.village.name,
            incident.grid.name,
            incident.get_source_display(),
            incident.reporter_name,
            incident.reporter_phone_masked,
            incident.address,
            _when(incident.deadline),
            yes if overdue else no,
            yes if incident.is_supervised else no,
            _when(incident.created_at),
            _when(incident.closed_at),
        )
        yield [safe_cell(value) for value in values]


class _Echo:
    """A file-like object whose write() hands the line back, for a streaming csv.writer."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(incidents: QuerySet[Incident]):
    writer = csv.writer(_Echo())
    # The byte order mark lets spreadsheet programs read the Chinese text as UTF-8.
    yield "\ufeff" + writer.writerow([safe_cell(value) for value in export_header()])
    for row in export_rows(incidents):
        yield writer.writerow(row)


def _filename(extension: str) -> str:
    return f"cases-{timezone.localtime().strftime('%Y%m%d-%H%M')}.{extension}"


def _private(response: HttpResponse | StreamingHttpResponse, extension: str):
    response["Content-Disposition"] = f'attachment; filename="{_filename(extension)}"'
    response["Cache-Control"] = "private, no-store"
    return response


def queue_csv_response(incidents: QuerySet[Incident]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_csv_lines(incidents), content_type="text/csv; charset=utf-8")
    return _private(response, "csv")


def queue_xlsx_response(incidents: QuerySet[Incident]) -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Cases")[:31])
    sheet.append(export_header())
    for row in export_rows(incidents):
        # Control characters are not allowed in XLSX text; a title with one must not fail.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _private(HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE), "xlsx")
