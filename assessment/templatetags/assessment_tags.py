from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def share(value: str | None) -> str:
    """A stored rate ("0.8571") as a percentage ("85.71%"); none → an em dash."""
    if value is None:
        return "—"
    return f"{Decimal(value) * 100:.2f}%"
