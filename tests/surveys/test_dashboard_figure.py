"""Survey satisfaction beside case satisfaction on the officials' dashboard."""

import pytest
from django.urls import reverse

from surveys.selectors import dashboard_survey_satisfaction
from surveys.services import response_submit
from tests.surveys.conftest import add_questions, good_raw, make_survey


@pytest.fixture(autouse=True)
def _english_pages(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def rated(ladder):
    survey = make_survey(ladder.town)
    q = add_questions(survey)
    for n, likert in enumerate(["5", "4", "2", "1"]):
        response_submit(
            survey=survey, raw=good_raw(q, likert=[likert]), role="resident", key=f"{n}"
        )
    return survey


def test_the_newest_survey_of_the_jurisdiction_gives_the_share_of_4_and_5(cast, rated):
    figure = dashboard_survey_satisfaction(cast.town_official)

    assert figure == {
        "survey_id": rated.pk,
        "title": rated.title,
        "answers": 4,
        "satisfied": 2,
        "rate": 0.5,
    }


def test_another_town_sees_no_survey_figure(cast, rated):
    assert dashboard_survey_satisfaction(cast.other_official) is None


def test_the_dashboard_shows_it_beside_the_case_ratings(client, cast, rated):
    client.force_login(cast.town_official)

    page = client.get(reverse("dashboard:home")).content.decode()

    assert 'id="dash-survey-satisfaction"' in page
    assert "50.0%" in page
