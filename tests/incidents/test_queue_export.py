"""The queue's exports: the filtered cases, masked phones only, no formulas, flat cost."""

import csv
import io
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from incidents.models import Incident
from incidents.services import transitions as t

CSV = reverse("incidents:export_csv")
XLSX = reverse("incidents:export_xlsx")
PHONE = "13912345678"
HEADER = [
    "Case number",
    "Title",
    "Status",
    "Category",
    "Urgency",
    "Level",
    "Handling region",
    "Village or community",
    "Grid",
    "Source",
    "Reporter",
    "Reporter's phone (masked)",
    "Address",
    "Deadline",
    "Overdue",
    "Supervised",
    "Reported at",
    "Closed at",
]


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def hotline_case(report, cast, ladder):
    return report(
        actor=cast.town_official,
        grid=ladder.a3,
        source=Incident.Source.HOTLINE,
        title='=HYPERLINK("http://evil")',
        address="@SUM(A1)",
        reporter_name="+李四",
        reporter_phone=PHONE,
    )


def csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:])))


def xlsx_rows(response) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    return [["" if value is None else value for value in row] for row in sheet.values]


def test_exports_the_filtered_queue_as_csv_with_the_masked_phone_only(
    client, cast, report, hotline_case
):
    report()  # another case, filtered out below
    client.force_login(cast.town_official)

    response = client.get(CSV, {"source": Incident.Source.HOTLINE})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="cases-')
    rows = csv_rows(response)
    assert rows[0] == HEADER
    assert len(rows) == 2
    row = dict(zip(HEADER, rows[1], strict=True))
    assert row["Case number"] == hotline_case.code
    assert row["Reporter's phone (masked)"] == hotline_case.reporter_phone_masked
    assert row["Reporter's phone (masked)"] != ""
    assert row["Status"] == "Reported"
    assert row["Source"] == "Hotline (12345)"
    assert row["Grid"] == "西山一网格"
    assert row["Supervised"] == "No"


def test_never_writes_the_full_phone_in_either_file(client, cast, hotline_case):
    client.force_login(cast.town_official)

    csv_bytes = b"".join(client.get(CSV).streaming_content)
    xlsx_response = client.get(XLSX)

    assert PHONE.encode() not in csv_bytes
    assert PHONE not in str(xlsx_rows(xlsx_response))
    # The XLSX is a zip: look inside the decompressed sheet and shared strings too.
    with zipfile.ZipFile(io.BytesIO(xlsx_response.content)) as archive:
        for name in archive.namelist():
            assert PHONE.encode() not in archive.read(name)


def test_defuses_cells_that_would_run_as_formulas(client, cast, hotline_case):
    client.force_login(cast.town_official)

    csv_row = dict(zip(HEADER, csv_rows(client.get(CSV))[1], strict=True))
    xlsx_row = dict(zip(HEADER, xlsx_rows(client.get(XLSX))[1], strict=True))

    for row in (csv_row, xlsx_row):
        assert row["Title"] == '\'=HYPERLINK("http://evil")'
        assert row["Address"] == "'@SUM(A1)"
        assert row["Reporter"] == "'+李四"


def test_exports_the_filtered_queue_as_xlsx(client, cast, report, hotline_case):
    supervised = report()
    t.incident_supervise(actor=cast.town_official, incident=supervised, on=True)
    client.force_login(cast.town_official)

    response = client.get(XLSX, {"supervised": "true"})

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    rows = xlsx_rows(response)
    assert rows[0] == HEADER
    assert [row[0] for row in rows[1:]] == [supervised.code]
    assert rows[1][HEADER.index("Supervised")] == "Yes"


def test_exports_only_the_cases_the_user_can_see(client, cast, report, ladder, hotline_case):
    other = report(actor=cast.other_official, grid=ladder.b1)
    client.force_login(cast.other_official)

    rows = csv_rows(client.get(CSV))

    assert [row[0] for row in rows[1:]] == [other.code]


@pytest.mark.parametrize(("who", "status"), [("anonymous", 302), ("resident", 403)])
def test_refuses_the_export_to_anonymous_visitors_and_residents(
    client, cast, hotline_case, who, status
):
    if who != "anonymous":
        client.force_login(getattr(cast, who))

    responses = [client.get(CSV), client.get(XLSX)]

    assert [response.status_code for response in responses] == [status, status]


@pytest.mark.parametrize("url", [CSV, XLSX])
def test_an_export_costs_the_same_queries_for_3_or_30_cases(client, cast, report, url):
    def queries_for_export() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body
        return len(captured)

    for number in range(3):
        report(title=f"案件{number}", reporter_phone=PHONE, reporter_name="张三")
    client.force_login(cast.town_official)
    client.get(url)
    with_three = queries_for_export()

    for number in range(27):
        report(title=f"另一案件{number}")
    with_thirty = queries_for_export()

    assert with_thirty == with_three
