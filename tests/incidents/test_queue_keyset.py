"""The queue's keyset pages (core.keyset): page and API walk every case once, forward and
back, whatever changes between pages; a changed cursor is refused; the cost is flat."""

import datetime

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from core import keyset
from incidents.models import Incident
from incidents.selectors import QUEUE_ORDERINGS
from incidents.views import staff
from tests.conftest import NOW

pytestmark = pytest.mark.django_db

QUEUE = reverse("incidents:queue")
SIZE = 5


@pytest.fixture
def api():
    def _client(user) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(user)
        return client

    return _client


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(staff, "PAGE_SIZE", SIZE)


@pytest.fixture
def many(report):
    """17 cases: two supervised, three without a deadline, and ties on the deadline."""
    cases = [report(title=f"案件{number}") for number in range(17)]
    Incident.objects.filter(pk__in=[cases[3].pk, cases[11].pk]).update(is_supervised=True)
    Incident.objects.filter(pk__in=[c.pk for c in cases[5:8]]).update(deadline=None)
    same = NOW + datetime.timedelta(days=3)
    Incident.objects.filter(pk__in=[c.pk for c in cases[8:12]]).update(deadline=same)
    return cases


def _expected(ordering: str = "due") -> list[str]:
    rows = Incident.objects.order_by(*QUEUE_ORDERINGS[ordering].order_by())
    return list(rows.values_list("code", flat=True))


def _codes(response) -> list[str]:
    assert response.status_code == 200
    return [incident.code for incident in response.context["page"].object_list]


def _walk_page(client, params=None, direction="next_cursor", first=None):
    response = first or client.get(QUEUE, params or {})
    pages = [_codes(response)]
    while cursor := getattr(response.context["page"], direction):
        response = client.get(QUEUE, {**(params or {}), "cursor": cursor})
        pages.append(_codes(response))
    return pages, response


@pytest.mark.parametrize("sort", ["due", "newest"])
def test_walks_every_case_once_forward_and_back(client, cast, many, small_pages, sort):
    client.force_login(cast.town_official)

    forward, last = _walk_page(client, {"sort": sort})
    backward, first = _walk_page(client, {"sort": sort}, "previous_cursor", first=last)

    assert [code for page in forward for code in page] == _expected(sort)
    assert [len(page) for page in forward] == [5, 5, 5, 2]
    assert [code for page in reversed(backward) for code in page] == _expected(sort)
    assert first.context["page"].is_first


def test_a_case_filed_between_pages_neither_repeats_nor_skips_one(
    client, cast, many, report, small_pages
):
    client.force_login(cast.town_official)
    expected = _expected("newest")
    first = client.get(QUEUE, {"sort": "newest"})

    report(title="新案件")  # lands on top: an OFFSET would shift every page by one
    Incident.objects.filter(code=expected[7]).update(title="改了标题")
    rest, _last = _walk_page(
        client, {"sort": "newest", "cursor": first.context["page"].next_cursor}
    )

    assert _codes(first) + [code for page in rest for code in page] == expected


def test_a_case_that_moves_between_pages_leaves_the_others_in_place(
    client, cast, many, small_pages
):
    client.force_login(cast.town_official)
    expected = _expected()
    first = client.get(QUEUE)
    moved = expected[12]
    Incident.objects.filter(code=moved).update(is_supervised=True)  # jumps to the top

    rest, _last = _walk_page(client, {"cursor": first.context["page"].next_cursor})

    seen = _codes(first) + [code for page in rest for code in page]
    assert seen == [code for code in expected if code != moved]


def test_counts_and_total_only_on_the_first_page(client, cast, many, small_pages):
    client.force_login(cast.town_official)

    first = client.get(QUEUE)
    second = client.get(QUEUE, {"cursor": first.context["page"].next_cursor})

    assert first.context["total"] == 17
    assert sum(count for _v, _l, count in first.context["status_counts"]) == 17
    assert second.context["status_counts"] is None
    assert 'rel="next"' in first.content.decode()
    assert 'rel="prev"' in second.content.decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "nonsense",
        "",
        signing.dumps({"o": "due", "d": "n", "v": [False, None, None, 1]}, salt="other"),
        signing.dumps({"o": "newest", "d": "n", "v": ["x", 1]}, salt=keyset.SALT),
        signing.dumps({"o": "due", "d": "x", "v": [False, None, None, 1]}, salt=keyset.SALT),
        signing.dumps({"o": "due", "d": "n", "v": [False]}, salt=keyset.SALT),
        signing.dumps(["due"], salt=keyset.SALT),
    ],
    # Signed values carry the second they were made: ids of their own keep the test's
    # name the same in every xdist worker (a worker that collects a second later would
    # otherwise collect another test).
    ids=["nonsense", "empty", "other-salt", "wrong-keys", "bad-direction", "short", "a-list"],
)
def test_a_changed_cursor_shows_the_first_page(client, cast, many, small_pages, cursor):
    client.force_login(cast.town_official)

    response = client.get(QUEUE, {"cursor": cursor})

    assert _codes(response) == _expected()[:SIZE]


def test_a_tampered_cursor_is_refused_by_the_api(api, cast, many):
    client = api(cast.town_official)
    cursor = client.get("/api/cases/", {"page_size": 5}).json()["next"].split("cursor=")[1]

    response = client.get("/api/cases/", {"page_size": 5, "cursor": cursor[:-3] + "abc"})
    newest = client.get("/api/cases/", {"page_size": 5, "cursor": cursor, "sort": "newest"})

    assert response.status_code == 400
    assert set(response.json()) == {"cursor"}
    assert newest.status_code == 400


def test_the_api_walks_every_case_once_without_a_count(api, cast, many):
    client = api(cast.town_official)

    body = client.get("/api/cases/", {"page_size": 5}).json()
    codes = [row["code"] for row in body["results"]]
    pages = 1
    while body["next"]:
        body = client.get(body["next"]).json()
        codes += [row["code"] for row in body["results"]]
        pages += 1
    back = []
    while True:
        back = [row["code"] for row in body["results"]] + back
        if not body["previous"]:
            break
        body = client.get(body["previous"]).json()

    assert set(body) == {"next", "previous", "results"}
    assert codes == _expected()
    assert back == _expected()
    assert pages == 4


def test_pages_keep_to_the_jurisdiction(client, api, cast, ladder, many, report, small_pages):
    theirs = [report(actor=cast.other_official, grid=ladder.b1, title=f"B{n}") for n in range(7)]
    client.force_login(cast.town_official)
    town_cursor = client.get(QUEUE).context["page"].next_cursor
    client.force_login(cast.other_official)

    pages, _last = _walk_page(client)
    borrowed = client.get(QUEUE, {"cursor": town_cursor})
    from_api = api(cast.other_official).get("/api/cases/", {"cursor": town_cursor}).json()

    assert sorted(code for page in pages for code in page) == sorted(c.code for c in theirs)
    assert set(_codes(borrowed)) <= {c.code for c in theirs}
    assert {row["code"] for row in from_api["results"]} <= {c.code for c in theirs}


def test_a_later_page_costs_the_same_queries_for_more_cases(client, cast, report, small_pages):
    def queries_for_second_page() -> int:
        cursor = client.get(QUEUE).context["page"].next_cursor
        with CaptureQueriesContext(connection) as captured:
            response = client.get(QUEUE, {"cursor": cursor})
        assert response.status_code == 200
        return len(captured)

    for number in range(12):
        report(title=f"案件{number}")
    client.force_login(cast.town_official)
    client.get(QUEUE)
    with_twelve = queries_for_second_page()
    for number in range(30):
        report(title=f"另一案件{number}")

    assert queries_for_second_page() == with_twelve
