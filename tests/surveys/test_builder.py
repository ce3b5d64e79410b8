"""Building: questions and their checks, the lock once answered, copies as rounds,
templates, and who may use each builder page."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from surveys.models import Choice, Question, Response, Survey
from surveys.services import (
    QuestionData,
    SurveyLocked,
    question_delete,
    question_save,
    response_submit,
    survey_copy,
)
from tests.conftest import NOW, TODAY
from tests.surveys.conftest import add_questions, good_raw, make_survey


@pytest.fixture(autouse=True)
def _english_pages(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def answered(survey, questions):
    response_submit(survey=survey, raw=good_raw(questions), role="resident", key="k")
    return survey


def _data(question: Question, **changes) -> QuestionData:
    values = {
        name: getattr(question, name)
        for name in QuestionData.__dataclass_fields__
        if name != "choices"
    }
    values["choices"] = [choice.text for choice in question.choices.all()]
    values.update(changes)
    return QuestionData(**values)


@pytest.mark.parametrize(
    ("kind", "changes", "field"),
    [
        ("single", {"choices": ["只有一个"]}, "choices"),
        ("single", {"max_choices": 1}, "max_choices"),
        ("multiple", {"choices": ["a", "b"], "max_choices": 3}, "max_choices"),
        ("rating", {"min_value": 1}, "min_value"),
        ("number", {"min_value": 5, "max_value": 1}, "max_value"),
        ("short_text", {"measures_satisfaction": True}, "measures_satisfaction"),
    ],
)
def test_refuses_an_inconsistent_question(survey, kind, changes, field):
    data = QuestionData(text="题", kind=kind, **changes)

    with pytest.raises(ValidationError) as caught:
        question_save(survey=survey, data=data)

    assert field in caught.value.message_dict
    assert not survey.questions.exists()


def test_a_condition_must_be_a_choice_of_an_earlier_question(survey, questions, ladder):
    other = add_questions(make_survey(ladder.town))

    for choice in (other.knows, questions.multiple.choices.first()):
        with pytest.raises(ValidationError) as caught:
            question_save(
                survey=survey,
                question=questions.rating,
                data=_data(questions.rating, show_if_choice=choice, order=1),
            )
        assert "show_if_choice" in caught.value.message_dict


def test_without_answers_everything_may_change(survey, questions):
    question_save(
        survey=survey,
        question=questions.multiple,
        data=_data(questions.multiple, kind="single", max_choices=None, choices=["甲", "乙"]),
    )
    question_delete(question=questions.long)

    questions.multiple.refresh_from_db()
    assert questions.multiple.kind == "single"
    assert [c.text for c in questions.multiple.choices.all()] == ["甲", "乙"]
    assert not Question.objects.filter(pk=questions.long.pk).exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": "single", "max_choices": None},
        {"max_choices": 1},
        {"choices": ["宣传", "调解"]},
        {"choices": ["宣传", "调解", "代办", "走访"]},
        {"order": 1},
        {"is_required": True},
    ],
)
def test_once_answered_a_structural_change_is_refused(answered, questions, changes):
    with pytest.raises(SurveyLocked) as caught:
        question_save(
            survey=answered, question=questions.multiple, data=_data(questions.multiple, **changes)
        )

    assert "copy the survey as a new round" in caught.value.messages[0]
    assert questions.multiple.choices.count() == 3
    questions.multiple.refresh_from_db()
    assert (questions.multiple.kind, questions.multiple.max_choices) == ("multiple", 2)


def test_once_answered_no_question_is_added_or_deleted(answered, questions):
    with pytest.raises(SurveyLocked):
        question_save(survey=answered, data=QuestionData(text="新题", kind="short_text"))
    with pytest.raises(SurveyLocked):
        question_delete(question=questions.long)

    assert answered.questions.count() == 7


def test_once_answered_the_wording_may_still_change(answered, questions):
    question_save(
        survey=answered,
        question=questions.multiple,
        data=_data(
            questions.multiple,
            text="您接受过哪些服务？",
            choices=["政策宣传", "调解", "代办"],
            is_required=False,
        ),
    )

    assert list(questions.multiple.choices.values_list("text", flat=True)) == [
        "政策宣传",
        "调解",
        "代办",
    ]
    assert Response.objects.get().answers.filter(choice__text="政策宣传").count() == 1


def test_copy_makes_the_next_round_with_the_same_questions_and_conditions(survey, questions, cast):
    second = survey_copy(survey=survey, actor=cast.town_official)
    third = survey_copy(survey=second, actor=cast.town_official)

    assert (second.series, second.round_number, third.round_number) == (survey.series, 2, 3)
    assert second.opens_at is None
    copied = {q.key: q for q in second.questions.select_related("show_if_choice__question")}
    assert set(copied) == set(survey.questions.values_list("key", flat=True))
    likert = copied[questions.likert.key]
    assert likert.show_if_choice.text == "知道"
    assert likert.show_if_choice.question.survey == second
    assert Choice.objects.filter(question__survey=second).count() == 5


def test_ships_the_two_questionnaires_of_the_study_as_templates(db):
    templates = {s.audience: s for s in Survey.objects.filter(is_template=True)}

    assert set(templates) == {"members", "residents"}
    member_keys = set(templates["members"].questions.values_list("key", flat=True))
    assert {"workload", "staffing", "trained", "pay", "tools", "platform_useful", "obstacles"} <= (
        member_keys
    )
    resident_keys = set(templates["residents"].questions.values_list("key", flat=True))
    assert {"knows_member", "contact", "services", "case_satisfaction", "suggestions"} <= (
        resident_keys
    )
    contact = templates["residents"].questions.get(key="contact")
    assert contact.show_if_choice.text == "知道"
    assert "网格员" in templates["members"].title


def test_copying_a_template_starts_a_towns_own_series(client, cast, ladder):
    template = Survey.objects.get(is_template=True, audience="residents")
    client.force_login(cast.town_official)

    response = client.post(reverse("surveys:copy", args=[template.pk]), {"region": ladder.town.pk})

    copy = Survey.objects.get(is_template=False)
    assert response.url == reverse("surveys:detail", args=[copy.pk])
    assert (copy.region, copy.round_number, copy.is_template) == (ladder.town, 1, False)
    assert copy.series != template.series
    assert copy.questions.count() == template.questions.count()


def test_an_official_cannot_copy_into_another_town(client, cast, ladder):
    template = Survey.objects.get(is_template=True, audience="residents")
    client.force_login(cast.town_official)

    response = client.post(
        reverse("surveys:copy", args=[template.pk]), {"region": ladder.other_town.pk}
    )

    assert response.status_code == 302  # the choice is not offered: the form refuses it
    assert not Survey.objects.filter(is_template=False).exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("resident", 404),
        ("member", 404),
        ("other_official", 404),
        ("village_staff", 403),
        ("town_official", 200),
        ("county_official", 200),
    ],
)
def test_who_may_edit_a_towns_survey(client, cast, survey, questions, who, status):
    if getattr(cast, who):
        client.force_login(getattr(cast, who))

    page = client.get(reverse("surveys:question_create", args=[survey.pk]))
    posted = client.post(
        reverse("surveys:question_create", args=[survey.pk]),
        {"text": "新题", "kind": "short_text", "is_required": "on"},
    )

    assert page.status_code == status
    if status == 200:
        assert survey.questions.filter(text="新题").exists()
    else:
        assert posted.status_code == status
        assert not survey.questions.filter(text="新题").exists()


def test_the_question_form_shows_field_errors_and_saves_nothing(client, cast, survey):
    client.force_login(cast.town_official)

    response = client.post(
        reverse("surveys:question_create", args=[survey.pk]),
        {"text": "题", "kind": "number", "min_value": "9", "max_value": "1"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["max_value"] == [
        "The highest number cannot be below the lowest."
    ]
    assert not survey.questions.exists()


def test_the_builder_page_says_when_questions_are_locked(client, cast, answered):
    client.force_login(cast.town_official)

    page = client.get(reverse("surveys:detail", args=[answered.pk])).content.decode()

    assert "This survey has 1 response: its questions can no longer be added" in page
    assert reverse("surveys:question_create", args=[answered.pk]) not in page


@pytest.mark.time_machine(NOW, tick=False)
def test_creates_a_survey_in_the_officials_town_only(client, cast, ladder):
    client.force_login(cast.town_official)
    opens_on = TODAY + datetime.timedelta(days=7)
    form = {
        "title": "居民调查",
        "audience": "residents",
        "opens_at": f"{opens_on}T08:00",
        "closes_at": f"{opens_on + datetime.timedelta(days=30)}T18:00",
        "is_anonymous": "on",
    }

    refused = client.post(reverse("surveys:create"), {**form, "region": ladder.other_town.pk})
    bad_times = client.post(
        reverse("surveys:create"),
        {**form, "region": ladder.town.pk, "closes_at": f"{TODAY}T08:00"},
    )
    created = client.post(reverse("surveys:create"), {**form, "region": ladder.town.pk})

    assert refused.status_code == 400
    assert "region" in refused.context["form"].errors
    assert bad_times.context["form"].errors["closes_at"] == ["A survey must close after it opens."]
    assert created.status_code == 302
    assert Survey.objects.get(is_template=False).region == ladder.town


def test_lists_the_towns_surveys_and_the_templates_only(client, cast, ladder):
    mine, theirs = make_survey(ladder.town), make_survey(ladder.other_town)
    theirs.title = "别镇问卷"
    theirs.save()
    client.force_login(cast.town_official)

    response = client.get(reverse("surveys:list"))

    assert response.context["surveys"] == [mine]
    assert len(response.context["templates"]) == 2


def test_qr_code_is_an_svg_of_the_link_and_per_grid(client, cast, survey, ladder):
    client.force_login(cast.town_official)

    whole = client.get(reverse("surveys:qr", args=[survey.pk]))
    grid = client.get(reverse("surveys:qr", args=[survey.pk]), {"grid": ladder.a1.code})
    foreign = client.get(reverse("surveys:qr", args=[survey.pk]), {"grid": ladder.b1.code})

    assert whole["Content-Type"] == "image/svg+xml"
    assert whole.content.lstrip().startswith(b"<?xml") or b"<svg" in whole.content[:200]
    assert grid.content != whole.content
    assert foreign.status_code == 404


def test_the_builder_lists_one_link_per_grid(client, cast, survey, ladder):
    client.force_login(cast.town_official)

    links = client.get(reverse("surveys:detail", args=[survey.pk])).context["grid_links"]

    assert [link["code"] for link in links] == [ladder.a1.code, ladder.a2.code, ladder.a3.code]
    assert links[0]["url"].endswith(f"/s/{survey.token}/g/{ladder.a1.code}/")
