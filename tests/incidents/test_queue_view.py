"""The case queue: who sees which cases, each filter, the order, the counts, the cost."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.models import Category, Incident, Level
from incidents.services import transitions as t
from tests.conftest import NOW, starter_reason

QUEUE = reverse("incidents:queue")


def codes(response) -> list[str]:
    return [incident.code for incident in response.context["page"].object_list]


@pytest.fixture
def town_cases(report, cast, ladder):
    """A1 (member's patrol), A2 (other member's patrol) and A3 (official's hotline call)."""
    return {
        "a1": report(),
        "a2": report(actor=cast.other_member, grid=ladder.a2, title="占道"),
        "a3": report(actor=cast.town_official, grid=ladder.a3, source=Incident.Source.HOTLINE),
    }


@pytest.fixture
def other_town_case(report, cast, ladder):
    return report(actor=cast.other_official, grid=ladder.b1)


def test_sends_an_anonymous_visitor_to_the_login_page(client, town_cases):
    response = client.get(QUEUE)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={QUEUE}"


def test_refuses_the_queue_to_a_resident(client, cast, town_cases):
    client.force_login(cast.resident)

    response = client.get(QUEUE)

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("town_official", {"a1", "a2", "a3"}),
        ("county_official", {"a1", "a2", "a3", "b1"}),
        ("other_official", {"b1"}),
        ("village_staff", {"a1", "a2"}),
        ("member", {"a1"}),
        ("other_member", {"a2"}),
        ("admin", {"a1", "a2", "a3", "b1"}),
    ],
)
def test_shows_each_user_the_cases_of_their_scope_only(
    client, cast, town_cases, other_town_case, who, expected
):
    """Grid members may use the queue: it shows the cases of their own grids."""
    by_code = {incident.code: name for name, incident in town_cases.items()}
    by_code[other_town_case.code] = "b1"
    client.force_login(getattr(cast, who))

    response = client.get(QUEUE)

    assert response.status_code == 200
    assert {by_code[code] for code in codes(response)} == expected


def test_a_department_handler_sees_the_cases_dispatched_to_the_department(
    client, cast, handler, department, town_cases
):
    t.incident_accept(actor=cast.town_official, incident=town_cases["a2"])
    t.incident_dispatch(actor=cast.town_official, incident=town_cases["a2"], department=department)
    client.force_login(handler)

    response = client.get(QUEUE)

    assert codes(response) == [town_cases["a2"].code]


def test_filters_by_status(client, cast, town_cases):
    t.incident_accept(actor=cast.town_official, incident=town_cases["a3"])
    client.force_login(cast.town_official)

    response = client.get(QUEUE, {"status": "accepted"})

    assert codes(response) == [town_cases["a3"].code]


def test_filters_by_category_and_by_category_group(client, cast, report, ladder, town_cases):
    dispute = report(category=Category.objects.get(code="neighbour-dispute"))
    client.force_login(cast.town_official)

    by_category = client.get(QUEUE, {"category": dispute.category_id})
    by_group = client.get(QUEUE, {"category_group": dispute.category.group_id})

    assert codes(by_category) == [dispute.code]
    assert codes(by_group) == [dispute.code]


def test_filters_by_village_and_by_grid(client, cast, ladder, town_cases):
    client.force_login(cast.town_official)

    by_village = client.get(QUEUE, {"village": ladder.v2.pk})
    by_grid = client.get(QUEUE, {"grid": ladder.a2.pk})

    assert codes(by_village) == [town_cases["a3"].code]
    assert codes(by_grid) == [town_cases["a2"].code]


def test_refuses_a_grid_the_user_cannot_see_and_shows_no_case(client, cast, ladder, town_cases):
    client.force_login(cast.member)

    response = client.get(QUEUE, {"grid": ladder.a3.pk})

    assert response.status_code == 200
    assert codes(response) == []
    assert "grid" in response.context["filter"].form.errors


def test_offers_only_the_villages_and_grids_the_user_can_see(client, cast, ladder):
    client.force_login(cast.village_staff)

    response = client.get(QUEUE)

    form = response.context["filter"].form
    assert list(form.fields["village"].queryset) == [ladder.v1]
    assert list(form.fields["grid"].queryset) == [ladder.a1, ladder.a2]


def test_filters_by_ladder_level(client, cast, town_cases):
    t.incident_escalate(actor=cast.town_official, incident=town_cases["a1"], reason="超出能力")
    client.force_login(cast.town_official)

    response = client.get(QUEUE, {"level": Level.VILLAGE})

    assert codes(response) == [town_cases["a1"].code]


def test_filters_the_cases_overdue_now(client, cast, town_cases):
    past = timezone.now() - datetime.timedelta(hours=1)
    Incident.objects.filter(pk=town_cases["a2"].pk).update(deadline=past)
    client.force_login(cast.town_official)

    response = client.get(QUEUE, {"overdue": "on"})

    assert codes(response) == [town_cases["a2"].code]
    assert response.context["page"].object_list[0].is_overdue is True


def test_a_closed_case_past_its_old_deadline_is_not_overdue(client, cast, town_cases):
    t.incident_reject(
        actor=cast.town_official,
        incident=town_cases["a2"],
        reason="重复",
        reason_code=starter_reason("reject"),
    )
    past = timezone.now() - datetime.timedelta(hours=1)
    Incident.objects.filter(pk=town_cases["a2"].pk).update(deadline=past)
    client.force_login(cast.town_official)

    response = client.get(QUEUE, {"overdue": "on"})

    assert codes(response) == []


def test_filters_supervised_cases(client, cast, town_cases):
    t.incident_supervise(actor=cast.town_official, incident=town_cases["a3"], on=True)
    client.force_login(cast.town_official)

    supervised = client.get(QUEUE, {"supervised": "true"})
    not_supervised = client.get(QUEUE, {"supervised": "false"})

    assert codes(supervised) == [town_cases["a3"].code]
    assert set(codes(not_supervised)) == {town_cases["a1"].code, town_cases["a2"].code}


def test_filters_by_source(client, cast, town_cases):
    client.force_login(cast.town_official)

    response = client.get(QUEUE, {"source": Incident.Source.HOTLINE})

    assert codes(response) == [town_cases["a3"].code]


@pytest.mark.time_machine(NOW, tick=False)
def test_filters_by_the_local_date_of_the_report(client, cast, town_cases):
    # 2026-11-20 23:30 in Shanghai is 15:30 UTC: the local date, not the UTC date, counts.
    late_evening = datetime.datetime(2026, 11, 20, 15, 30, tzinfo=datetime.UTC)
    Incident.objects.filter(pk=town_cases["a1"].pk).update(created_at=late_evening)
    Incident.objects.filter(pk=town_cases["a2"].pk).update(
        created_at=late_evening + datetime.timedelta(hours=1)
    )
    client.force_login(cast.town_official)

    response = client.get(QUEUE, {"created_from": "2026-11-20", "created_to": "2026-11-20"})

    assert codes(response) == [town_cases["a1"].code]


def test_orders_supervised_cases_first_then_by_deadline(client, cast, town_cases):
    now = timezone.now()
    for name, hours in (("a1", 30), ("a2", 10), ("a3", 20)):
        Incident.objects.filter(pk=town_cases[name].pk).update(
            deadline=now + datetime.timedelta(hours=hours)
        )
    t.incident_supervise(actor=cast.town_official, incident=town_cases["a1"], on=True)
    client.force_login(cast.town_official)

    response = client.get(QUEUE)

    assert codes(response) == [town_cases[name].code for name in ("a1", "a2", "a3")]


def test_orders_by_newest_on_request(client, cast, town_cases):
    client.force_login(cast.town_official)

    response = client.get(QUEUE, {"sort": "newest"})

    assert codes(response) == [town_cases[name].code for name in ("a3", "a2", "a1")]


def test_counts_the_filtered_cases_per_status(client, cast, town_cases, other_town_case):
    t.incident_accept(actor=cast.town_official, incident=town_cases["a1"])
    t.incident_reject(
        actor=cast.town_official,
        incident=town_cases["a2"],
        reason="不属实",
        reason_code=starter_reason("reject"),
    )
    client.force_login(cast.town_official)

    everything = client.get(QUEUE)
    in_v1 = client.get(QUEUE, {"village": cast.village_staff.jurisdiction_id})

    counts = {value: count for value, _label, count in everything.context["status_counts"]}
    assert counts == dict.fromkeys(Incident.Status.values, 0) | {
        "reported": 1,
        "accepted": 1,
        "rejected": 1,
    }
    counts_v1 = {value: count for value, _label, count in in_v1.context["status_counts"]}
    assert counts_v1 == dict.fromkeys(Incident.Status.values, 0) | {
        "accepted": 1,
        "rejected": 1,
    }


def test_pages_the_queue_fifty_cases_at_a_time(client, cast, report, settings):
    for number in range(51):
        report(title=f"案件{number}")
    client.force_login(cast.town_official)

    first = client.get(QUEUE)
    second = client.get(QUEUE, {"cursor": first.context["page"].next_cursor})

    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 1
    assert first.context["total"] == 51
    assert second.context["total"] is None


def test_the_queue_costs_the_same_queries_for_3_or_30_cases(client, cast, report):
    def queries_for_queue() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(QUEUE, {"status": "reported"})
        assert response.status_code == 200
        return len(captured)

    for number in range(3):
        report(title=f"案件{number}")
    client.force_login(cast.town_official)
    client.get(QUEUE)  # the session is loaded and cached once
    with_three = queries_for_queue()

    for number in range(27):
        report(title=f"另一案件{number}")
    with_thirty = queries_for_queue()

    assert with_thirty == with_three


def test_an_invalid_date_shows_the_error_and_no_case(client, cast, town_cases):
    client.force_login(cast.town_official)

    response = client.get(QUEUE, {"created_from": "not-a-date", "level": "99"})

    assert response.status_code == 200
    assert codes(response) == []
    assert set(response.context["filter"].form.errors) == {"created_from", "level"}


def test_a_filter_changed_with_htmx_gets_only_the_queue(client, cast, town_cases):
    client.force_login(cast.town_official)
    url = f"{QUEUE}?status=reported"

    partial = client.get(url, headers={"HX-Request": "true"})
    restored = client.get(
        url, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    whole = client.get(url)

    assert partial.content.decode().lstrip().startswith('<div id="queue">')
    assert "<html" not in partial.content.decode()
    assert [c.code for c in partial.context["page"]] == [c.code for c in whole.context["page"]]
    assert "<html" in restored.content.decode()
    assert "<html" in whole.content.decode()
    assert "HX-Request" in partial["Vary"]
