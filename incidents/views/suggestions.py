"""The duplicate suggestions partial, for the report forms of the staff and of residents:
cases nearby that may be the same problem, asked for while the reporter types."""

from django.db.models import Q
from django.shortcuts import render

from incidents.duplicates import incident_duplicate_suggestions
from incidents.forms.handling import SuggestForm


def render_suggestions(request, template: str, *, staff: bool, within: Q | None = None):
    """The partial for the report forms: nothing until category and place are given,
    400 with nothing for input that is not a category and a point."""
    form = SuggestForm(request.GET)
    if form.is_incomplete:
        return render(request, template, {"suggestions": [], "asked": False})
    if not form.is_valid():
        return render(request, template, {"suggestions": [], "asked": False}, status=400)
    suggestions = incident_duplicate_suggestions(
        category=form.cleaned_data["category"],
        point=form.point(),
        public=not staff,
        within=within,
    )
    # The join buttons come back to the page the form is on, not to this partial.
    back = request.htmx.current_url or ""
    context = {"suggestions": suggestions, "asked": True, "staff": staff, "back": back}
    return render(request, template, context)
