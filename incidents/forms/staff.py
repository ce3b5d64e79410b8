"""The action forms of the case page: one small form per step, each posted on its own.

Each form's cleaned data holds the keys of its step (incidents.services.steps), as the
API's serializers do, so that both doors take a step the same way.
"""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents import selectors
from incidents.models import Incident, ReasonCode, Supervision
from incidents.permissions import incidents_visible_to
from members.actors import Actor

NOTE_ROWS = {"rows": 2}


def _note(label=None, *, required=False) -> forms.CharField:
    return forms.CharField(
        label=label or _("Note"),
        required=required,
        max_length=2000,
        widget=forms.Textarea(attrs=NOTE_ROWS),
    )


class ReasonChoiceField(forms.ModelChoiceField):
    """The active reason codes of one kind, as the town edits them."""

    def __init__(self, kind: str, **kwargs):
        kwargs.setdefault("label", _("Reason"))
        kwargs.setdefault("empty_label", _("Choose a reason"))
        super().__init__(
            queryset=ReasonCode.objects.filter(kind=kind, is_active=True).only("pk", "name"),
            **kwargs,
        )


class ActionForm(forms.Form):
    """Every action form knows its case and its user (for choices that depend on them)."""

    action = ""
    title = ""
    submit = ""
    has_files = False

    def __init__(self, *args, incident: Incident, user: Actor, **kwargs):
        self.incident = incident
        self.user = user
        kwargs.setdefault("prefix", self.action)
        super().__init__(*args, **kwargs)


class AcceptForm(ActionForm):
    action = "accept"
    title = _("Accept the case")
    submit = _("Accept")
    note = _note()
    apply_rules = forms.BooleanField(
        label=_("Dispatch by the town's rules when one applies"), required=False, initial=True
    )


class RejectForm(ActionForm):
    action = "reject"
    title = _("Reject the case")
    submit = _("Reject")
    reason_code = ReasonChoiceField(ReasonCode.Kind.REJECT)
    reason = _note(_("Explanation"), required=True)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        if obj.jurisdiction_id:
            return f"{obj} · {obj.jurisdiction.name}"
        return str(obj)


class DispatchForm(ActionForm):
    action = "dispatch"
    title = _("Dispatch")
    submit = _("Dispatch")
    department = forms.ModelChoiceField(
        label=_("To a department"), queryset=None, required=False, empty_label="—"
    )
    user = PersonChoiceField(
        label=_("Or to a person"), queryset=None, required=False, empty_label="—"
    )
    assisting = forms.ModelMultipleChoiceField(
        label=_("Assisting departments (协办)"),
        queryset=None,
        required=False,
        help_text=_("The lead reports the case handled once each has reported its part."),
    )
    note = _note()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = selectors.dispatch_departments(self.incident)
        self.fields["assisting"].queryset = selectors.dispatch_departments(self.incident)
        self.fields["user"].queryset = selectors.dispatch_people(self.incident)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if bool(cleaned.get("department")) == bool(cleaned.get("user")):
            raise forms.ValidationError(_("Choose either a department or a person."))
        return cleaned


class StartForm(ActionForm):
    action = "start"
    title = _("Start handling")
    submit = _("Start")
    note = _note()


class HandleForm(ActionForm):
    action = "handle"
    title = _("Report as handled")
    submit = _("Report as handled")
    has_files = True
    note = _note(_("What was done"), required=True)
    photo = forms.FileField(
        label=_("Photo after handling"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )


class VerifyForm(ActionForm):
    action = "verify"
    title = _("Verify")
    submit = _("Record the check")
    PASS = "pass"  # noqa: S105 (a decision, not a password)
    REWORK = "rework"
    decision = forms.ChoiceField(
        label=_("Result of the check"),
        choices=[(PASS, _("Passed: close the case")), (REWORK, _("Send back for rework"))],
        widget=forms.RadioSelect,
        initial=PASS,
    )
    reason_code = ReasonChoiceField(
        ReasonCode.Kind.REWORK, label=_("Reason for the rework"), required=False
    )
    reason = _note(_("Reason or remark"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.REWORK:
            if not cleaned.get("reason", "").strip():
                self.add_error("reason", _("Give a reason for the rework."))
            if not cleaned.get("reason_code") and "reason_code" not in self.errors:
                self.add_error("reason_code", _("Choose a reason."))
        cleaned["passed"] = cleaned.get("decision") == self.PASS
        return cleaned


class EscalateForm(ActionForm):
    action = "escalate"
    title = _("Escalate one level")
    submit = _("Escalate")
    reason = _note(_("Why it is beyond this level"), required=True)


class SuperviseForm(ActionForm):
    """Start a supervision (督办: its level, reason and deadline), or end it."""

    action = "supervise"
    title = _("Supervision")
    submit = _("Start supervision")
    on = forms.TypedChoiceField(
        label=_("Supervision"),
        choices=[("1", _("Start supervision")), ("0", _("End supervision"))],
        coerce=lambda value: value == "1",
        widget=forms.HiddenInput,
    )
    level = forms.TypedChoiceField(
        label=_("Supervision level"),
        choices=[("", _("My own level")), *Supervision._meta.get_field("level").choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    reason_code = ReasonChoiceField(ReasonCode.Kind.SUPERVISION, required=False)
    deadline = forms.DateTimeField(
        label=_("Supervision deadline"),
        required=False,
        help_text=_("Empty: the level's escalation limit."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    note = _note()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = "0" if self.incident.is_supervised else "1"
        if self.incident.is_supervised:
            self.submit = _("End supervision")
            for name in ("level", "reason_code", "deadline"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if data.get("on") and "reason_code" in self.fields and not data.get("reason_code"):
            self.add_error("reason_code", _("Choose a reason."))
        return data


class MergeForm(ActionForm):
    action = "merge"
    title = _("Merge as a duplicate")
    submit = _("Merge")
    into = forms.CharField(
        label=_("Number of the case it duplicates"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    note = _note()

    def clean_into(self) -> Incident:
        code = self.cleaned_data["into"].strip()
        survivor = incidents_visible_to(self.user).filter(code=code).first()
        if survivor is None:
            raise forms.ValidationError(_("No case you can see has this number."))
        return survivor


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class ReturnForm(ActionForm):
    action = "return"
    title = _("Return to the dispatcher")
    submit = _("Return the case")
    reason_code = ReasonChoiceField(ReasonCode.Kind.RETURN)
    note = _note(_("Why it is outside your competence"), required=True)


class AssistReportForm(ActionForm):
    action = "assist_report"
    title = _("Report your assisting part")
    submit = _("Report our part")
    note = _note(_("What your department did"), required=True)


class ExtendForm(ActionForm):
    action = "extend"
    title = _("Ask for an extension")
    submit = _("Ask for more time")
    reason_code = ReasonChoiceField(ReasonCode.Kind.EXTENSION)
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
        self.extension = selectors.incident_pending_extension(self.incident)

    def clean(self):
        cleaned = super().clean()
        if self.extension is None:
            raise forms.ValidationError(_("No extension is waiting for a decision."))
        if cleaned.get("decision") == self.REFUSE and not cleaned.get("note", "").strip():
            self.add_error("note", _("Say why the extension is refused."))
        cleaned["approve"] = cleaned.get("decision") == self.APPROVE
        return cleaned


class ArbitrateForm(ActionForm):
    action = "arbitrate"
    title = _("Arbitrate the second return")
    submit = _("Record the arbitration")
    UPHOLD = "uphold"
    REFUSE = "refuse"
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (UPHOLD, _("Uphold the return: the case goes back to dispatch")),
            (REFUSE, _("Refuse the return: the unit keeps the case")),
        ],
        widget=forms.RadioSelect,
        initial=REFUSE,
    )
    note = _note(_("Remark (required to refuse)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.arbitration = selectors.incident_pending_arbitration(self.incident)

    def clean(self):
        cleaned = super().clean()
        if self.arbitration is None:
            raise forms.ValidationError(_("No return is waiting for arbitration."))
        if cleaned.get("decision") == self.REFUSE and not cleaned.get("note", "").strip():
            self.add_error("note", _("Say why the unit keeps the case."))
        cleaned["uphold"] = cleaned.get("decision") == self.UPHOLD
        return cleaned


class SuspendForm(ActionForm):
    action = "suspend"
    title = _("Suspend (on hold)")
    submit = _("Suspend")
    reason_code = ReasonChoiceField(ReasonCode.Kind.SUSPENSION)
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
    reason_code = ReasonChoiceField(ReasonCode.Kind.REOPEN)
    note = _note(_("Explanation"), required=True)


ACTION_FORMS = {
    form.action: form
    for form in (
        AcceptForm,
        RejectForm,
        DispatchForm,
        StartForm,
        HandleForm,
        VerifyForm,
        EscalateForm,
        SuperviseForm,
        MergeForm,
        ReturnForm,
        AssistReportForm,
        ExtendForm,
        ExtendDecideForm,
        ArbitrateForm,
        SuspendForm,
        ResumeForm,
        ReopenForm,
    )
}


class CallBackForm(forms.Form):
    """What the reporter said when called back (回访)."""

    outcome = forms.CharField(
        label=_("What the reporter said"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
