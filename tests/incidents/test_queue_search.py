"""The queue's search box: a case number, a reporter's phone or words of the title."""

import pytest
from django.urls import reverse

from incidents.services import transitions as t

QUEUE = reverse("incidents:queue")


@pytest.fixture
def cases(report, cast):
    return {
        "lamp": report(actor=cast.town_official, title="路灯不亮", reporter_phone="13900001111"),
        "dump": report(actor=cast.town_official, title="垃圾堆放"),
    }


def titles(client, **query) -> set[str]:
    response = client.get(QUEUE, query)
    assert response.status_code == 200
    return {incident.title for incident in response.context["page"].object_list}


def test_finds_a_case_by_its_number(client, cast, cases):
    client.force_login(cast.town_official)

    assert titles(client, q=cases["dump"].code) == {"垃圾堆放"}


def test_finds_a_case_by_words_of_its_title(client, cast, cases):
    client.force_login(cast.town_official)

    assert titles(client, q="路灯") == {"路灯不亮"}


def test_finds_a_case_by_the_reporters_phone(client, cast, cases):
    client.force_login(cast.town_official)

    assert titles(client, q="139 0000 1111") == {"路灯不亮"}


def test_the_search_stays_inside_the_users_cases(client, cast, cases):
    client.force_login(cast.other_official)

    assert titles(client, q=cases["dump"].code) == set()


def test_open_only_leaves_out_closed_and_rejected_cases(client, cast, cases, reason):
    t.incident_reject(
        actor=cast.town_official,
        incident=cases["dump"],
        reason="重复",
        reason_code=reason("reject"),
    )
    client.force_login(cast.town_official)

    assert titles(client, open="true") == {"路灯不亮"}
