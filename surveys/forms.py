"""The builder's forms: thin, they parse; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from grids.models import Region
from surveys.models import Audience, Choice, Question, Survey
from surveys.services import QuestionData, SurveyData

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self):
        super().__init__(format=DATETIME_FORMAT)


class SurveyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices)
    region = forms.ModelChoiceField(
        label=_("Jurisdiction covered"), queryset=Region.objects.none()
    )
    opens_at = forms.DateTimeField(
        label=_("Opens at"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
        help_text=_("Leave empty to keep the survey a draft."),
    )
    closes_at = forms.DateTimeField(
        label=_("Closes at"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
    )
    is_anonymous = forms.BooleanField(
        label=_("Anonymous (public for residents: no account needed, one answer per device)"),
        required=False,
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions.filter(level__lte=Region.Level.VILLAGE)

    @classmethod
    def initial_from(cls, survey: Survey) -> dict:
        return {name: getattr(survey, name) for name in SurveyData.__dataclass_fields__}

    def data_object(self) -> SurveyData:
        return SurveyData(**self.cleaned_data)


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=300)
    help_text = forms.CharField(label=_("Help text"), max_length=300, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Question.Kind.choices)
    is_required = forms.BooleanField(label=_("Required"), required=False, initial=True)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32000, required=False)
    choices = forms.CharField(
        label=_("Choices, one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("For single and multiple choice only."),
    )
    max_choices = forms.IntegerField(
        label=_("At most this many choices"), min_value=1, max_value=100, required=False
    )
    min_value = forms.DecimalField(
        label=_("Lowest number"), max_digits=14, decimal_places=4, required=False
    )
    max_value = forms.DecimalField(
        label=_("Highest number"), max_digits=14, decimal_places=4, required=False
    )
    low_label = forms.CharField(label=_("Label of the low end"), max_length=50, required=False)
    high_label = forms.CharField(label=_("Label of the high end"), max_length=50, required=False)
    measures_satisfaction = forms.BooleanField(
        label=_("Measures satisfaction (Likert 4–5 count as satisfied)"), required=False
    )
    show_if_choice = forms.ModelChoiceField(
        label=_("Show only if this earlier choice was picked"),
        queryset=Choice.objects.none(),
        required=False,
    )

    def __init__(self, *args, survey: Survey, question: Question | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        earlier = Choice.objects.filter(
            question__survey=survey, question__kind__in=Question.CHOICE_KINDS
        ).select_related("question")
        if question is not None:
            earlier = earlier.filter(question__order__lt=question.order)
        self.fields["show_if_choice"].queryset = earlier.order_by("question__order", "order")
        self.fields["show_if_choice"].label_from_instance = lambda choice: (
            f"{choice.question.text} → {choice.text}"
        )

    @classmethod
    def initial_from(cls, question: Question) -> dict:
        initial = {name: getattr(question, name) for name in QuestionData.__dataclass_fields__}
        initial["choices"] = "\n".join(choice.text for choice in question.choices.all())
        return initial

    def data_object(self) -> QuestionData:
        values = dict(self.cleaned_data)
        lines = values.pop("choices").splitlines()
        return QuestionData(**values, choices=[line.strip() for line in lines if line.strip()])


class CopyForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("Jurisdiction covered"), queryset=Region.objects.none()
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions.filter(level__lte=Region.Level.VILLAGE)
