"""Every write of the surveys app: building, copying a round, answering."""

import datetime
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Grid, Region
from members.models import User
from surveys.answers import CleanAnswer, answers_clean
from surveys.models import Answer, Choice, Question, Response, Survey, question_rule_errors


class SurveyLocked(ValidationError):
    """A change that would break the answers already given."""


def _locked_message(survey: Survey, count: int) -> str:
    return _(
        "This survey already has %(count)d responses, so its questions can no longer be "
        "added, removed, reordered, or changed in kind, required flag, bounds, number of "
        "choices or conditions: that would break the answers given. You may still correct "
        "the wording. To change the questionnaire, copy the survey as a new round."
    ) % {"count": count}


def _refuse_if_answered(survey: Survey) -> None:
    count = survey.responses.count()
    if count:
        raise SurveyLocked(_locked_message(survey, count))


# --- Surveys -------------------------------------------------------------------------


@dataclass
class SurveyData:
    title: str
    description: str
    audience: str
    region: Region
    opens_at: datetime.datetime | None
    closes_at: datetime.datetime | None
    is_anonymous: bool


def _check_times(data: SurveyData) -> None:
    if data.opens_at and data.closes_at and data.closes_at <= data.opens_at:
        raise ValidationError({"closes_at": _("A survey must close after it opens.")})
    if data.closes_at and not data.opens_at:
        raise ValidationError({"opens_at": _("Set the opening time too.")})


def survey_create(*, data: SurveyData, actor: User) -> Survey:
    _check_times(data)
    return Survey.objects.create(**data.__dict__, created_by=actor)


@transaction.atomic
def survey_update(*, survey: Survey, data: SurveyData) -> Survey:
    """Times, title and description may change at any time; who answers, where and whether
    anonymously may not once answers exist."""
    _check_times(data)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    changed = (
        data.audience != survey.audience
        or data.region.pk != survey.region_id
        or data.is_anonymous != survey.is_anonymous
    )
    count = survey.responses.count()
    if changed and count:
        raise SurveyLocked(
            _(
                "This survey already has %(count)d responses: its audience, jurisdiction and "
                "anonymity can no longer change. Copy it as a new round instead."
            )
            % {"count": count}
        )
    for name, value in data.__dict__.items():
        setattr(survey, name, value)
    survey.save()
    return survey


@transaction.atomic
def survey_copy(*, survey: Survey, actor: User, region: Region | None = None) -> Survey:
    """A new round: the same questions (same keys), choices and conditions, as a draft.

    Copying a round continues its series; copying a template starts a town's own series.
    """
    if survey.is_template:
        series, round_number = uuid.uuid4(), 1
    else:
        series = survey.series
        last = Survey.objects.filter(series=series).aggregate(last=Max("round_number"))["last"]
        round_number = (last or 0) + 1
    copy = Survey.objects.create(
        title=survey.title,
        description=survey.description,
        audience=survey.audience,
        region=region or survey.region,
        is_anonymous=survey.is_anonymous,
        series=series,
        round_number=round_number,
        created_by=actor,
    )
    questions = list(survey.questions.prefetch_related("choices").order_by("order", "pk"))
    choice_map: dict[int, Choice] = {}
    for question in questions:
        condition = question.show_if_choice_id
        new_question = Question.objects.create(
            survey=copy,
            **{
                name: getattr(question, name)
                for name in QUESTION_FIELDS
                if name not in ("show_if_choice",)
            },
            key=question.key,
            show_if_choice=choice_map.get(condition) if condition else None,
        )
        for choice in question.choices.all():
            choice_map[choice.pk] = Choice.objects.create(
                question=new_question, order=choice.order, text=choice.text
            )
    return copy


# --- Questions -----------------------------------------------------------------------

QUESTION_FIELDS = (
    "order",
    "text",
    "help_text",
    "kind",
    "is_required",
    "max_choices",
    "min_value",
    "max_value",
    "low_label",
    "high_label",
    "measures_satisfaction",
    "show_if_choice",
)
# What answers depend on: frozen once a survey has responses.
STRUCTURAL_FIELDS = ("order", "kind", "max_choices", "min_value", "max_value", "show_if_choice")


@dataclass
class QuestionData:
    text: str
    kind: str
    order: int | None = None
    help_text: str = ""
    is_required: bool = True
    max_choices: int | None = None
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    low_label: str = ""
    high_label: str = ""
    measures_satisfaction: bool = False
    show_if_choice: Choice | None = None
    choices: list[str] = field(default_factory=list)


def _check_question(survey: Survey, data: QuestionData, order: int) -> None:
    errors = question_rule_errors(
        survey_id=survey.pk,
        kind=data.kind,
        order=order,
        max_choices=data.max_choices,
        has_bounds=data.min_value is not None or data.max_value is not None,
        measures_satisfaction=data.measures_satisfaction,
        show_if_choice=data.show_if_choice,
        choice_count=len(data.choices),
    )
    if (
        data.min_value is not None
        and data.max_value is not None
        and data.max_value < data.min_value
    ):
        errors["max_value"] = _("The highest number cannot be below the lowest.")
    if errors:
        raise ValidationError(errors)


def _next_order(survey: Survey) -> int:
    last = survey.questions.aggregate(last=Max("order"))["last"]
    return (last or 0) + 10


def question_next_key(survey: Survey) -> str:
    """A key not yet used in the survey (q1, q2...): keys match questions across rounds."""
    taken = set(survey.questions.values_list("key", flat=True))
    number = len(taken) + 1
    while f"q{number}" in taken:
        number += 1
    return f"q{number}"


@transaction.atomic
def question_save(
    *, survey: Survey, data: QuestionData, question: Question | None = None
) -> Question:
    """Add or change a question and its choices (one per line, in order).

    On a survey with responses only the wording may change (``SurveyLocked`` otherwise).
    """
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    order = (
        data.order
        if data.order is not None
        else (question.order if question else _next_order(survey))
    )
    _check_question(survey, data, order)
    if survey.responses.exists():
        _check_wording_only(survey, question, data, order)
    values = {name: getattr(data, name) for name in QUESTION_FIELDS if name != "order"}
    if data.kind not in Question.CHOICE_KINDS:
        data.choices = []
    if question is None:
        question = Question.objects.create(
            survey=survey, order=order, key=question_next_key(survey), **values
        )
    else:
        for name, value in values.items():
            setattr(question, name, value)
        question.order = order
        question.save()
    _save_choices(question, data.choices)
    return question


def _check_wording_only(
    survey: Survey, question: Question | None, data: QuestionData, order: int
) -> None:
    if question is None:
        _refuse_if_answered(survey)
        return
    current = {name: getattr(question, name) for name in STRUCTURAL_FIELDS}
    proposed = {**{name: getattr(data, name) for name in STRUCTURAL_FIELDS}, "order": order}
    made_required = data.is_required and not question.is_required
    if current != proposed or made_required or len(data.choices) != question.choices.count():
        _refuse_if_answered(survey)


def _save_choices(question: Question, texts: list[str]) -> None:
    """Reword choices in place (answers point at them); add or drop only at the end."""
    existing = list(question.choices.order_by("order", "pk"))
    for index, text in enumerate(texts):
        if index < len(existing):
            choice = existing[index]
            if choice.text != text or choice.order != index:
                choice.text, choice.order = text, index
                choice.save(update_fields=["text", "order"])
        else:
            Choice.objects.create(question=question, order=index, text=text)
    surplus = [choice.pk for choice in existing[len(texts) :]]
    if surplus:
        if Question.objects.filter(show_if_choice__in=surplus).exists():
            raise ValidationError(
                {"choices": _("A later question is shown on a choice you removed.")}
            )
        Choice.objects.filter(pk__in=surplus).delete()


@transaction.atomic
def question_delete(*, question: Question) -> None:
    survey = Survey.objects.select_for_update().get(pk=question.survey_id)
    _refuse_if_answered(survey)
    if Question.objects.filter(show_if_choice__question=question).exists():
        raise ValidationError(_("A later question is shown on one of this question's choices."))
    question.delete()


# --- Answering -----------------------------------------------------------------------


def _refuse_unless_open(survey: Survey, now: datetime.datetime) -> None:
    state = survey.state(now)
    if state == "scheduled":
        raise ValidationError(_("This survey is not open yet."), code="not_open")
    if state in ("closed", "draft", "template"):
        raise ValidationError(_("This survey is closed."), code="closed")


def response_submit(
    *,
    survey: Survey,
    raw: dict[int, list[str]],
    role: str,
    key: str,
    respondent: User | None = None,
    grid: Grid | None = None,
    now: datetime.datetime | None = None,
) -> Response:
    """Validate every answer, then write the response and its answers together.

    ``respondent`` is stored only on named surveys; ``key`` (surveys.respondents) makes a
    second response of the same account or device impossible, not merely unlikely.
    """
    now = now or timezone.now()
    _refuse_unless_open(survey, now)
    questions = list(
        survey.questions.select_related("show_if_choice")
        .prefetch_related("choices")
        .order_by("order", "pk")
    )
    answers = answers_clean(questions, raw)
    try:
        with transaction.atomic():
            response = Response.objects.create(
                survey=survey,
                respondent=None if survey.is_anonymous else respondent,
                respondent_key=key,
                role=role,
                grid=grid,
                village_id=grid.village_id if grid else None,
                submitted_at=now,
            )
            Answer.objects.bulk_create(answer_rows(response, answers))
    except IntegrityError as error:
        raise ValidationError(
            _("You have already answered this survey."), code="answered"
        ) from error
    return response


def answer_rows(response: Response, answers: list[CleanAnswer]) -> list[Answer]:
    """The unsaved rows of a response's clean answers: one per picked choice, else one."""
    rows: list[Answer] = []
    for answer in answers:
        if answer.choice_ids:
            rows.extend(
                Answer(response=response, question=answer.question, choice_id=choice_id)
                for choice_id in answer.choice_ids
            )
        else:
            rows.append(
                Answer(
                    response=response,
                    question=answer.question,
                    number=answer.number,
                    text=answer.text,
                )
            )
    return rows
