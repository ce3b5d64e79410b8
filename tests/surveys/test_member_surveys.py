"""Grid members see the open surveys meant for them in their workspace (the partial)."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from surveys.models import Audience
from surveys.respondents import respondent_key
from surveys.selectors import surveys_open_for_member
from surveys.services import response_submit
from tests.surveys.conftest import make_survey


@pytest.fixture
def member_surveys(ladder):
    now = timezone.now()
    return {
        "open": make_survey(ladder.town, audience=Audience.MEMBERS),
        "both": make_survey(ladder.v1, audience=Audience.BOTH),
        "residents": make_survey(ladder.town, audience=Audience.RESIDENTS),
        "other_village": make_survey(ladder.v2, audience=Audience.MEMBERS),
        "other_town": make_survey(ladder.other_town, audience=Audience.MEMBERS),
        "closed": make_survey(
            ladder.town,
            audience=Audience.MEMBERS,
            opens_at=now - datetime.timedelta(days=5),
            closes_at=now - datetime.timedelta(days=1),
        ),
        "later": make_survey(
            ladder.town,
            audience=Audience.MEMBERS,
            opens_at=now + datetime.timedelta(days=1),
            closes_at=now + datetime.timedelta(days=5),
        ),
    }


def test_lists_open_unanswered_member_surveys_covering_the_members_grid(cast, member_surveys):
    found = surveys_open_for_member(cast.member)

    assert set(found) == {member_surveys["open"], member_surveys["both"]}


def test_an_answered_survey_leaves_the_list(cast, member_surveys):
    survey = member_surveys["open"]
    response_submit(
        survey=survey,
        raw={},
        role="member",
        key=respondent_key(survey=survey, user=cast.member),
    )

    assert surveys_open_for_member(cast.member) == [member_surveys["both"]]


@pytest.mark.parametrize("who", ["resident", "town_official", "anonymous"])
def test_others_get_no_list(cast, member_surveys, who):
    user = getattr(cast, who) or AnonymousUser()

    assert surveys_open_for_member(user) == []


def test_the_partial_links_to_the_surveys(cast, member_surveys, django_assert_max_num_queries):
    request = RequestFactory().get("/")
    request.user = cast.member

    with django_assert_max_num_queries(5):
        html = render_to_string("surveys/_member_surveys.html", {"request": request})

    assert f"/s/{member_surveys['open'].token}/" in html
    assert f"/s/{member_surveys['residents'].token}/" not in html


def test_the_partial_is_empty_for_a_resident(cast, member_surveys):
    request = RequestFactory().get("/")
    request.user = cast.resident

    assert render_to_string("surveys/_member_surveys.html", {"request": request}).strip() == ""


def test_the_workspace_shows_the_surveys_meant_for_the_member(client, cast, member_surveys):
    client.force_login(cast.member)

    page = client.get(reverse("members:workspace")).content.decode()

    assert f"/s/{member_surveys['open'].token}/" in page
    assert f"/s/{member_surveys['residents'].token}/" not in page
