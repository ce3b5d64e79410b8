"""The case queue as a spreadsheet: CSV (streamed) or XLSX, masked phones only.

The writing itself (cells safe from formulas, the byte order mark, private downloads) is
core.spreadsheets'.
"""

from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.spreadsheets import csv_stream, xlsx_response
from incidents.models import Incident

EXPORT_CHUNK_SIZE = 2000


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


def export_rows(incidents: QuerySet[Incident]) -> Iterator[list[str]]:
    """One list of strings per case; the queryset must select_related its labels."""
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
        yield list(values)


def _filename(extension: str) -> str:
    return f"cases-{timezone.localtime().strftime('%Y%m%d-%H%M')}.{extension}"


def queue_csv_response(incidents: QuerySet[Incident]) -> StreamingHttpResponse:
    return csv_stream(export_header(), export_rows(incidents), _filename("csv"))


def queue_xlsx_response(incidents: QuerySet[Incident]) -> HttpResponse:
    return xlsx_response(
        export_header(), export_rows(incidents), _filename("xlsx"), sheet_title=_("Cases")
    )
