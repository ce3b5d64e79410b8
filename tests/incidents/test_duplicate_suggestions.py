"""Suggestions of cases nearby while reporting: distance, category, recency, one query."""

import datetime

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse
from django.utils import timezone

from core.ratelimit import Limit
from incidents.duplicates import incident_duplicate_suggestions
from incidents.models import Category, Incident
from incidents.views import handling

ORIGIN = Point(121.005, 28.005, srid=4326)
METRES_PER_DEGREE_LATITUDE = 111_195  # on PostGIS's sphere (ST_DistanceSphere)


@pytest.fixture(autouse=True)
def _english(settings):
    """Pages speak English in these tests (the catalogue is merged separately)."""
    settings.LANGUAGE_CODE = "en"


def north(metres: float) -> Point:
    return Point(ORIGIN.x, ORIGIN.y + metres / METRES_PER_DEGREE_LATITUDE, srid=4326)


@pytest.fixture
def garbage(db):
    return Category.objects.get(code="garbage")


@pytest.fixture
def place(ladder, garbage):
    counter = iter(range(1000))

    def _place(metres, *, category=None, status="accepted", closed_days_ago=None, **more):
        now = timezone.now()
        closed_at = now - datetime.timedelta(days=closed_days_ago) if closed_days_ago else None
        return Incident.objects.create(
            code=f"S-{next(counter):04d}",
            title=more.pop("title", f"{metres}米处"),
            description="内部描述",
            category=category or garbage,
            town=more.pop("town", ladder.town),
            grid=more.pop("grid", ladder.a1),
            source=more.pop("source", "resident"),
            reporter_name="王秘密",
            reporter_phone_masked="138****0000",
            address="东山村99号",
            level=6,
            handling_region=ladder.v1,
            status=status,
            closed_at=closed_at,
            location=north(metres),
            **more,
        )

    return _place


def test_ranks_same_category_before_same_group_and_keeps_recent_closures(place, garbage):
    same = place(50)
    sibling = place(40, category=Category.objects.get(code="sewage"))
    closed = place(100, status="closed", closed_days_ago=5)
    place(210)  # just outside the 200 m default radius
    place(30, status="closed", closed_days_ago=60)  # closed too long ago
    place(10, category=Category.objects.get(code="gas-hazard"))  # another group
    place(20, status="rejected")

    suggestions = incident_duplicate_suggestions(category=garbage, point=ORIGIN)

    assert [s.code for s in suggestions] == [same.code, closed.code, sibling.code]
    assert [s.distance_m for s in suggestions] == [50, 100, 40]
    assert [s.status for s in suggestions] == ["accepted", "closed", "accepted"]
    assert [s.same_category for s in suggestions] == [True, True, False]


def test_a_case_just_inside_the_radius_is_found_and_the_category_radius_counts(place, garbage):
    inside = place(195)

    assert [s.code for s in incident_duplicate_suggestions(category=garbage, point=ORIGIN)] == [
        inside.code
    ]
    garbage.duplicate_radius_m = 150
    assert incident_duplicate_suggestions(category=garbage, point=ORIGIN) == []


def test_is_one_query_whatever_the_number_of_cases(place, garbage, django_assert_num_queries):
    for metres in range(10, 40, 10):
        place(metres)
    with django_assert_num_queries(1):
        few = incident_duplicate_suggestions(category=garbage, point=ORIGIN)
    for metres in range(40, 190, 5):
        place(metres)
    with django_assert_num_queries(1):
        many = incident_duplicate_suggestions(category=garbage, point=ORIGIN)

    assert (len(few), len(many)) == (3, 5)


def suggest_url(name, category, point=ORIGIN):
    query = f"?category={category.pk}&latitude={point.y}&longitude={point.x}"
    return reverse(name) + query


def test_the_public_partial_shows_no_personal_data_or_notes(client, place, garbage):
    case = place(50)

    response = client.get(suggest_url("public:suggest", garbage))

    html = response.content.decode()
    assert response.status_code == 200
    assert case.code in html
    assert case.title in html
    assert "50 m away" in html
    for secret in ("王秘密", "138****0000", "东山村99号", "内部描述", f"/cases/{case.pk}/"):
        assert secret not in html


def test_the_public_sees_only_public_requests_and_staff_see_all(client, cast, place, garbage):
    public = place(40)
    internal = place(60, source="patrol", title="家庭矛盾调解")

    for_public = client.get(suggest_url("public:suggest", garbage)).content.decode()
    client.force_login(cast.member)
    for_staff = client.get(suggest_url("incidents:suggest", garbage)).content.decode()

    assert public.code in for_public
    assert internal.code not in for_public
    assert "家庭矛盾调解" not in for_public
    assert public.code in for_staff
    assert internal.code in for_staff


def test_numbers_in_a_title_are_masked_for_the_public(client, place, garbage):
    place(30, title="请联系13812345678处理")

    html = client.get(suggest_url("public:suggest", garbage)).content.decode()

    assert "13812345678" not in html
    assert "138****5678" in html


def test_the_public_partial_answers_bad_input_with_400_and_nothing_yet_with_200(client, garbage):
    bad = client.get(reverse("public:suggest") + f"?category={garbage.pk}&latitude=x&longitude=1")
    missing = client.get(reverse("public:suggest") + f"?category={garbage.pk}")
    unknown = client.get(reverse("public:suggest") + "?category=999999&latitude=28&longitude=121")

    assert (bad.status_code, missing.status_code, unknown.status_code) == (400, 200, 400)
    assert "suggestion" not in missing.content.decode()


def test_the_staff_partial_links_and_offers_to_follow(client, cast, place, garbage):
    case = place(50)
    client.force_login(cast.member)

    response = client.get(suggest_url("incidents:suggest", garbage))

    html = response.content.decode()
    assert reverse("incidents:detail", args=[case.pk]) in html
    assert reverse("incidents:join", args=[case.pk]) in html


def test_the_staff_partial_needs_a_login(client, garbage):
    response = client.get(suggest_url("incidents:suggest", garbage))

    assert response.status_code == 302


def test_the_request_form_asks_for_suggestions(client, db):
    html = client.get(reverse("public:new")).content.decode()

    assert 'hx-get="/request/suggest/"' in html
    assert "#id_latitude" in html


def test_the_staff_partial_refuses_residents(client, cast, place, garbage):
    place(50, source="patrol")
    client.force_login(cast.resident)

    response = client.get(suggest_url("incidents:suggest", garbage))

    assert response.status_code == 403


def test_the_staff_partial_offers_the_cases_within_reach_only(
    client, cast, place, ladder, garbage
):
    ours = place(40, source="patrol")
    theirs = place(60, source="hotline", town=ladder.other_town, grid=ladder.b1)

    def offered(user):
        client.force_login(user)
        return client.get(suggest_url("incidents:suggest", garbage)).content.decode()

    for_member, for_other_official = offered(cast.member), offered(cast.other_official)

    assert ours.code in for_member
    assert theirs.code not in for_member
    assert theirs.code in for_other_official
    assert ours.code not in for_other_official


def test_the_staff_partial_is_limited_per_account(client, cast, place, garbage, monkeypatch):
    monkeypatch.setattr(handling, "SUGGESTIONS_PER_USER", Limit("staff-suggest-test", 2, 3600))
    client.force_login(cast.member)

    answers = [client.get(suggest_url("incidents:suggest", garbage)).status_code for _ in "abc"]

    assert answers == [200, 200, 429]
