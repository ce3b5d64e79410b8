"""Surveys built inline for the tests: one question of each kind and a conditional one."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from surveys.models import Audience, Question
from surveys.services import QuestionData, SurveyData, question_save, survey_create


def make_survey(region, *, actor=None, audience=Audience.RESIDENTS, anonymous=True, **times):
    now = timezone.now()
    data = SurveyData(
        title="居民满意度调查",
        description="",
        audience=audience,
        region=region,
        opens_at=times.get("opens_at", now - datetime.timedelta(days=1)),
        closes_at=times.get("closes_at", now + datetime.timedelta(days=7)),
        is_anonymous=anonymous,
    )
    return survey_create(data=data, actor=actor)


def add_questions(survey) -> SimpleNamespace:
    """single (required), conditional likert, multiple (max 2), rating, number 0–100,
    short text, long text (optional)."""
    single = question_save(
        survey=survey,
        data=QuestionData(
            text="您知道网格员吗？", kind=Question.Kind.SINGLE, choices=["知道", "不知道"]
        ),
    )
    knows = single.choices.get(text="知道")
    likert = question_save(
        survey=survey,
        data=QuestionData(
            text="满意吗？",
            kind=Question.Kind.LIKERT,
            low_label="很不满意",
            high_label="很满意",
            show_if_choice=knows,
            measures_satisfaction=True,
        ),
    )
    multiple = question_save(
        survey=survey,
        data=QuestionData(
            text="接受过哪些服务？",
            kind=Question.Kind.MULTIPLE,
            max_choices=2,
            choices=["宣传", "调解", "代办"],
            is_required=False,
        ),
    )
    rating = question_save(
        survey=survey, data=QuestionData(text="打几分？", kind=Question.Kind.RATING)
    )
    number = question_save(
        survey=survey,
        data=QuestionData(
            text="家里几口人？",
            kind=Question.Kind.NUMBER,
            min_value=Decimal(0),
            max_value=Decimal(100),
            is_required=False,
        ),
    )
    short = question_save(
        survey=survey,
        data=QuestionData(text="您的村名", kind=Question.Kind.SHORT_TEXT, is_required=False),
    )
    long = question_save(
        survey=survey,
        data=QuestionData(text="建议", kind=Question.Kind.LONG_TEXT, is_required=False),
    )
    return SimpleNamespace(
        single=single,
        knows=knows,
        doesnt_know=single.choices.get(text="不知道"),
        likert=likert,
        multiple=multiple,
        rating=rating,
        number=number,
        short=short,
        long=long,
    )


@pytest.fixture
def survey(ladder):
    return make_survey(ladder.town)


@pytest.fixture
def questions(survey):
    return add_questions(survey)


def good_raw(q, **overrides) -> dict:
    """A complete valid set of raw answers, keyed by question id."""
    raw = {
        q.single.pk: [str(q.knows.pk)],
        q.likert.pk: ["4"],
        q.multiple.pk: [str(c.pk) for c in q.multiple.choices.all()[:2]],
        q.rating.pk: ["8"],
        q.number.pk: ["3"],
        q.short.pk: ["东山村"],
        q.long.pk: ["多来走访"],
    }
    for name, value in overrides.items():
        raw[getattr(q, name).pk] = value
    return raw
