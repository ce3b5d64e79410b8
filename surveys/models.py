import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import Grid, Region


def new_token() -> str:
    return secrets.token_urlsafe(12)


class Audience(models.TextChoices):
    RESIDENTS = "residents", _("Residents")
    MEMBERS = "members", _("Grid members")
    BOTH = "both", _("Residents and grid members")


class Survey(models.Model):
    """A questionnaire (问卷) and its distribution: who answers, where, when.

    Rounds of one questionnaire share a ``series``; questions match across rounds by
    ``Question.key``. Templates (``is_template``) are never answered, only copied.
    """

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    audience = models.CharField(
        _("audience"), max_length=16, choices=Audience.choices, default=Audience.RESIDENTS
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("jurisdiction covered"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="surveys",
    )
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    is_anonymous = models.BooleanField(
        _("anonymous"),
        default=True,
        help_text=_(
            "Anonymous answers record no account; residents answer public anonymous surveys "
            "without logging in, once per device."
        ),
    )
    is_template = models.BooleanField(_("template"), default=False)
    series = models.UUIDField(_("series"), default=uuid.uuid4, editable=False, db_index=True)
    round_number = models.PositiveSmallIntegerField(_("round"), default=1)
    token = models.CharField(
        _("link token"), max_length=32, unique=True, default=new_token, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["region", "opens_at"], name="survey_region_opens_idx"),
            models.Index(fields=["is_template"], name="survey_template_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__isnull=True)
                | Q(opens_at__isnull=True)
                | Q(closes_at__gt=F("opens_at")),
                name="survey_closes_after_it_opens",
                violation_error_message=_("A survey must close after it opens."),
            ),
            models.CheckConstraint(
                condition=Q(is_template=True) | Q(region__isnull=False),
                name="survey_has_region_unless_template",
                violation_error_message=_("Choose the jurisdiction the survey covers."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("surveys:detail", args=[self.pk])

    def state(self, now=None) -> str:
        """template, draft (no opening time), scheduled, open or closed."""
        now = now or timezone.now()
        if self.is_template:
            return "template"
        if self.opens_at is None:
            return "draft"
        if now < self.opens_at:
            return "scheduled"
        if self.closes_at is not None and now >= self.closes_at:
            return "closed"
        return "open"

    @property
    def for_residents(self) -> bool:
        return self.audience in (Audience.RESIDENTS, Audience.BOTH)

    @property
    def for_members(self) -> bool:
        return self.audience in (Audience.MEMBERS, Audience.BOTH)

    @property
    def is_public(self) -> bool:
        """Residents answer it without an account."""
        return self.is_anonymous and self.for_residents


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        LIKERT = "likert", _("Likert scale 1–5")
        RATING = "rating", _("Rating 0–10")
        NUMBER = "number", _("Number")
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")

    CHOICE_KINDS = (Kind.SINGLE, Kind.MULTIPLE)
    SCALE_KINDS = (Kind.LIKERT, Kind.RATING)
    NUMERIC_KINDS = (Kind.LIKERT, Kind.RATING, Kind.NUMBER)
    TEXT_KINDS = (Kind.SHORT_TEXT, Kind.LONG_TEXT)

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="questions"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # Stable across rounds: copying keeps it, so two rounds compare question by question.
    key = models.SlugField(_("key"), max_length=40, default="", blank=True)
    text = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    is_required = models.BooleanField(_("required"), default=True)
    max_choices = models.PositiveSmallIntegerField(
        _("at most this many choices"), null=True, blank=True
    )
    min_value = models.DecimalField(
        _("lowest number"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("highest number"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    low_label = models.CharField(_("label of the low end"), max_length=50, blank=True)
    high_label = models.CharField(_("label of the high end"), max_length=50, blank=True)
    measures_satisfaction = models.BooleanField(
        _("measures satisfaction"),
        default=False,
        help_text=_(
            "Shown beside the residents' ratings of closed cases (Likert 4–5 = satisfied)."
        ),
    )
    show_if_choice = models.ForeignKey(
        "Choice",
        verbose_name=_("show only if this earlier choice was picked"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dependent_questions",
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey", "order", "pk"]
        indexes = [models.Index(fields=["survey", "order"], name="question_survey_order_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "key"], name="question_key_unique_in_survey"
            ),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(max_value__gte=F("min_value")),
                name="question_bounds_in_order",
                violation_error_message=_("The highest number cannot be below the lowest."),
            ),
        ]

    def __str__(self) -> str:
        return self.text

    def clean(self):
        """The builder's rules, so that the admin keeps them too."""
        errors = question_rule_errors(
            survey_id=self.survey_id,
            kind=self.kind,
            order=self.order,
            max_choices=self.max_choices,
            has_bounds=self.min_value is not None or self.max_value is not None,
            measures_satisfaction=self.measures_satisfaction,
            show_if_choice=self.show_if_choice,
        )
        if errors:
            raise ValidationError(errors)

    @property
    def scale(self) -> tuple[int, int] | None:
        return {self.Kind.LIKERT: (1, 5), self.Kind.RATING: (0, 10)}.get(self.kind)

    @property
    def scale_values(self) -> list[int]:
        low, high = self.scale or (0, -1)
        return list(range(low, high + 1))


def question_rule_errors(
    *,
    survey_id,
    kind: str,
    order: int,
    max_choices: int | None,
    has_bounds: bool,
    measures_satisfaction: bool,
    show_if_choice,
    choice_count: int | None = None,
) -> dict[str, str]:
    """What a question's settings must agree on, field by field (empty when all is well).

    ``choice_count`` is known to the builder, which saves the choices with the question; the
    admin edits choices apart, so there it is None and the count is not judged.
    """
    errors: dict[str, str] = {}
    if choice_count is not None and kind in Question.CHOICE_KINDS and choice_count < 2:
        errors["choices"] = _("Give at least two choices, one per line.")
    if max_choices is not None:
        if kind != Question.Kind.MULTIPLE:
            errors["max_choices"] = _("Only a multiple-choice question takes a maximum.")
        elif choice_count is not None and not 1 <= max_choices <= max(choice_count, 1):
            errors["max_choices"] = _("The maximum must be between 1 and the number of choices.")
    if has_bounds and kind != Question.Kind.NUMBER:
        errors["min_value"] = _("Only a number question takes bounds.")
    if show_if_choice is not None and (
        show_if_choice.question.survey_id != survey_id or show_if_choice.question.order >= order
    ):
        errors["show_if_choice"] = _("The condition must be a choice of an earlier question.")
    if measures_satisfaction and kind != Question.Kind.LIKERT:
        errors["measures_satisfaction"] = _("Only a Likert question measures satisfaction.")
    return errors


class Choice(models.Model):
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="choices"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("choice"), max_length=200)

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["question", "order", "pk"]

    def __str__(self) -> str:
        return self.text


class Response(models.Model):
    """One respondent's answers (答卷), attributed to a grid and village where known.

    ``respondent_key`` is a keyed hash of the account or of the device's signed id, salted
    with the survey: unique per survey (one response each) without storing who answered
    an anonymous survey, and unlinkable between surveys.
    """

    class Role(models.TextChoices):
        RESIDENT = "resident", _("Resident")
        MEMBER = "member", _("Grid member")

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="responses"
    )
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("respondent"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_responses",
    )
    respondent_key = models.CharField(max_length=64, editable=False)
    role = models.CharField(_("answered as"), max_length=16, choices=Role.choices)
    grid = models.ForeignKey(
        Grid, verbose_name=_("grid"), on_delete=models.PROTECT, null=True, blank=True
    )
    village = models.ForeignKey(
        Region,
        verbose_name=_("village or community"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["survey", "submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "respondent_key"],
                name="one_response_per_respondent",
                violation_error_message=_("You have already answered this survey."),
            ),
        ]
        indexes = [models.Index(fields=["survey", "submitted_at"], name="response_survey_idx")]

    def __str__(self) -> str:
        return f"{self.survey} #{self.pk}"


class Answer(models.Model):
    """One answer value. A multiple-choice answer is one row per picked choice."""

    response = models.ForeignKey(
        Response, verbose_name=_("response"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="answers"
    )
    choice = models.ForeignKey(
        Choice,
        verbose_name=_("choice"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="answers",
    )
    number = models.DecimalField(
        _("number"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    text = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["response", "question__order", "pk"]
        indexes = [models.Index(fields=["question", "choice"], name="answer_question_choice_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question", "choice"], name="one_answer_per_choice"
            ),
            models.UniqueConstraint(
                fields=["response", "question"],
                condition=Q(choice__isnull=True),
                name="one_value_answer_per_question",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.choice or self.number or self.text}"
