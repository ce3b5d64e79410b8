"""Template helpers of the surveys pages and the members' workspace partial."""

from django import template

from members.actors import Actor
from surveys.models import Survey
from surveys.selectors import surveys_open_for_member

register = template.Library()


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key)


@register.simple_tag
def member_surveys(user: Actor) -> list[Survey]:
    """The open surveys meant for this grid member that they have not answered yet."""
    return surveys_open_for_member(user)


@register.filter
def picked(values: list[str], value) -> bool:
    """Whether a posted value list holds this choice (to keep answers on a re-render)."""
    return str(value) in values
