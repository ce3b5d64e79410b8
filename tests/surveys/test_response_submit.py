"""Writing a response: one per account or device, open and close times, attribution."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from surveys.models import Answer, Response
from surveys.respondents import respondent_key
from surveys.services import response_submit
from tests.surveys.conftest import add_questions, good_raw, make_survey


def _submit(survey, q, *, key="k1", **kwargs):
    return response_submit(
        survey=survey, raw=good_raw(q), role=Response.Role.RESIDENT, key=key, **kwargs
    )


def test_writes_the_response_with_one_row_per_value_and_per_choice(survey, questions, ladder):
    response = _submit(survey, questions, grid=ladder.a1)

    assert response.village_id == ladder.v1.pk
    assert Answer.objects.filter(response=response).count() == 8  # 2 choices of multiple


def test_refuses_a_second_response_of_the_same_account(survey, questions, cast):
    key = respondent_key(survey=survey, user=cast.resident)
    _submit(survey, questions, key=key, respondent=cast.resident)

    with pytest.raises(ValidationError) as caught:
        _submit(survey, questions, key=key, respondent=cast.resident)

    assert caught.value.messages == ["You have already answered this survey."]
    assert Response.objects.count() == 1
    assert Answer.objects.count() == 8


def test_refuses_a_second_response_of_the_same_device(survey, questions):
    key = respondent_key(survey=survey, device_id="device-1")
    _submit(survey, questions, key=key)

    with pytest.raises(ValidationError):
        _submit(survey, questions, key=key)

    assert Response.objects.get().respondent_key == key


def test_another_device_answers_too(survey, questions):
    _submit(survey, questions, key=respondent_key(survey=survey, device_id="a"))
    _submit(survey, questions, key=respondent_key(survey=survey, device_id="b"))

    assert Response.objects.count() == 2


def test_keys_differ_between_surveys_and_between_accounts_and_devices(ladder, cast):
    first, second = make_survey(ladder.town), make_survey(ladder.town)

    keys = {
        respondent_key(survey=first, user=cast.resident),
        respondent_key(survey=second, user=cast.resident),
        respondent_key(survey=first, device_id=str(cast.resident.pk)),
    }

    assert len(keys) == 3


def test_anonymous_survey_stores_no_account(survey, questions, cast):
    _submit(survey, questions, respondent=cast.resident)

    assert Response.objects.get().respondent is None


def test_named_survey_stores_the_account(ladder, cast):
    survey = make_survey(ladder.town, anonymous=False)
    questions = add_questions(survey)

    _submit(survey, questions, respondent=cast.resident)

    assert Response.objects.get().respondent == cast.resident


def test_bad_answers_write_nothing(survey, questions):
    with pytest.raises(ValidationError):
        response_submit(
            survey=survey,
            raw=good_raw(questions, rating=["11"]),
            role=Response.Role.RESIDENT,
            key="k",
        )

    assert not Response.objects.exists()
    assert not Answer.objects.exists()


def test_refuses_answers_before_the_survey_opens(ladder):
    opens = timezone.now() + datetime.timedelta(days=1)
    survey = make_survey(ladder.town, opens_at=opens, closes_at=opens + datetime.timedelta(days=1))
    questions = add_questions(survey)

    with pytest.raises(ValidationError) as caught:
        _submit(survey, questions)

    assert caught.value.messages == ["This survey is not open yet."]


def test_accepts_answers_from_the_opening_second_to_just_before_closing(ladder):
    opens = timezone.now() + datetime.timedelta(days=1)
    closes = opens + datetime.timedelta(hours=2)
    survey = make_survey(ladder.town, opens_at=opens, closes_at=closes)
    questions = add_questions(survey)

    with time_machine.travel(opens, tick=False):
        _submit(survey, questions, key="at-opening")
    with time_machine.travel(closes - datetime.timedelta(seconds=1), tick=False):
        _submit(survey, questions, key="before-closing")
    with time_machine.travel(closes, tick=False), pytest.raises(ValidationError) as caught:
        _submit(survey, questions, key="at-closing")

    assert caught.value.messages == ["This survey is closed."]
    assert Response.objects.count() == 2


def test_a_draft_takes_no_answers(ladder):
    survey = make_survey(ladder.town, opens_at=None, closes_at=None)
    questions = add_questions(survey)

    with pytest.raises(ValidationError):
        _submit(survey, questions)
