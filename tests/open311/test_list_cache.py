"""The cached Open311 list: a committed change of a public case or category shows on the
next read, a rolled back one moves nothing, 304 by ETag, gzip, and the publication rules
hold in what the cache serves."""

import gzip

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import RequestFactory

from incidents.admin import CategoryAdmin
from incidents.models import Category, Incident, Publication
from incidents.publication import public_cases_generation
from incidents.services import transitions
from incidents.services.escalation import incidents_escalate_overdue
from tests.conftest import NOW, starter_reason

pytestmark = pytest.mark.django_db

LIST = "/open311/v2/requests.json"


@pytest.fixture
def filed(client, post_body, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/open311/v2/requests.json", post_body())
    assert response.status_code == 201
    return Incident.objects.get()


def _statuses(client) -> dict[str, str]:
    return {row["service_request_id"]: row["status"] for row in client.get(LIST).json()}


def test_a_step_on_a_public_case_shows_on_the_next_read(
    client, filed, cast, django_capture_on_commit_callbacks, django_assert_num_queries
):
    assert _statuses(client) == {filed.code: "open"}
    with django_assert_num_queries(0):
        assert _statuses(client) == {filed.code: "open"}

    with django_capture_on_commit_callbacks(execute=True):
        transitions.incident_reject(
            actor=cast.town_official,
            incident=filed,
            reason="不属实的举报",
            reason_code=starter_reason("reject"),
        )

    assert _statuses(client) == {filed.code: "closed"}


def test_a_step_waits_for_the_commit(client, filed, cast, django_capture_on_commit_callbacks):
    before = public_cases_generation()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        transitions.incident_accept(actor=cast.town_official, incident=filed)

    assert public_cases_generation() == before  # not yet: the transaction is still open
    for callback in callbacks:
        callback()
    assert public_cases_generation() != before


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_moves_nothing_and_a_committed_one_shows(client, post_body, cast):
    client.post("/open311/v2/requests.json", post_body())
    case = Incident.objects.get()
    assert _statuses(client) == {case.code: "open"}
    before = public_cases_generation()

    def accept_then_fail() -> None:
        with transaction.atomic():
            transitions.incident_accept(actor=cast.town_official, incident=case)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        accept_then_fail()

    assert public_cases_generation() == before
    transitions.incident_reject(
        actor=cast.town_official,
        incident=Incident.objects.get(),
        reason="不属实的举报",
        reason_code=starter_reason("reject"),
    )
    assert public_cases_generation() != before
    assert _statuses(client) == {case.code: "closed"}


def test_a_patrol_case_leaves_the_public_cache_alone(
    filed, report, cast, django_capture_on_commit_callbacks
):
    before = public_cases_generation()

    with django_capture_on_commit_callbacks(execute=True):
        patrol = report()
        transitions.incident_accept(actor=cast.town_official, incident=patrol)

    assert public_cases_generation() == before


def test_the_escalation_sweep_moves_the_generation(filed, django_capture_on_commit_callbacks):
    Incident.objects.filter(pk=filed.pk).update(deadline=NOW.replace(year=NOW.year - 1))
    before = public_cases_generation()

    with django_capture_on_commit_callbacks(execute=True):
        result = incidents_escalate_overdue(now=NOW)

    assert result.escalated + result.stalled == 1
    assert public_cases_generation() != before


def test_answers_304_to_its_etag_and_a_new_etag_after_a_change(
    client, filed, cast, django_capture_on_commit_callbacks
):
    first = client.get(LIST)
    again = client.get(LIST, headers={"if-none-match": first["ETag"]})
    with django_capture_on_commit_callbacks(execute=True):
        transitions.incident_accept(actor=cast.town_official, incident=filed)
    changed = client.get(LIST, headers={"if-none-match": first["ETag"]})

    assert first.status_code == 200
    assert again.status_code == 304
    assert again.content == b""
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


def test_gzip_to_those_who_accept_it(client, filed):
    plain = client.get(LIST)
    packed = client.get(LIST, headers={"accept-encoding": "gzip, deflate"})

    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    assert "Accept-Encoding" in packed["Vary"]
    assert packed["Access-Control-Allow-Origin"] == "*"


def test_an_error_is_not_cached(client, filed):
    bad = client.get(LIST, {"status": "lost"})
    good = client.get(LIST, {"status": "open"})

    assert bad.status_code == 400
    assert [row["service_request_id"] for row in good.json()] == [filed.code]


def test_a_category_made_internal_or_coarse_in_the_admin_shows_at_once(
    client, filed, cast, django_capture_on_commit_callbacks
):
    def read():
        return {row["service_request_id"]: row for row in client.get(LIST).json()}

    category_admin = CategoryAdmin(Category, admin.site)
    request = RequestFactory().post("/admin/")
    request.user = cast.admin
    assert read()[filed.code]["description"] == filed.description

    category = filed.category
    category.publication = Publication.COARSE
    with django_capture_on_commit_callbacks(execute=True):
        category_admin.save_model(request, category, form=None, change=True)
    coarse = read()[filed.code]
    category.publication = Publication.INTERNAL
    with django_capture_on_commit_callbacks(execute=True):
        category_admin.save_model(request, category, form=None, change=True)

    assert coarse["description"] == ""
    assert coarse["address"] == ""
    assert read() == {}


def test_the_bench_bare_view_is_no_production_url(client):
    assert client.get("/bench/bare.json").status_code == 404
