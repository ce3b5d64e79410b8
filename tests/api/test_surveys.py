"""/api/surveys/: managers read surveys and the responses they may see; grid members and
residents read and answer the surveys meant for them, once."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from surveys.models import Audience, Response
from surveys.respondents import respondent_key
from surveys.services import response_submit
from tests.surveys.conftest import add_questions, good_raw, make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def town_survey(ladder):
    survey = make_survey(ladder.town, audience=Audience.BOTH)
    return survey, add_questions(survey)


def _answers(q) -> dict:
    return {str(key): values for key, values in good_raw(q).items()}


@pytest.mark.parametrize(
    ("who", "listed"),
    [
        ("town_official", True),
        ("county_official", True),
        ("other_official", False),
        ("member", True),  # an open member survey covering the member's grid
        ("resident", False),
    ],
)
def test_lists_surveys_by_role(api, cast, town_survey, who, listed):
    survey, _q = town_survey

    response = api(getattr(cast, who)).get("/api/surveys/")

    assert response.status_code == 200
    assert (survey.pk in {row["id"] for row in response.json()["results"]}) is listed


def test_detail_carries_questions_and_choices(api, cast, town_survey):
    survey, q = town_survey

    body = api(cast.member).get(f"/api/surveys/{survey.pk}/").json()

    assert [question["id"] for question in body["questions"]][:2] == [q.single.pk, q.likert.pk]
    assert {c["text"] for c in body["questions"][0]["choices"]} == {"知道", "不知道"}
    assert body["state"] == "open"


def test_a_survey_outside_the_callers_reach_is_404(api, cast, ladder):
    survey = make_survey(ladder.v2, audience=Audience.MEMBERS)

    assert api(cast.other_official).get(f"/api/surveys/{survey.pk}/").status_code == 404
    assert api(cast.member).get(f"/api/surveys/{survey.pk}/").status_code == 404
    assert api(cast.town_official).get(f"/api/surveys/{survey.pk}/").status_code == 200


def test_a_public_survey_opens_for_anyone_signed_in(api, cast, town_survey):
    survey, _q = town_survey

    assert api(cast.other_official).get(f"/api/surveys/{survey.pk}/").status_code == 200


def test_a_grid_member_answers_once(api, cast, town_survey, ladder):
    survey, q = town_survey
    client = api(cast.member)

    first = client.post(
        f"/api/surveys/{survey.pk}/responses/", {"answers": _answers(q)}, format="json"
    )
    again = client.post(
        f"/api/surveys/{survey.pk}/responses/", {"answers": _answers(q)}, format="json"
    )

    assert first.status_code == 201, first.content
    assert again.status_code == 409
    saved = Response.objects.get()
    assert (saved.role, saved.grid) == ("member", ladder.a1)


def test_a_bad_answer_is_400_per_question_and_saves_nothing(api, cast, town_survey):
    survey, q = town_survey
    answers = _answers(q)
    answers[str(q.rating.pk)] = ["11"]

    response = api(cast.member).post(
        f"/api/surveys/{survey.pk}/responses/", {"answers": answers}, format="json"
    )

    assert response.status_code == 400
    assert f"q{q.rating.pk}" in response.json()
    assert not Response.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("member", 404), ("other_official", 404)])
def test_responses_are_refused_to_those_who_may_not_read_results(
    api, cast, town_survey, who, status
):
    survey, _q = town_survey

    assert (
        api(getattr(cast, who)).get(f"/api/surveys/{survey.pk}/responses/").status_code == status
    )


def test_managers_read_the_responses_without_who_answered(api, cast, town_survey, ladder):
    survey, q = town_survey
    response_submit(
        survey=survey,
        raw=good_raw(q),
        role=Response.Role.MEMBER,
        key=respondent_key(survey=survey, user=cast.member),
        respondent=cast.member,
        grid=ladder.a1,
    )

    body = api(cast.town_official).get(f"/api/surveys/{survey.pk}/responses/").json()

    (row,) = body["results"]
    assert row["grid"] == ladder.a1.pk
    assert "respondent" not in row
    assert {answer["question"] for answer in row["answers"]} >= {q.single.pk, q.rating.pk}


def test_the_responses_cost_the_same_queries_for_more_responses(api, cast, town_survey, ladder):
    survey, q = town_survey
    client = api(cast.town_official)
    url = f"/api/surveys/{survey.pk}/responses/"

    def submit(n: int) -> None:
        raw = good_raw(q)
        response_submit(survey=survey, raw=raw, role="resident", key=f"k{n}", grid=ladder.a1)

    submit(0)
    client.get(url)  # caches warmed (roles, content types)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for n in range(1, 6):
        submit(n)
    with CaptureQueriesContext(connection) as six:
        body = client.get(url).json()

    assert body["count"] == 6
    assert all(row["answers"] for row in body["results"])
    assert len(six) == len(one)


def test_village_staff_read_only_their_villages_responses(api, cast, town_survey, ladder):
    survey, q = town_survey
    for user, grid in ((cast.member, ladder.a1), (cast.resident, ladder.a3)):
        response_submit(
            survey=survey,
            raw=good_raw(q),
            role=Response.Role.RESIDENT,
            key=respondent_key(survey=survey, user=user),
            grid=grid,
        )

    body = api(cast.village_staff).get(f"/api/surveys/{survey.pk}/responses/").json()

    assert [row["village"] for row in body["results"]] == [ladder.v1.pk]


def test_a_closed_survey_refuses_answers_with_409(api, cast, ladder):
    now = timezone.now()
    survey = make_survey(
        ladder.town,
        audience=Audience.MEMBERS,
        opens_at=now - datetime.timedelta(days=3),
        closes_at=now - datetime.timedelta(days=1),
    )
    q = add_questions(survey)

    response = api(cast.member).post(
        f"/api/surveys/{survey.pk}/responses/", {"answers": _answers(q)}, format="json"
    )

    assert response.status_code == 409
    assert not Response.objects.exists()
