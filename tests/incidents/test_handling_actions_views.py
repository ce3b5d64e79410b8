"""The case page's forms for returns, extensions, suspension and reopening, and
acceptance with the dispatch rules: one door, the services decide."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Category, DeadlineExtension, DispatchRule, Incident
from incidents.services import transitions as t
from tests.incidents.conftest import events_of

S = Incident.Status


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def post_as(client, user, incident, action, data):
    client.force_login(user)
    return client.post(reverse("incidents:action", args=[incident.pk, action]), data)


@pytest.fixture
def dispatched(report, cast):
    incident = t.incident_accept(actor=cast.town_official, incident=report())
    return t.incident_dispatch(actor=cast.town_official, incident=incident, user=cast.member)


def test_accepting_applies_the_rules_unless_unticked(client, cast, report, department):
    DispatchRule.objects.create(
        town=department.region,
        category=Category.objects.get(code="garbage"),
        department=department,
    )
    ruled, by_hand = report(), report()

    post_as(client, cast.town_official, ruled, "accept", {"accept-apply_rules": "on"})
    post_as(client, cast.town_official, by_hand, "accept", {})

    assert events_of(ruled) == ["report", "accept", "auto_dispatch"]
    assert events_of(by_hand) == ["report", "accept"]


def test_the_handler_returns_the_case_from_its_page(client, cast, dispatched, reason):
    code = reason("return", "wrong-category")

    response = post_as(
        client,
        cast.member,
        dispatched,
        "return",
        {"return-reason_code": code.pk, "return-note": "分类错误"},
    )

    assert response.status_code == 302
    assert Incident.objects.get(pk=dispatched.pk).status == S.ACCEPTED


def test_a_return_without_a_reason_code_shows_the_error_and_changes_nothing(
    client, cast, dispatched
):
    response = post_as(client, cast.member, dispatched, "return", {"return-note": "x"})

    assert response.status_code == 400
    bound = next(f for f in response.context["action_forms"] if f.action == "return")
    assert "reason_code" in bound.errors
    assert events_of(dispatched) == ["report", "accept", "dispatch"]


def test_extension_asked_and_approved_through_the_page(client, cast, dispatched, reason):
    new = timezone.localtime(dispatched.deadline + datetime.timedelta(days=3))

    asked = post_as(
        client,
        cast.member,
        dispatched,
        "extend",
        {
            "extend-reason_code": reason("extension").pk,
            "extend-note": "等配件",
            "extend-new_deadline": new.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    page = client.get(reverse("incidents:detail", args=[dispatched.pk])).content.decode()
    decided = post_as(
        client,
        cast.village_staff,
        dispatched,
        "extend_decide",
        {"extend_decide-decision": "approve", "extend_decide-note": ""},
    )

    assert (asked.status_code, decided.status_code) == (302, 302)
    assert 'id="case-pending-extension"' in page
    assert DeadlineExtension.objects.get().status == "approved"
    assert Incident.objects.get(pk=dispatched.pk).deadline == new.replace(second=0, microsecond=0)


def test_deciding_without_a_pending_extension_is_a_form_error(client, cast, dispatched):
    response = post_as(
        client,
        cast.village_staff,
        dispatched,
        "extend_decide",
        {"extend_decide-decision": "approve"},
    )

    assert response.status_code == 400


def test_suspend_from_the_page_and_the_member_gets_a_403(client, cast, dispatched, reason):
    data = {
        "suspend-reason_code": reason("suspension").pk,
        "suspend-note": "待预算",
        "suspend-review_on": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(),
    }

    refused = post_as(client, cast.member, dispatched, "suspend", data)
    done = post_as(client, cast.town_official, dispatched, "suspend", data)

    assert (refused.status_code, done.status_code) == (403, 302)
    assert Incident.objects.get(pk=dispatched.pk).status == S.SUSPENDED
    page = client.get(reverse("incidents:detail", args=[dispatched.pk]))
    assert 'id="case-review-on"' in page.content.decode()
    assert "resume" in [form.action for form in page.context["action_forms"]]


def test_a_past_review_date_is_a_field_error(client, cast, dispatched, reason):
    response = post_as(
        client,
        cast.town_official,
        dispatched,
        "suspend",
        {
            "suspend-reason_code": reason("suspension").pk,
            "suspend-note": "x",
            "suspend-review_on": timezone.localdate().isoformat(),
        },
    )

    assert response.status_code == 400
    assert Incident.objects.get(pk=dispatched.pk).status == S.DISPATCHED


def test_reject_needs_a_reason_code_on_the_page(client, cast, report, reason):
    incident = report()

    missing = post_as(client, cast.town_official, incident, "reject", {"reject-reason": "x"})
    done = post_as(
        client,
        cast.town_official,
        incident,
        "reject",
        {"reject-reason": "不属实", "reject-reason_code": reason("reject", "not-true").pk},
    )

    assert (missing.status_code, done.status_code) == (400, 302)
    assert incident.events.get(action="reject").reason.code == "not-true"
