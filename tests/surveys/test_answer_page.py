"""The answering page: public by device, by account, errors beside fields, times, access."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys.models import Audience, Response, Survey
from surveys.public_views import DEVICE_COOKIE
from tests.surveys.conftest import add_questions, good_raw, make_survey


@pytest.fixture(autouse=True)
def _english_pages(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def _url(survey, grid=None):
    if grid is not None:
        return reverse("survey_public:answer_grid", args=[survey.token, grid.code])
    return reverse("survey_public:answer", args=[survey.token])


def _post_data(questions, **overrides) -> dict:
    return {f"q{pk}": values for pk, values in good_raw(questions, **overrides).items()}


def test_a_public_survey_opens_without_an_account_and_sets_a_device_cookie(
    client, survey, questions
):
    response = client.get(_url(survey))

    assert response.status_code == 200
    assert DEVICE_COOKIE in response.cookies
    assert questions.likert.text in response.content.decode()


def test_answers_and_attributes_to_the_grid_of_the_link(client, survey, questions, ladder):
    client.get(_url(survey, ladder.a2))
    response = client.post(_url(survey, ladder.a2), _post_data(questions))

    assert response.status_code == 302
    assert response.url == reverse("survey_public:done", args=[survey.token])
    saved = Response.objects.get()
    assert (saved.grid, saved.village, saved.role) == (ladder.a2, ladder.v1, "resident")


def test_a_grid_outside_the_survey_is_404(client, survey, questions, ladder):
    assert client.get(_url(survey, ladder.b1)).status_code == 404


def test_errors_show_beside_their_field_and_keep_the_other_answers(client, survey, questions):
    data = _post_data(questions, rating=["11"], short=["我的村"])

    response = client.post(_url(survey), data)

    page = response.content.decode()
    assert response.status_code == 400
    assert f'id="error-q{questions.rating.pk}"' in page
    assert "Pick a whole number from 0 to 10." in page
    assert 'value="我的村"' in page
    assert not Response.objects.exists()


def test_one_response_per_device(client, survey, questions):
    client.get(_url(survey))
    assert client.post(_url(survey), _post_data(questions)).status_code == 302

    again = client.get(_url(survey))
    second = client.post(_url(survey), _post_data(questions))

    assert "You have already answered this survey." in again.content.decode()
    assert "You have already answered this survey." in second.content.decode()
    assert Response.objects.count() == 1


def test_a_forged_device_cookie_counts_as_a_new_device(client, survey, questions):
    client.cookies[DEVICE_COOKIE] = "forged"

    response = client.get(_url(survey))

    assert response.cookies[DEVICE_COOKIE].value != "forged"


def test_one_response_per_account(client, survey, questions, cast):
    client.force_login(cast.resident)
    client.post(_url(survey), _post_data(questions))
    client.cookies.pop(DEVICE_COOKIE, None)

    response = client.post(_url(survey), _post_data(questions))

    assert "You have already answered this survey." in response.content.decode()
    assert Response.objects.count() == 1


def test_a_signed_in_resident_is_attributed_to_their_home_grid(client, survey, questions, cast):
    client.force_login(cast.resident)

    client.post(_url(survey), _post_data(questions))

    assert Response.objects.get().grid == cast.resident_record.household.grid


def test_a_named_survey_asks_for_a_login(client, ladder):
    survey = make_survey(ladder.town, anonymous=False)
    add_questions(survey)

    response = client.get(_url(survey))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_survey_not_yet_open_says_when_it_opens(client, ladder):
    opens = timezone.now() + datetime.timedelta(days=2)
    survey = make_survey(ladder.town, opens_at=opens, closes_at=opens + datetime.timedelta(days=1))
    questions = add_questions(survey)

    page = client.get(_url(survey)).content.decode()
    posted = client.post(_url(survey), _post_data(questions))

    assert f"This survey opens on {timezone.localtime(opens):%Y-%m-%d %H:%M}." in page
    assert 'name="q' not in page
    assert posted.status_code == 200
    assert not Response.objects.exists()


def test_a_closed_survey_says_so(client, ladder):
    now = timezone.now()
    survey = make_survey(
        ladder.town,
        opens_at=now - datetime.timedelta(days=9),
        closes_at=now - datetime.timedelta(days=1),
    )
    questions = add_questions(survey)

    page = client.post(_url(survey), _post_data(questions)).content.decode()

    assert "This survey is closed." in page
    assert not Response.objects.exists()


def test_an_unknown_token_or_a_template_is_404(client, db):
    template = Survey.objects.filter(is_template=True).first()
    assert client.get("/s/nope/").status_code == 404
    assert client.get(_url(template)).status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [("member", 200), ("other_member", 200), ("resident", 403), ("town_official", 403)],
)
def test_a_member_survey_is_for_grid_members_of_its_region(client, cast, ladder, who, status):
    survey = make_survey(ladder.town, audience=Audience.MEMBERS)
    add_questions(survey)
    client.force_login(getattr(cast, who))

    assert client.get(_url(survey)).status_code == status


def test_a_member_survey_of_another_town_is_refused(client, cast, ladder):
    survey = make_survey(ladder.other_town, audience=Audience.MEMBERS)
    add_questions(survey)
    client.force_login(cast.member)

    assert client.get(_url(survey)).status_code == 403


def test_a_member_answers_once_and_is_attributed_to_their_grid(client, cast, ladder):
    survey = make_survey(ladder.town, audience=Audience.MEMBERS)
    questions = add_questions(survey)
    client.force_login(cast.other_member)

    client.post(_url(survey), _post_data(questions))
    client.post(_url(survey), _post_data(questions))

    saved = Response.objects.get()
    assert (saved.role, saved.grid, saved.respondent) == ("member", ladder.a2, None)


def test_a_member_survey_needs_a_login(client, ladder):
    survey = make_survey(ladder.town, audience=Audience.MEMBERS)

    response = client.get(_url(survey))

    assert response.status_code == 302
