"""Each question kind's validation, with its message, and conditional questions."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from surveys.answers import answers_clean
from surveys.selectors import survey_questions
from tests.surveys.conftest import good_raw


def _clean(survey, raw):
    return answers_clean(survey_questions(survey), raw)


def _errors(survey, raw) -> dict:
    with pytest.raises(ValidationError) as caught:
        _clean(survey, raw)
    return caught.value.message_dict


def test_accepts_a_complete_set_of_good_answers(survey, questions):
    answers = {answer.question.pk: answer for answer in _clean(survey, good_raw(questions))}

    assert answers[questions.single.pk].choice_ids == (questions.knows.pk,)
    assert answers[questions.likert.pk].number == Decimal(4)
    assert len(answers[questions.multiple.pk].choice_ids) == 2
    assert answers[questions.rating.pk].number == Decimal(8)
    assert answers[questions.number.pk].number == Decimal(3)
    assert answers[questions.short.pk].text == "东山村"
    assert answers[questions.long.pk].text == "多来走访"


def test_required_question_left_empty_says_so(survey, questions):
    errors = _errors(survey, good_raw(questions, single=[], rating=["  "]))

    assert errors == {
        f"q{questions.single.pk}": ["This question needs an answer."],
        f"q{questions.rating.pk}": ["This question needs an answer."],
    }


def test_optional_questions_may_stay_empty(survey, questions):
    raw = good_raw(questions, multiple=[], number=[], short=[], long=[])

    assert {answer.question.pk for answer in _clean(survey, raw)} == {
        questions.single.pk,
        questions.likert.pk,
        questions.rating.pk,
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [(["999999"], "Pick among the choices shown."), (["abc"], "Pick among the choices shown.")],
)
def test_single_choice_refuses_a_value_not_offered(survey, questions, value, message):
    assert _errors(survey, good_raw(questions, single=value)) == {
        f"q{questions.single.pk}": [message]
    }


def test_single_choice_refuses_two_choices(survey, questions):
    both = [str(questions.knows.pk), str(questions.doesnt_know.pk)]

    assert _errors(survey, good_raw(questions, single=both)) == {
        f"q{questions.single.pk}": ["Pick one choice only."]
    }


def test_single_choice_refuses_a_choice_of_another_question(survey, questions):
    foreign = str(questions.multiple.choices.first().pk)

    assert _errors(survey, good_raw(questions, single=[foreign])) == {
        f"q{questions.single.pk}": ["Pick among the choices shown."]
    }


def test_multiple_choice_keeps_to_its_maximum(survey, questions):
    every = [str(choice.pk) for choice in questions.multiple.choices.all()]

    assert _errors(survey, good_raw(questions, multiple=every)) == {
        f"q{questions.multiple.pk}": ["Pick at most 2 choices."]
    }


def test_multiple_choice_counts_a_repeated_choice_once(survey, questions):
    first = str(questions.multiple.choices.first().pk)
    answers = _clean(survey, good_raw(questions, multiple=[first, first]))

    picked = next(a for a in answers if a.question.pk == questions.multiple.pk)
    assert picked.choice_ids == (int(first),)


@pytest.mark.parametrize("value", ["0", "6", "3.5", "three", "-1"])
def test_likert_takes_whole_numbers_from_1_to_5(survey, questions, value):
    assert _errors(survey, good_raw(questions, likert=[value])) == {
        f"q{questions.likert.pk}": ["Pick a whole number from 1 to 5."]
    }


@pytest.mark.parametrize("value", ["0", "10"])
def test_rating_accepts_both_ends(survey, questions, value):
    answers = _clean(survey, good_raw(questions, rating=[value]))

    assert next(a for a in answers if a.question.pk == questions.rating.pk).number == int(value)


@pytest.mark.parametrize("value", ["11", "-1", "x"])
def test_rating_refuses_outside_0_to_10(survey, questions, value):
    assert _errors(survey, good_raw(questions, rating=[value])) == {
        f"q{questions.rating.pk}": ["Pick a whole number from 0 to 10."]
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("many", "Enter a number, such as 12 or 3.5."),
        ("NaN", "Enter a number, such as 12 or 3.5."),
        ("Infinity", "Enter a number, such as 12 or 3.5."),
        ("1e30", "Enter a number, such as 12 or 3.5."),
        ("-1", "Enter a number of at least 0."),
        ("100.5", "Enter a number of at most 100."),
        ("1.23456", "Use at most 4 decimal places."),
    ],
)
def test_number_keeps_to_its_bounds(survey, questions, value, message):
    assert _errors(survey, good_raw(questions, number=[value])) == {
        f"q{questions.number.pk}": [message]
    }


def test_number_accepts_its_bounds_and_decimals(survey, questions):
    for value, expected in (("0", 0), ("100", 100), ("2.5", Decimal("2.5"))):
        answers = _clean(survey, good_raw(questions, number=[value]))
        assert next(a for a in answers if a.question.pk == questions.number.pk).number == expected


def test_text_answers_keep_to_their_length(survey, questions):
    errors = _errors(survey, good_raw(questions, short=["字" * 201], long=["字" * 4001]))

    assert errors == {
        f"q{questions.short.pk}": ["Keep the answer within 200 characters (it has 201)."],
        f"q{questions.long.pk}": ["Keep the answer within 4000 characters (it has 4001)."],
    }


def test_a_value_question_takes_one_value(survey, questions):
    assert _errors(survey, good_raw(questions, rating=["3", "4"])) == {
        f"q{questions.rating.pk}": ["Give one answer only."]
    }


def test_conditional_question_is_required_when_its_choice_is_picked(survey, questions):
    assert _errors(survey, good_raw(questions, likert=[])) == {
        f"q{questions.likert.pk}": ["This question needs an answer."]
    }


def test_conditional_question_is_skipped_and_its_answer_dropped_otherwise(survey, questions):
    raw = good_raw(questions, single=[str(questions.doesnt_know.pk)], likert=["9"])

    answers = _clean(survey, raw)

    assert questions.likert.pk not in {answer.question.pk for answer in answers}


def test_reports_every_bad_answer_at_once(survey, questions):
    raw = good_raw(questions, likert=["7"], rating=["12"], number=["x"])

    assert set(_errors(survey, raw)) == {
        f"q{questions.likert.pk}",
        f"q{questions.rating.pk}",
        f"q{questions.number.pk}",
    }
