"""A bulletin as spreadsheet rows: one line per town or department, its parts beside it."""

from django.utils.translation import gettext as _

from assessment.models import Bulletin, BulletinEntry, Indicator

LABELS = dict(Indicator.choices)


def bulletin_header(bulletin: Bulletin) -> list[str]:
    header = [_("Kind"), _("Rank"), _("Unit"), _("Score"), _("Named at the bottom")]
    for row in bulletin.scheme.indicators.all():
        label = str(LABELS[row.indicator])
        header += [
            f"{label} {_('weight')}",
            f"{label} {_('cases counted')}",
            f"{label} {_('cases meeting it')}",
            f"{label} {_('rate')}",
            f"{label} {_('points')}",
        ]
    return header


def bulletin_rows(bulletin: Bulletin, lines: dict[str, list[BulletinEntry]]) -> list[list]:
    order = [row.indicator for row in bulletin.scheme.indicators.all()]
    rows = []
    for kind, label in BulletinEntry.Kind.choices:
        for entry in lines[kind]:
            parts = {part["indicator"]: part for part in entry.parts}
            row: list = [
                str(label),
                entry.rank,
                entry.name,
                entry.score,
                _("yes") if entry.is_bottom else "",
            ]
            for indicator in order:
                part = parts.get(indicator)
                if part is None:
                    row += [None] * 5
                    continue
                row += [
                    part["weight"],
                    part["denominator"],
                    part["numerator"],
                    float(part["rate"]) if part["rate"] is not None else None,
                    float(part["points"])
                    if part["points"] is not None and part["scored"]
                    else None,
                ]
            rows.append(row)
    return rows
