"""Action forms of the case page for the steps off the happy path (and the reason codes
that reject and rework now ask for)."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.forms import ActionForm, ReasonChoiceField, _note
from incidents.models import ReasonCode
from incidents.selectors import incident_pending_extension

Kind = ReasonCode.Kind


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class ReturnForm(ActionForm):
    action = "return"
    title = _("Return to the dispatcher")
    submit = _("Return the case")
    reason_code = ReasonChoiceField(Kind.RETURN)
    note = _note(_("Why it is outside your competence"), required=True)


class ExtendForm(ActionForm):
    action = "extend"
    title = _("Ask for an extension")
    submit = _("Ask for more time")
    reason_code = ReasonChoiceField(Kind.EXTENSION)
    new_deadline = forms.DateTimeField(
        label=_("New deadline"),
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
    note = _note(_("Explanation"), required=True)


class ExtendDecideForm(ActionForm):
    action = "extend_decide"
    title = _("Decide on the extension")
    submit = _("Record the decision")
    APPROVE = "approve"
    REFUSE = "refuse"
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(APPROVE, _("Approve: move the deadline")), (REFUSE, _("Refuse"))],
        widget=forms.RadioSelect,
        initial=APPROVE,
    )
    note = _note(_("Remark (required to refuse)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.extension = incident_pending_extension(self.incident)

    def clean(self):
        cleaned = super().clean()
        if self.extension is None:
            raise forms.ValidationError(_("No extension is waiting for a decision."))
        if cleaned.get("decision") == self.REFUSE and not cleaned.get("note", "").strip():
            self.add_error("note", _("Say why the extension is refused."))
        return cleaned


class SuspendForm(ActionForm):
    action = "suspend"
    title = _("Suspend (on hold)")
    submit = _("Suspend")
    reason_code = ReasonChoiceField(Kind.SUSPENSION)
    review_on = forms.DateField(
        label=_("Review date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = _note(_("Explanation"), required=True)

    def clean_review_on(self) -> datetime.date:
        review_on = self.cleaned_data["review_on"]
        if review_on <= timezone.localdate():
            raise forms.ValidationError(_("Choose a review date after today."))
        return review_on


class ResumeForm(ActionForm):
    action = "resume"
    title = _("Take back from suspension")
    submit = _("Resume now")
    note = _note()


class ReopenForm(ActionForm):
    action = "reopen"
    title = _("Reopen the case")
    submit = _("Reopen")
    reason_code = ReasonChoiceField(Kind.REOPEN)
    note = _note(_("Explanation"), required=True)


HANDLING_FORMS = {
    form.action: form
    for form in (ReturnForm, ExtendForm, ExtendDecideForm, SuspendForm, ResumeForm, ReopenForm)
}
