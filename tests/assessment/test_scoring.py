"""The arithmetic of a bulletin: points on the scoring line, the weighted score, shared
ranks and the bottom (never more than half of the ranked units)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from assessment.models import AssessmentScheme
from assessment.scoring import Line, Weight, rank_lines, score_line
from assessment.services import assessment_scheme_current, assessment_scheme_revise
from tests.assessment.conftest import weights

LINE = Weight("on_time", 20, Decimal("0.5"), Decimal("0.9"))


@pytest.mark.parametrize(
    ("numerator", "denominator", "points"),
    [(4, 10, "0.00"), (5, 10, "0.00"), (7, 10, "50.00"), (9, 10, "100.00"), (10, 10, "100.00")],
)
def test_points_follow_the_scoring_line(numerator, denominator, points):
    line = score_line(1, "x", {"on_time": (numerator, denominator)}, [LINE], min_sample=1)

    assert line.parts[0]["points"] == points
    assert line.score == Decimal(points)


def test_the_score_rounds_half_up_to_the_cent():
    halves = [
        Weight("response", 1, Decimal(0), Decimal(1)),
        Weight("on_time", 1, Decimal(0), Decimal(1)),
    ]

    # (100 × 1/8 + 0) / 2 = 6.25 exactly; (100 × 1/80 + 0) / 2 = 0.625 → 0.63
    assert score_line(1, "x", {"response": (1, 8), "on_time": (0, 1)}, halves, 1).score == Decimal(
        "6.25"
    )
    assert score_line(
        1, "x", {"response": (1, 80), "on_time": (0, 1)}, halves, 1
    ).score == Decimal("0.63")


def test_a_unit_without_any_scored_indicator_has_no_score():
    line = score_line(1, "x", {"on_time": (1, 2)}, [LINE], min_sample=3)

    assert (line.score, line.parts[0]["scored"], line.parts[0]["rate"]) == (None, False, "0.5000")


def _line(name, score):
    return Line(key=0, name=name, parts=[], score=None if score is None else Decimal(score))


def test_equal_scores_share_a_rank_and_unscored_units_come_last():
    ranked = rank_lines(
        [_line("丙", "80"), _line("甲", "90"), _line("乙", "80"), _line("丁", None)], 3
    )

    assert [(line.name, line.rank) for line in ranked] == [
        ("甲", 1),
        ("丙", 2),
        ("乙", 2),
        ("丁", None),
    ]


@pytest.mark.parametrize(
    ("units", "bottom_count", "named"),
    [(2, 3, 1), (3, 3, 1), (6, 3, 3), (12, 3, 3), (12, 0, 0), (1, 3, 0)],
)
def test_names_at_most_half_of_the_ranked_units_at_the_bottom(units, bottom_count, named):
    lines = rank_lines([_line(f"u{n:02d}", str(100 - n)) for n in range(units)], bottom_count)

    bottom = [line.name for line in lines if line.is_bottom]
    assert bottom == [f"u{n:02d}" for n in range(units - named, units)]


def test_the_default_scheme_follows_the_three_rates_and_on_time_closure(ladder):
    scheme = assessment_scheme_current(county=ladder.county)

    assert scheme.version == 1
    assert {row.indicator: row.weight for row in scheme.indicators.all()} == {
        "response": 10,
        "resolution": 35,
        "satisfaction": 35,
        "on_time": 20,
    }
    assert assessment_scheme_current(county=ladder.county) == scheme


@pytest.mark.parametrize("who", ["town_official", "other_official", "admin", "village_staff"])
def test_refuses_a_scheme_change_by_anyone_but_the_county_official(cast, ladder, who):
    assessment_scheme_current(county=ladder.county)

    with pytest.raises(PermissionDenied):
        assessment_scheme_revise(
            actor=getattr(cast, who),
            county=ladder.county,
            weights=weights(),
            min_sample=1,
            bottom_count=3,
        )

    assert AssessmentScheme.objects.count() == 1
