"""The arithmetic of a bulletin: points per indicator, the weighted score, the ranking.

Pure functions over counts (README.md, "Monthly assessment"):

- rate = numerator / denominator; an indicator is scored for a unit when its weight is
  above 0 and its denominator reaches the scheme's minimum sample;
- points = 100 × clamp((rate − floor) / (target − floor), 0, 1);
- score = Σ weight × points / Σ weight over the scored indicators, rounded half up to
  0.01; a unit with no scored indicator has no score and no rank;
- rank: 1 + the number of units with a higher score (ties share a rank);
- bottom: the ranked units whose rank is above n − k, k = min(bottom_count, n // 2), n the
  ranked units (never more than half of them are named).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CENT = Decimal("0.01")
RATE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Weight:
    indicator: str
    weight: int
    floor: Decimal
    target: Decimal


@dataclass
class Line:
    key: int
    name: str
    parts: list[dict]
    score: Decimal | None
    rank: int | None = None
    is_bottom: bool = False
    extra: dict = field(default_factory=dict)


def _decimal(value: Fraction, places: Decimal) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        places, rounding=ROUND_HALF_UP
    )


def points(rate: Fraction, weight: Weight) -> Fraction:
    floor, target = Fraction(weight.floor), Fraction(weight.target)
    share = (rate - floor) / (target - floor)
    return 100 * min(max(share, Fraction(0)), Fraction(1))


def score_line(
    key: int,
    name: str,
    counts: Mapping[str, tuple[int, int]],
    weights: Iterable[Weight],
    min_sample: int,
) -> Line:
    parts, weighted, total_weight = [], Fraction(0), 0
    for weight in weights:
        numerator, denominator = counts.get(weight.indicator, (0, 0))
        scored = weight.weight > 0 and denominator >= min_sample and denominator > 0
        rate = Fraction(numerator, denominator) if denominator else None
        earned = points(rate, weight) if rate is not None else None
        if scored and earned is not None:
            weighted += weight.weight * earned
            total_weight += weight.weight
        parts.append(
            {
                "indicator": weight.indicator,
                "weight": weight.weight,
                "numerator": numerator,
                "denominator": denominator,
                "rate": str(_decimal(rate, RATE_PLACES)) if rate is not None else None,
                "points": str(_decimal(earned, CENT)) if earned is not None else None,
                "scored": scored,
            }
        )
    score = _decimal(weighted / total_weight, CENT) if total_weight else None
    return Line(key=key, name=name, parts=parts, score=score)


def rank_lines(lines: list[Line], bottom_count: int) -> list[Line]:
    """Rank in place and return the lines in rank order (unscored last, by name)."""
    scores = [line.score for line in lines if line.score is not None]
    for line in lines:
        if line.score is not None:
            line.rank = 1 + sum(1 for other in scores if other > line.score)
    ranked = len(scores)
    named = min(bottom_count, ranked // 2)
    for line in lines:
        line.is_bottom = line.rank is not None and named > 0 and line.rank > ranked - named
    return sorted(lines, key=lambda line: (line.rank is None, line.rank or 0, line.name))
