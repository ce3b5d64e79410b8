"""The accept form of a proposed split: where each member of the old grid goes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import GridAssignment, GridSplitProposal
from members.services.redivision import BOTH, FIRST, NEITHER, SECOND


class SplitAcceptForm(forms.Form):
    """One required choice per member with an open assignment to the grid: nothing is
    chosen for the official, the reassignment is explicit."""

    def __init__(
        self, *args, proposal: GridSplitProposal, assignments: list[GridAssignment], **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.assignments = assignments
        choices = [
            ("", _("Choose…")),
            (FIRST, f"{proposal.first_name} ({proposal.first_code})"),
            (SECOND, f"{proposal.second_name} ({proposal.second_code})"),
            (BOTH, _("Both new grids")),
            (NEITHER, _("Neither (the member leaves)")),
        ]
        for assignment in assignments:
            label = str(assignment.member)
            if assignment.is_leader:
                label = _("%(member)s (grid leader)") % {"member": label}
            self.fields[f"member_{assignment.member_id}"] = forms.ChoiceField(
                label=label, choices=choices
            )

    def placements(self) -> dict[int, str]:
        return {
            assignment.member_id: self.cleaned_data[f"member_{assignment.member_id}"]
            for assignment in self.assignments
        }
