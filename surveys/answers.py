"""Each answer checked against its question: kind, bounds, required, conditional display.

``answers_clean`` takes the raw values posted for each question (a list of strings per
question id, as ``QueryDict.getlist`` gives them) and returns the clean values, or raises a
ValidationError whose keys are ``q<id>`` so that each message lands beside its field.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from surveys.models import Question

SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 4000
NUMBER_PLACES = 4
NUMBER_LIMIT = Decimal("1e10")


@dataclass(frozen=True)
class CleanAnswer:
    question: Question
    choice_ids: tuple[int, ...] = ()
    number: Decimal | None = None
    text: str = ""


def field_name(question: Question) -> str:
    return f"q{question.pk}"


def is_shown(question: Question, picked: dict[int, set[int]]) -> bool:
    """A conditional question counts only when its earlier choice was picked."""
    if question.show_if_choice_id is None:
        return True
    return question.show_if_choice_id in picked.get(question.show_if_choice.question_id, set())


def answers_clean(questions: list[Question], raw: dict[int, list[str]]) -> list[CleanAnswer]:
    """Questions must come in order with their choices prefetched and conditions joined."""
    errors: dict[str, list[str]] = {}
    answers: list[CleanAnswer] = []
    picked: dict[int, set[int]] = {}
    for question in questions:
        if not is_shown(question, picked):
            continue  # a hidden question's answer is discarded, never required
        values = [value.strip() for value in raw.get(question.pk, []) if value.strip()]
        if not values:
            if question.is_required:
                errors[field_name(question)] = [_("This question needs an answer.")]
            continue
        try:
            answer = _clean_one(question, values)
        except ValidationError as error:
            errors[field_name(question)] = error.messages
            continue
        picked[question.pk] = set(answer.choice_ids)
        answers.append(answer)
    if errors:
        raise ValidationError(errors)
    return answers


def _clean_one(question: Question, values: list[str]) -> CleanAnswer:
    kind = question.kind
    if kind in Question.CHOICE_KINDS:
        return CleanAnswer(question, choice_ids=_clean_choices(question, values))
    if len(values) > 1:
        raise ValidationError(_("Give one answer only."))
    value = values[0]
    if kind in Question.SCALE_KINDS:
        return CleanAnswer(question, number=Decimal(_clean_scale(question, value)))
    if kind == Question.Kind.NUMBER:
        return CleanAnswer(question, number=_clean_number(question, value))
    limit = SHORT_TEXT_MAX if kind == Question.Kind.SHORT_TEXT else LONG_TEXT_MAX
    if len(value) > limit:
        raise ValidationError(
            ngettext(
                "Keep the answer within %(limit)d character (it has %(length)d).",
                "Keep the answer within %(limit)d characters (it has %(length)d).",
                limit,
            )
            % {"limit": limit, "length": len(value)}
        )
    if "\x00" in value:
        raise ValidationError(_("The answer holds a character that cannot be stored."))
    return CleanAnswer(question, text=value)


def _clean_choices(question: Question, values: list[str]) -> tuple[int, ...]:
    allowed = {str(choice.pk): choice.pk for choice in question.choices.all()}
    if any(value not in allowed for value in values):
        raise ValidationError(_("Pick among the choices shown."))
    ids = tuple(dict.fromkeys(allowed[value] for value in values))
    if question.kind == Question.Kind.SINGLE and len(ids) > 1:
        raise ValidationError(_("Pick one choice only."))
    if question.max_choices and len(ids) > question.max_choices:
        raise ValidationError(
            ngettext(
                "Pick at most %(max)d choice.",
                "Pick at most %(max)d choices.",
                question.max_choices,
            )
            % {"max": question.max_choices}
        )
    return ids


def _clean_scale(question: Question, value: str) -> int:
    low, high = question.scale
    message = _("Pick a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
    try:
        number = int(value)
    except ValueError as error:
        raise ValidationError(message) from error
    if not low <= number <= high:
        raise ValidationError(message)
    return number


def _clean_number(question: Question, value: str) -> Decimal:
    try:
        number = Decimal(value.replace(",", "").replace("，", ""))
    except InvalidOperation as error:
        raise ValidationError(_("Enter a number, such as 12 or 3.5.")) from error
    if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
        raise ValidationError(_("Enter a number, such as 12 or 3.5."))
    if -number.as_tuple().exponent > NUMBER_PLACES:
        raise ValidationError(
            _("Use at most %(places)d decimal places.") % {"places": NUMBER_PLACES}
        )
    if question.min_value is not None and number < question.min_value:
        raise ValidationError(
            _("Enter a number of at least %(min)s.") % {"min": plain_number(question.min_value)}
        )
    if question.max_value is not None and number > question.max_value:
        raise ValidationError(
            _("Enter a number of at most %(max)s.") % {"max": plain_number(question.max_value)}
        )
    return number


def plain_number(number: Decimal) -> str:
    """4.0000 → 4, 2.5000 → 2.5 (numbers are stored with four places)."""
    return format(number.normalize(), "f")
