"""Reads of the surveys app: results, round comparison, lists for members and the dashboard.

Results definitions (what the page and tests rely on):

- responses: the survey's responses the reader may see (``ResultsScope``).
- response rate: resident responses per household of the grids covered (one answer per
  household is the usual sample), member responses per grid member with an open
  assignment there; per village, per grid and overall.
- per question: choice counts and their share of the respondents who answered the
  question; for scales and numbers the count, mean, sample standard deviation, lowest and
  highest; free text listed, newest first (at most ``TEXT_LIMIT``).
- survey satisfaction: the share of answers 4 or 5 to Likert questions marked as measuring
  satisfaction. Beside it the results page shows the satisfaction of the cases closed while
  the survey ran: cases are not this app's, so the dashboard reads it
  (dashboard.selectors.survey_case_satisfaction).

``survey_results`` issues a fixed number of queries whatever the number of responses
(tests/surveys/test_results.py asserts it).
"""

import datetime
import math

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    When,
)
from django.utils import timezone

from core.figures import Row, rate
from grids.jurisdiction import ScopeKind, scope_of
from grids.models import Grid, covering_paths
from grids.permissions import assigned_grids
from members.actors import Actor
from surveys.models import Answer, Audience, Question, Response, Survey
from surveys.permissions import ResultsScope, surveys_visible_to
from surveys.respondents import respondent_key

TEXT_LIMIT = 500
SATISFIED_LIKERT = 4
DIMENSIONS = ("village", "grid", "role")


def _spread(count: int, total: float, squares: float) -> tuple:
    """Mean and sample standard deviation from the count, sum and sum of squares."""
    if not count:
        return None, None
    mean = total / count
    if count < 2:
        return mean, None
    variance = max(squares - total * total / count, 0.0) / (count - 1)
    return mean, math.sqrt(variance)


def survey_questions(survey: Survey) -> list[Question]:
    """Two queries: the questions in order (with their condition) and their choices."""
    return list(
        survey.questions.select_related("show_if_choice__question")
        .prefetch_related("choices")
        .order_by("order", "pk")
    )


def survey_results(survey: Survey, scope: ResultsScope) -> dict:
    questions = survey_questions(survey)
    grids = _grids(scope.path)
    counts = _response_counts(survey, scope)
    facts = _answer_facts(survey, scope)
    respondents = _respondents_per_question(survey, scope)
    texts = _texts(survey, scope)
    facts_of: dict[int, list[Row]] = {}
    for row in facts:
        facts_of.setdefault(row["question_id"], []).append(row)
    return {
        "survey": survey,
        "scope": scope,
        "responses": _response_summary(counts, grids, survey),
        "questions": [
            _question_result(
                question,
                facts_of.get(question.pk, []),
                respondents.get(question.pk, 0),
                texts,
                grids,
            )
            for question in questions
        ],
        "satisfaction": _survey_satisfaction(questions, facts),
    }


def _grids(path: str) -> dict[int, Row]:
    """The grids covered, with names, households and members assigned now (one query)."""
    rows = (
        Grid.objects.filter(village__path__startswith=path)
        .values("pk", "code", "name", "households", "village_id", "village__name")
        .annotate(assigned=Count("assignments", filter=Q(assignments__ends_on__isnull=True)))
        .order_by("code")
    )
    return {row["pk"]: row for row in rows}


def _response_counts(survey: Survey, scope: ResultsScope) -> list[Row]:
    return list(
        Response.objects.filter(scope.responses(), survey=survey)
        .values("role", "grid_id")
        .annotate(count=Count("pk"))
        .order_by()
    )


def _response_summary(counts: list[Row], grids: dict[int, Row], survey: Survey) -> dict:
    """Counts and rates overall, per role, per village and per grid."""
    by_grid: dict[int | None, dict] = {}
    for row in counts:
        cell = by_grid.setdefault(row["grid_id"], {"resident": 0, "member": 0})
        cell[row["role"]] += row["count"]

    def line(name: str, resident: int, member: int, households: int, members: int) -> dict:
        return {
            "name": name,
            "resident": resident,
            "member": member,
            "total": resident + member,
            "households": households,
            "members": members,
            "resident_rate": rate(resident, households) if survey.for_residents else None,
            "member_rate": rate(member, members) if survey.for_members else None,
        }

    grid_lines: list[dict] = []
    villages: dict[int, list] = {}
    for pk, grid in grids.items():
        cell = by_grid.get(pk, {"resident": 0, "member": 0})
        grid_lines.append(
            {
                **line(
                    grid["name"],
                    cell["resident"],
                    cell["member"],
                    grid["households"],
                    grid["assigned"],
                ),
                "village": grid["village__name"],
            }
        )
        village = villages.setdefault(grid["village_id"], [grid["village__name"], 0, 0, 0, 0])
        for index, value in enumerate(
            (cell["resident"], cell["member"], grid["households"], grid["assigned"]), start=1
        ):
            village[index] += value
    unattributed = by_grid.get(None, {"resident": 0, "member": 0})
    totals = [sum(row[key] for row in grid_lines) for key in ("resident", "member")]
    totals[0] += unattributed["resident"]
    totals[1] += unattributed["member"]
    return {
        "total": line(
            "",
            totals[0],
            totals[1],
            sum(grid["households"] for grid in grids.values()),
            sum(grid["assigned"] for grid in grids.values()),
        ),
        "unattributed": unattributed["resident"] + unattributed["member"],
        "villages": [line(*values) for values in villages.values()],
        "grids": grid_lines,
    }


def _answer_facts(survey: Survey, scope: ResultsScope) -> list[Row]:
    """One GROUP BY at the finest grain every figure sums: question, choice, scale value,
    role and grid, with the count, sum, sum of squares, lowest and highest number."""
    number = DecimalField(max_digits=30, decimal_places=8)
    return list(
        Answer.objects.filter(scope.responses("response__"), response__survey=survey)
        .annotate(
            scale_value=Case(
                When(question__kind__in=Question.SCALE_KINDS, then=F("number")), default=None
            )
        )
        .values("question_id", "choice_id", "scale_value", "response__role", "response__grid_id")
        .annotate(
            count=Count("pk"),
            total=Sum("number"),
            squares=Sum(ExpressionWrapper(F("number") * F("number"), output_field=number)),
            low=Min("number"),
            high=Max("number"),
        )
        .order_by()
    )


def _respondents_per_question(survey: Survey, scope: ResultsScope) -> dict[int, int]:
    return dict(
        Answer.objects.filter(scope.responses("response__"), response__survey=survey)
        .values("question_id")
        .annotate(count=Count("response_id", distinct=True))
        .order_by()
        .values_list("question_id", "count")
    )


def _texts(survey: Survey, scope: ResultsScope) -> dict[int, list[Row]]:
    rows = (
        Answer.objects.filter(
            scope.responses("response__"),
            response__survey=survey,
            question__kind__in=Question.TEXT_KINDS,
        )
        .exclude(text="")
        .values("question_id", "text", "response__submitted_at", "response__grid__name")
        .order_by("-response__submitted_at", "-pk")[:TEXT_LIMIT]
    )
    texts: dict[int, list[Row]] = {}
    for row in rows:
        texts.setdefault(row["question_id"], []).append(row)
    return texts


def _group_key(row: Row, dimension: str, grids: dict[int, Row]) -> object:
    grid_id = row["response__grid_id"]
    if dimension == "role":
        return row["response__role"]
    if grid_id is None:
        return None
    return grids[grid_id]["village_id"] if dimension == "village" else grid_id


def _group_names(dimension: str, grids: dict[int, Row]) -> dict:
    if dimension == "role":
        return dict(Response.Role.choices)
    if dimension == "village":
        return {grid["village_id"]: grid["village__name"] for grid in grids.values()}
    return {pk: grid["name"] for pk, grid in grids.items()}


def _numbers(rows: list[Row]) -> dict:
    count = sum(row["count"] for row in rows)
    total = float(sum(row["total"] or 0 for row in rows))
    squares = float(sum(row["squares"] or 0 for row in rows))
    mean, deviation = _spread(count, total, squares)
    lows = [row["low"] for row in rows if row["low"] is not None]
    highs = [row["high"] for row in rows if row["high"] is not None]
    return {
        "count": count,
        "mean": mean,
        "deviation": deviation,
        "low": min(lows) if lows else None,
        "high": max(highs) if highs else None,
    }


def _distribution(question: Question, rows: list[Row], respondents: int) -> list[dict]:
    if question.kind in Question.CHOICE_KINDS:
        items = [(choice.pk, choice.text) for choice in question.choices.all()]
        key = "choice_id"
    else:
        items = [(value, str(value)) for value in question.scale_values]
        key = "scale_value"
    counts: dict = {}
    for row in rows:
        value = row[key] if key == "choice_id" else int(row[key])
        counts[value] = counts.get(value, 0) + row["count"]
    return [
        {
            "label": label,
            "count": counts.get(value, 0),
            "share": rate(counts.get(value, 0), respondents),
        }
        for value, label in items
    ]


def _crosstab(
    question: Question, rows: list[Row], grids: dict[int, Row], dimension: str
) -> list[dict]:
    names = _group_names(dimension, grids)
    groups: dict = {}
    for row in rows:
        groups.setdefault(_group_key(row, dimension, grids), []).append(row)
    lines = []
    for key, group_rows in groups.items():
        line = {"name": names.get(key, ""), "key": key}
        if question.kind in Question.CHOICE_KINDS:
            counts: dict = {}
            for row in group_rows:
                counts[row["choice_id"]] = counts.get(row["choice_id"], 0) + row["count"]
            line["counts"] = [counts.get(choice.pk, 0) for choice in question.choices.all()]
        else:
            line.update(_numbers(group_rows))
        lines.append(line)
    lines.sort(key=lambda line: (line["key"] is None, str(line["name"])))
    return lines


def _question_result(
    question: Question,
    rows: list[Row],
    respondents: int,
    texts: dict[int, list[Row]],
    grids: dict[int, Row],
) -> dict:
    """``rows``: the question's answer facts."""
    result = {"question": question, "respondents": respondents}
    if question.kind in Question.TEXT_KINDS:
        result["texts"] = texts.get(question.pk, [])
        return result
    if question.kind in Question.NUMERIC_KINDS:
        result["numbers"] = _numbers(rows)
    if question.kind != Question.Kind.NUMBER:
        result["distribution"] = _distribution(question, rows, respondents)
    result["crosstabs"] = {
        dimension: _crosstab(question, rows, grids, dimension) for dimension in DIMENSIONS
    }
    return result


def _survey_satisfaction(questions: list[Question], facts: list[Row]) -> dict:
    marked = {question.pk for question in questions if question.measures_satisfaction}
    rows = [row for row in facts if row["question_id"] in marked]
    answered = sum(row["count"] for row in rows)
    satisfied = sum(
        row["count"]
        for row in rows
        if row["scale_value"] is not None and row["scale_value"] >= SATISFIED_LIKERT
    )
    return {
        "measured": bool(marked),
        "answers": answered,
        "satisfied": satisfied,
        "rate": rate(satisfied, answered),
    }


def rounds_compare(current: dict, other: dict) -> list[dict]:
    """Question by question (matched by key and kind): the two rounds side by side."""
    others = {
        item["question"].key: item
        for item in other["questions"]
        if item["question"].kind not in Question.TEXT_KINDS
    }
    rows = []
    for item in current["questions"]:
        question = item["question"]
        before = others.get(question.key)
        if before is None or before["question"].kind != question.kind:
            continue
        row = {"question": question, "respondents": (before["respondents"], item["respondents"])}
        if "numbers" in item:
            now_mean, then_mean = item["numbers"]["mean"], before["numbers"]["mean"]
            row["means"] = (then_mean, now_mean)
            row["change"] = (
                now_mean - then_mean if now_mean is not None and then_mean is not None else None
            )
        if question.kind in Question.CHOICE_KINDS:
            earlier = {entry["label"]: entry for entry in before["distribution"]}
            row["choices"] = [
                {
                    "label": entry["label"],
                    "before": earlier.get(entry["label"], {}).get("share"),
                    "after": entry["share"],
                }
                for entry in item["distribution"]
            ]
        rows.append(row)
    return rows


def round_candidates(user: Actor, survey: Survey) -> QuerySet[Survey]:
    """Other rounds of the same questionnaire that the user may open."""
    return (
        surveys_visible_to(user)
        .filter(series=survey.series, is_template=False)
        .exclude(pk=survey.pk)
        .order_by("-round_number", "-pk")
    )


def surveys_open_for_member(user: Actor, *, now: datetime.datetime | None = None) -> list[Survey]:
    """Open member surveys covering one of the member's grids, not yet answered by them."""
    now = now or timezone.now()
    if not user.is_authenticated or scope_of(user).kind is not ScopeKind.GRIDS:
        return []
    paths = set(assigned_grids(user).values_list("village__path", flat=True))
    if not paths:
        return []
    covering = {ancestor for path in paths for ancestor in covering_paths(path)}
    surveys = list(
        Survey.objects.filter(
            Q(closes_at__isnull=True) | Q(closes_at__gt=now),
            is_template=False,
            opens_at__lte=now,
            audience__in=(Audience.MEMBERS, Audience.BOTH),
            region__path__in=covering,
        ).order_by("closes_at", "pk")
    )
    keys = {respondent_key(survey=survey, user=user): survey for survey in surveys}
    answered = set(
        Response.objects.filter(survey__in=surveys, respondent_key__in=list(keys)).values_list(
            "respondent_key", flat=True
        )
    )
    return [survey for key, survey in keys.items() if key not in answered]


def dashboard_survey_satisfaction(user: Actor) -> dict | None:
    """The newest survey in the user's jurisdiction with a satisfaction question and
    answers, and its satisfied share: one query, for the dashboard beside case ratings."""
    visible = surveys_visible_to(user).filter(is_template=False)
    scope = scope_of(user)
    if scope.kind is ScopeKind.SUBTREE:
        visible = visible.filter(region__path__startswith=scope.path)
    row = (
        Answer.objects.filter(
            question__measures_satisfaction=True, question__survey__in=visible.values("pk")
        )
        .values("question__survey_id", "question__survey__title", "question__survey__opens_at")
        .annotate(
            answers=Count("pk"),
            satisfied=Count("pk", filter=Q(number__gte=SATISFIED_LIKERT)),
        )
        .order_by("-question__survey__opens_at", "-question__survey_id")
        .first()
    )
    if row is None:
        return None
    return {
        "survey_id": row["question__survey_id"],
        "title": row["question__survey__title"],
        "answers": row["answers"],
        "satisfied": row["satisfied"],
        "rate": rate(row["satisfied"], row["answers"]),
    }
