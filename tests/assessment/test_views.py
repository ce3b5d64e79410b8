"""The assessment pages: who may open what (404 for a bulletin not theirs, 403 for pages
not theirs), the scheme editor, closing from the page, the bulletin, its XLSX, and the
queries the bulletin page costs."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from assessment.models import AssessmentScheme, Bulletin, BulletinEntry
from assessment.services import assessment_month_close
from grids.models import Region
from grids.services import region_save
from incidents.services.catalogue import department_save
from tests.assessment.conftest import OCTOBER
from tests.conftest import NOW, make_user

pytestmark = pytest.mark.time_machine(NOW, tick=False)
INDEX = reverse("assessment:index")
SCHEME = reverse("assessment:scheme")
CLOSE = reverse("assessment:close")


@pytest.fixture(autouse=True)
def _english_pages(client):
    """The messages asserted below are the English ones (the site's default is Chinese)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def bulletin(ladder, october, scheme):
    return assessment_month_close(county=ladder.county, month=OCTOBER)


def _login(client, cast, who):
    user = getattr(cast, who)
    if user is not None:
        client.force_login(user)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("resident", 403),
        ("member", 403),
        ("leader", 403),
        ("village_staff", 403),
        ("town_official", 200),
        ("other_official", 200),
        ("county_official", 200),
        ("admin", 200),
    ],
)
def test_who_opens_the_assessment_index(client, cast, who, status):
    _login(client, cast, who)

    assert client.get(INDEX).status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("resident", 404),
        ("member", 404),
        ("village_staff", 404),
        ("town_official", 200),
        ("other_official", 200),  # R Town is in the same county: ranked in it
        ("county_official", 200),
        ("admin", 200),
    ],
)
def test_who_reads_a_bulletin_and_its_xlsx(client, cast, bulletin, who, status):
    _login(client, cast, who)

    assert client.get(reverse("assessment:bulletin", args=[bulletin.pk])).status_code == status
    xlsx = client.get(reverse("assessment:bulletin_xlsx", args=[bulletin.pk]))
    assert xlsx.status_code == status


def test_an_official_of_another_county_does_not_see_the_bulletin(client, ladder, bulletin):
    county = region_save(
        code="331082", name="临海市", level=Region.Level.COUNTY, parent=ladder.city
    )
    client.force_login(make_user("official_l", "county_official", county))

    assert client.get(reverse("assessment:bulletin", args=[bulletin.pk])).status_code == 404
    assert bulletin.pk not in [b.pk for b in client.get(INDEX).context["bulletins"]]


@pytest.mark.parametrize(
    "who", ["anonymous", "resident", "member", "town_official", "other_official", "admin"]
)
def test_only_the_county_official_changes_the_scheme_or_closes(client, cast, ladder, october, who):
    _login(client, cast, who)
    before = AssessmentScheme.objects.count()

    scheme_page = client.get(SCHEME)
    posted = client.post(SCHEME, _scheme_form(response=30))
    closed = client.post(CLOSE, {"month": "2026-10"})

    expected = 302 if who == "anonymous" else 403
    assert (scheme_page.status_code, posted.status_code, closed.status_code) == (expected,) * 3
    assert AssessmentScheme.objects.count() == before
    assert not Bulletin.objects.exists()


def _scheme_form(response=10, **overrides):
    data = {
        "min_sample": 1,
        "bottom_count": 3,
        "note": "",
        "response_weight": response,
        "response_floor": "0",
        "response_target": "1",
        "resolution_weight": 35,
        "resolution_floor": "0",
        "resolution_target": "1",
        "satisfaction_weight": 35,
        "satisfaction_floor": "0",
        "satisfaction_target": "1",
        "on_time_weight": 20,
        "on_time_floor": "0.5",
        "on_time_target": "0.95",
    }
    data.update(overrides)
    return data


def test_saving_the_scheme_makes_a_new_version(client, cast, ladder):
    client.force_login(cast.county_official)
    client.get(SCHEME)  # the default scheme, version 1

    response = client.post(SCHEME, _scheme_form(response=30, note="响应率加权"))

    assert response.status_code == 302
    versions = AssessmentScheme.objects.filter(county=ladder.county).order_by("version")
    assert [(s.version, s.note) for s in versions] == [
        (1, "Default scheme: the three rates of 接诉即办 and on-time closure."),
        (2, "响应率加权"),
    ]
    on_time = versions[1].indicators.get(indicator="on_time")
    assert (on_time.floor, on_time.target) == (Decimal("0.5000"), Decimal("0.9500"))
    assert versions[1].created_by == cast.county_official


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {
                "response_weight": 0,
                "resolution_weight": 0,
                "satisfaction_weight": 0,
                "on_time_weight": 0,
            },
            "Give at least one indicator a weight above 0.",
        ),
        ({"on_time_floor": "0.9", "on_time_target": "0.8"}, "The rate scoring 0 must be below"),
        ({"response_weight": "101"}, "less than or equal to 100"),
        ({"min_sample": "0"}, "greater than or equal to 1"),
        ({"resolution_target": "abc"}, "Enter a number."),
    ],
)
def test_refuses_a_bad_scheme_with_a_reason_and_keeps_the_old(
    client, cast, ladder, overrides, message
):
    client.force_login(cast.county_official)
    client.get(SCHEME)

    response = client.post(SCHEME, _scheme_form(**overrides))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert AssessmentScheme.objects.filter(county=ladder.county).count() == 1


def test_the_county_official_closes_a_month_from_the_page(client, cast, ladder, october):
    client.force_login(cast.county_official)

    response = client.post(CLOSE, {"month": "2026-10"})
    again = client.post(CLOSE, {"month": "2026-10"}, follow=True)

    bulletin = Bulletin.objects.get()
    assert response["Location"] == reverse("assessment:bulletin", args=[bulletin.pk])
    assert bulletin.closed_by == cast.county_official
    assert "This month is already closed." in again.content.decode()
    assert Bulletin.objects.count() == 1


@pytest.mark.parametrize("month", ["2026-11", "2026-13", "last month", ""])
def test_refuses_a_bad_or_open_month_with_a_reason(client, cast, ladder, month):
    client.force_login(cast.county_official)

    response = client.post(CLOSE, {"month": month}, follow=True)

    assert response.status_code == 200
    text = response.content.decode()
    assert "once it has ended" in text or "year-month" in text or "required" in text
    assert not Bulletin.objects.exists()


def test_the_bulletin_page_shows_ranks_parts_and_the_bottom(client, cast, bulletin):
    client.force_login(cast.town_official)

    response = client.get(reverse("assessment:bulletin", args=[bulletin.pk]))

    text = response.content.decode()
    bottom = response.context["bottom_towns"]
    assert [entry.name for entry in bottom] == ["石塘镇"]
    assert [e.name for e in response.context["lines"]["town"]] == ["箬横镇", "石塘镇"]
    assert "57.50" in text
    assert "3/4" in text
    assert "75.00%" in text
    assert "石塘镇城管中队" in text


def test_the_xlsx_holds_the_bulletins_lines(client, cast, bulletin):
    client.force_login(cast.county_official)

    response = client.get(reverse("assessment:bulletin_xlsx", args=[bulletin.pk]))

    assert (
        response["Content-Disposition"] == 'attachment; filename="assessment-331081-2026-10.xlsx"'
    )
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("Kind", "Rank", "Unit", "Score", "Named at the bottom")
    assert [row[:5] for row in rows[1:]] == [
        ("Town", 1, "箬横镇", 100, None),
        ("Town", 2, "石塘镇", 57.5, "yes"),
        ("Department", 1, "石塘镇城管中队", 69.44, None),
    ]
    # 石塘镇's response rate: weight, cases counted, meeting it, rate, points.
    assert rows[2][5:10] == (10, 4, 3, 0.75, 75)


def _queries_of_a_render(client, bulletin) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("assessment:bulletin", args=[bulletin.pk]))
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_bulletin_page_costs_the_same_queries_for_ten_times_the_lines(
    client, cast, ladder, bulletin
):
    client.force_login(cast.county_official)
    small = _queries_of_a_render(client, bulletin)

    departments = [
        department_save(code=f"d{n}", name=f"部门{n}", region=ladder.town) for n in range(30)
    ]
    BulletinEntry.objects.bulk_create(
        BulletinEntry(
            bulletin=bulletin,
            kind="department",
            department=department,
            name=department.name,
            score=Decimal(n),
            rank=n + 2,
            parts=BulletinEntry.objects.filter(kind="department").first().parts,
        )
        for n, department in enumerate(departments)
    )
    large = _queries_of_a_render(client, bulletin)

    assert BulletinEntry.objects.filter(bulletin=bulletin).count() == 33
    assert large == small
    assert small <= 12
