"""Lists as CSV or XLSX downloads, written the same way by every export of the platform.

A text cell that starts with = + - @ (or a tab or carriage return) would run as a formula
in a spreadsheet program (CSV or formula injection): such cells are written with a leading
apostrophe. Numbers stay numbers. CSV starts with a byte order mark, so that spreadsheet
programs read the Chinese text as UTF-8; XLSX drops the control characters it cannot hold.
Downloads are private to the one who asked: never kept by a cache.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import TypeVar

from django.http import HttpResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BYTE_ORDER_MARK = "\ufeff"
# The longest sheet name a workbook accepts.
SHEET_TITLE_LENGTH = 31

Number = int | float | Decimal
Download = TypeVar("Download", HttpResponse, StreamingHttpResponse)
Row = Sequence[object]


def safe_cell(value: object) -> str | Number:
    """A cell that no spreadsheet program runs as a formula; None is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, Number) and not isinstance(value, bool):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file-like object whose write() hands the line back, for a streaming csv.writer."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Row, rows: Iterable[Row]) -> Iterator[str]:
    """The lines of the file, one at a time: a long list streams without being held."""
    writer = csv.writer(_Echo())
    yield BYTE_ORDER_MARK + writer.writerow([safe_cell(value) for value in header])
    for row in rows:
        yield writer.writerow([safe_cell(value) for value in row])


def _download(response: Download, filename: str) -> Download:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def csv_stream(header: Row, rows: Iterable[Row], filename: str) -> StreamingHttpResponse:
    """A CSV download written while the rows are read (exports of whole lists)."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type=CSV_TYPE)
    return _download(response, filename)


def csv_response(header: Row, rows: Iterable[Row], filename: str) -> HttpResponse:
    """A CSV download held in memory (short tables)."""
    return _download(
        HttpResponse("".join(csv_lines(header, rows)), content_type=CSV_TYPE), filename
    )


def _xlsx_cell(value: object) -> str | Number:
    cell = safe_cell(value)
    return ILLEGAL_CHARACTERS_RE.sub("", cell) if isinstance(cell, str) else cell


def xlsx_response(
    header: Row, rows: Iterable[Row], filename: str, *, sheet_title: str
) -> HttpResponse:
    """An XLSX download with one sheet; the workbook is written row by row (write-only)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:SHEET_TITLE_LENGTH])
    sheet.append([_xlsx_cell(value) for value in header])
    for row in rows:
        sheet.append([_xlsx_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _download(HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE), filename)
