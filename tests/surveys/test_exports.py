"""Raw responses exported as CSV and XLSX: the columns, one row per response."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from surveys.models import Audience
from surveys.services import response_submit
from tests.surveys.conftest import add_questions, good_raw, make_survey

HEADER = ["Response", "Submitted at", "Answered as", "Village or community", "Grid", "Respondent"]


@pytest.fixture(autouse=True)
def _english_pages(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def exported(ladder, cast):
    survey = make_survey(ladder.town, audience=Audience.BOTH, anonymous=False)
    q = add_questions(survey)
    response_submit(
        survey=survey,
        raw=good_raw(q, long=["=cmd|' /C calc'!A0"]),
        role="resident",
        key="1",
        respondent=cast.resident,
        grid=ladder.a1,
    )
    response_submit(
        survey=survey,
        raw=good_raw(q, single=[str(q.doesnt_know.pk)], multiple=[], number=["2.5"], long=[]),
        role="member",
        key="2",
    )
    return survey, q


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_csv_has_the_fixed_columns_then_one_per_question(client, cast, exported):
    survey, q = exported
    client.force_login(cast.town_official)

    rows = _csv_rows(client.get(reverse("surveys:export", args=[survey.pk, "csv"])))

    header = rows[0]
    assert header[:6] == HEADER
    assert header[6:] == [
        "1. 您知道网格员吗？",
        "2. 满意吗？",
        "3. 接受过哪些服务？",
        "4. 打几分？",
        "5. 家里几口人？",
        "6. 您的村名",
        "7. 建议",
    ]
    first, second = rows[1], rows[2]
    assert first[2:6] == ["Resident", "东山村", "东山一网格", "resident"]
    assert first[6:] == ["知道", "4", "宣传; 调解", "8", "3", "东山村", "'=cmd|' /C calc'!A0"]
    assert second[2:6] == ["Grid member", "", "", ""]
    assert second[6:] == ["不知道", "", "", "8", "2.5", "东山村", ""]
    assert len(rows) == 3


def test_xlsx_holds_the_same_rows(client, cast, exported):
    survey, _q = exported
    client.force_login(cast.town_official)
    csv_rows = _csv_rows(client.get(reverse("surveys:export", args=[survey.pk, "csv"])))

    response = client.get(reverse("surveys:export", args=[survey.pk, "xlsx"]))

    sheet = load_workbook(io.BytesIO(response.content)).active
    xlsx_rows = [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert response["Content-Disposition"].endswith('.xlsx"')
    assert xlsx_rows == csv_rows


def test_village_staff_export_only_their_villages_rows(client, cast, exported):
    survey, _q = exported
    client.force_login(cast.village_staff)

    rows = _csv_rows(client.get(reverse("surveys:export", args=[survey.pk, "csv"])))

    assert [row[4] for row in rows[1:]] == ["东山一网格"]


def test_an_unknown_format_is_404(client, cast, exported):
    survey, _q = exported
    client.force_login(cast.town_official)

    assert client.get(f"/surveys/{survey.pk}/export.pdf").status_code == 404
