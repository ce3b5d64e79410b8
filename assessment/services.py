"""Every write of the assessment: scheme versions and closing a month into a bulletin."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import (
    DEFAULT_WEIGHTS,
    DEPARTMENT_INDICATORS,
    AssessmentScheme,
    Bulletin,
    BulletinEntry,
    SchemeIndicator,
)
from assessment.permissions import managed_county
from assessment.scoring import Line, Weight, rank_lines, score_line
from assessment.selectors import county_units, month_bounds, month_counts, previous_month
from core.errors import ActionRefused
from grids.models import Region
from members.models import User


@transaction.atomic
def _scheme_create(
    *,
    county: Region,
    weights: dict[str, tuple[int, Decimal, Decimal]],
    min_sample: int,
    bottom_count: int,
    note: str,
    actor: User | None,
) -> AssessmentScheme:
    version = (
        AssessmentScheme.objects.filter(county=county).aggregate(last=Max("version"))["last"] or 0
    ) + 1
    scheme = AssessmentScheme.objects.create(
        county=county,
        version=version,
        min_sample=min_sample,
        bottom_count=bottom_count,
        note=note,
        created_by=actor,
    )
    SchemeIndicator.objects.bulk_create(
        SchemeIndicator(
            scheme=scheme, indicator=indicator, weight=weight, floor=floor, target=target
        )
        for indicator, (weight, floor, target) in weights.items()
    )
    return scheme


def assessment_scheme_current(*, county: Region) -> AssessmentScheme:
    """The county's newest scheme; the default one (version 1) when it has none yet."""
    scheme = AssessmentScheme.objects.filter(county=county).order_by("-version").first()
    if scheme is not None:
        return scheme
    defaults: dict[str, tuple[int, Decimal, Decimal]] = {
        indicator: (w, Decimal("0"), Decimal("1")) for indicator, w in DEFAULT_WEIGHTS.items()
    }
    try:
        return _scheme_create(
            county=county,
            weights=defaults,
            min_sample=AssessmentScheme._meta.get_field("min_sample").get_default(),
            bottom_count=AssessmentScheme._meta.get_field("bottom_count").get_default(),
            note=_("Default scheme: the three rates of 接诉即办 and on-time closure."),
            actor=None,
        )
    except IntegrityError:
        # Another request created version 1 at the same moment.
        return AssessmentScheme.objects.get(county=county, version=1)


def assessment_scheme_revise(
    *,
    actor: User,
    county: Region,
    weights: dict[str, tuple[int, Decimal, Decimal]],
    min_sample: int,
    bottom_count: int,
    note: str = "",
) -> AssessmentScheme:
    """Save the county's changed scheme as its next version; earlier bulletins keep theirs."""
    if managed_county(actor) != county:
        raise PermissionDenied(_("Only the county's officials may change its scheme."))
    if sum(weight for weight, _floor, _target in weights.values()) <= 0:
        raise ValidationError(_("Give at least one indicator a weight above 0."))
    for weight, floor, target in weights.values():
        if not 0 <= weight <= 100:
            raise ValidationError(_("A weight lies between 0 and 100."))
        if not Decimal("0") <= floor < target <= Decimal("1"):
            raise ValidationError(
                _("The rate scoring 0 must be below the rate scoring 100, both between 0 and 1.")
            )
    try:
        return _scheme_create(
            county=county,
            weights=weights,
            min_sample=min_sample,
            bottom_count=bottom_count,
            note=note,
            actor=actor,
        )
    except IntegrityError as clash:
        raise ActionRefused(
            _("Someone else changed the scheme at the same moment: look at it again."),
            code="scheme_changed",
        ) from clash


def _lines(
    rows: list[tuple[int, str]],
    counts: dict,
    scheme_weights: list[Weight],
    scheme: AssessmentScheme,
) -> list[Line]:
    lines = [
        score_line(key, name, counts.get(key, {}), scheme_weights, scheme.min_sample)
        for key, name in rows
    ]
    return rank_lines(lines, scheme.bottom_count)


def assessment_month_close(
    *,
    county: Region,
    month: datetime.date,
    actor: User | None = None,
    now: datetime.datetime | None = None,
) -> Bulletin:
    """Score the month with the county's current scheme and store the bulletin.

    ``actor`` None is the scheduled closing. A month is closed once: a second closing, even
    at the same moment from another process, is refused (the unique constraint decides).
    """
    if actor is not None and managed_county(actor) != county:
        raise PermissionDenied(_("Only the county's officials may close its months."))
    now = now or timezone.now()
    month = month.replace(day=1)
    _start, end = month_bounds(month)
    if end > now:
        raise ActionRefused(_("A month can be closed once it has ended."), code="month_open")
    if Bulletin.objects.filter(county=county, month=month).exists():
        raise ActionRefused(_("This month is already closed."), code="already_closed")
    scheme = assessment_scheme_current(county=county)
    weights = [
        Weight(row.indicator, row.weight, row.floor, row.target)
        for row in scheme.indicators.order_by("pk")
    ]
    counts = month_counts(county=county, month=month)
    units = county_units(county, set(counts["departments"]))
    towns = _lines(units["towns"], counts["towns"], weights, scheme)
    department_weights = [w for w in weights if w.indicator in DEPARTMENT_INDICATORS]
    departments = _lines(units["departments"], counts["departments"], department_weights, scheme)
    try:
        with transaction.atomic():
            bulletin = Bulletin.objects.create(
                county=county, month=month, scheme=scheme, closed_at=now, closed_by=actor
            )
            BulletinEntry.objects.bulk_create(
                [_entry(bulletin, BulletinEntry.Kind.TOWN, line) for line in towns]
                + [_entry(bulletin, BulletinEntry.Kind.DEPARTMENT, line) for line in departments]
            )
    except IntegrityError as clash:
        raise ActionRefused(_("This month is already closed."), code="already_closed") from clash
    return bulletin


def _entry(bulletin: Bulletin, kind: str, line: Line) -> BulletinEntry:
    unit = (
        {"town_id": line.key} if kind == BulletinEntry.Kind.TOWN else {"department_id": line.key}
    )
    return BulletinEntry(
        bulletin=bulletin,
        kind=kind,
        name=line.name,
        score=line.score,
        rank=line.rank,
        is_bottom=line.is_bottom,
        parts=line.parts,
        **unit,
    )


def assessment_months_close_due(*, now: datetime.datetime | None = None) -> list[Bulletin]:
    """Close last month for every county with towns that has not closed it yet (the
    scheduled closing: running it twice, or in two workers at once, closes each once)."""
    now = now or timezone.now()
    month = previous_month(timezone.localtime(now).date())
    closed = set(Bulletin.objects.filter(month=month).values_list("county_id", flat=True))
    counties = Region.objects.filter(
        level=Region.Level.COUNTY, children__level=Region.Level.TOWN
    ).distinct()
    bulletins = []
    for county in counties.exclude(pk__in=closed).order_by("code"):
        try:
            bulletins.append(assessment_month_close(county=county, month=month, now=now))
        except ActionRefused:
            continue
    return bulletins
