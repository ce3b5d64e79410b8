"""Demo survey rounds for ``seed_demo``: the two template questionnaires, answered.

The first town gets a copy of each template (through ``survey_copy``), open for 30 days
since a few days ago, so that responses have submission times inside the round. Residents
answer the public one from their devices (a few hundred, spread over the grids with a
share left unattributed, as the plain link gives), every grid member of the town answers
the members' one. Answers are drawn per question key, then checked by ``answers_clean``
like a real submission (kinds, bounds, maximum picks, conditions), and written in bulk.

A second run finds the same two surveys (their series is derived from the town's code),
puts their times and titles back, and replaces their responses: same state, same tokens.
"""

import datetime
import importlib
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from demo.geography import DemoGeography, Progress
from grids.models import Grid, Region
from members.models import GridAssignment, GridMember, User
from surveys.answers import answers_clean
from surveys.models import Answer, Audience, Question, Response, Survey
from surveys.respondents import respondent_key
from surveys.selectors import survey_questions
from surveys.services import SurveyData, answer_rows, survey_copy, survey_update

ROUND_DAYS = 30
DAYS_OPEN = 12  # how long the round has been open when the seed runs
RESIDENT_RESPONSES = 300
RESIDENT_SHARE_OF_HOUSEHOLDS = 0.25  # small seeds: at most this many per household
UNATTRIBUTED_SHARE = 0.06  # answered through the plain link, without a grid code
SERIES_NAMESPACE = uuid.UUID("6f1d2a52-3c1b-4f7e-9a55-0d5e2b1c7a10")
BATCH = 2000

RESIDENT_SUGGESTIONS = [
    "希望网格员多上门走访，特别是独居老人家里。",
    "反映的问题处理得挺快，希望继续保持。",
    "晚上路灯经常不亮，希望尽快修好。",
    "希望在村口公示栏公布网格员的姓名和电话。",
    "垃圾清运不够及时，夏天气味很大。",
    "希望多组织一些防诈骗宣传活动。",
    "办事流程能不能再简化一些，少跑几趟。",
    "网格员很负责，对我们家帮助很大，谢谢！",
    "渔港附近停车太乱，希望加强管理。",
    "希望反映问题后能及时告诉我们处理进度。",
    "台风天前能提前通知大家做好准备。",
    "建议给老年人多讲讲医保和养老政策。",
]
MEMBER_SUGGESTIONS = [
    "各类报表太多，希望减少重复填报。",
    "希望增加专职网格员，减轻兼职人员负担。",
    "平台手机端有时打不开，希望优化一下。",
    "希望多组织业务培训，特别是矛盾调解方面。",
    "希望适当提高补贴，留住年轻人。",
    "部门之间转办的事件反馈太慢，希望明确时限。",
    "建议平台能和微信群打通，少录一遍。",
]


@dataclass(frozen=True)
class DemoSurveys:
    residents: Survey | None
    members: Survey | None
    resident_responses: int
    member_responses: int


@dataclass
class _Respondent:
    """Who answers, and what the draw needs to know about them."""

    key: str
    role: str
    grid: Grid | None
    mood: float  # leaning of their scale answers (about 3 to 4.5 on a 1–5 scale)
    member: GridMember | None = None
    starts_on: datetime.date | None = None


def _template_titles() -> dict[str, str]:
    """The audiences' template titles, as the data migration loads them."""
    templates = importlib.import_module("surveys.migrations.0002_templates").TEMPLATES
    return {audience: title for title, _description, audience, _questions in templates}


def _series(town: Region, audience: str) -> uuid.UUID:
    return uuid.uuid5(SERIES_NAMESPACE, f"{town.code}/{audience}")


def _demo_survey(*, town: Region, audience: str, actor: User, now) -> Survey | None:
    """The town's demo round for this audience: found again by its series, or copied from
    the template (None when the template is gone); open, public and anonymous."""
    series = _series(town, audience)
    survey = Survey.objects.filter(
        series=series, round_number=1, region=town, is_template=False
    ).first()
    template = Survey.objects.filter(is_template=True, title=_template_titles()[audience]).first()
    if survey is None:
        if template is None:
            return None
        survey = survey_copy(survey=template, actor=actor, region=town)
        Survey.objects.filter(pk=survey.pk).update(series=series)
    opens_at = now - datetime.timedelta(days=DAYS_OPEN)
    source = template or survey  # a renamed template: keep the survey's own wording
    title = f"{town.name}{template.title.removesuffix('（模板）')}" if template else survey.title
    return survey_update(
        survey=survey,
        data=SurveyData(
            title=title,
            description=source.description,
            audience=audience,
            region=town,
            opens_at=opens_at,
            closes_at=opens_at + datetime.timedelta(days=ROUND_DAYS),
            is_anonymous=True,
        ),
    )


def surveys_seed(
    *,
    geography: DemoGeography,
    seed: int,
    progress: Progress | None = None,
    now: datetime.datetime | None = None,
) -> DemoSurveys:
    """The residents' and grid members' rounds of the first town (S Town), answered; its
    town official (``demo_town``) reads the results. Other towns get none."""
    progress = progress or (lambda iterable, **kwargs: iterable)
    now = now or timezone.now()
    town = geography.towns[0]
    grids = [grid for grid in geography.grids if grid.village.parent_id == town.pk]
    actor = User.objects.filter(username="demo_town").first()
    rng = random.Random(f"{seed}/surveys/{town.code}")  # noqa: S311 - demo data
    # Villages differ in how content they are: the results by village show it.
    moods = {village: rng.uniform(3.5, 4.4) for village in sorted({g.village_id for g in grids})}
    made = {}
    for audience, plan in [
        (Audience.RESIDENTS, _resident_plan),
        (Audience.MEMBERS, _member_plan),
    ]:
        survey = _demo_survey(town=town, audience=audience, actor=actor, now=now)
        made[audience] = (survey, 0)
        if survey is None:
            continue
        Answer.objects.filter(response__survey=survey).delete()
        Response.objects.filter(survey=survey).delete()
        respondents = plan(survey=survey, grids=grids, moods=moods, rng=rng)
        count = _responses_write(survey, respondents, rng, now, progress)
        made[audience] = (survey, count)
    return DemoSurveys(
        residents=made[Audience.RESIDENTS][0],
        members=made[Audience.MEMBERS][0],
        resident_responses=made[Audience.RESIDENTS][1],
        member_responses=made[Audience.MEMBERS][1],
    )


def _resident_plan(*, survey: Survey, grids: list[Grid], moods, rng) -> list[_Respondent]:
    """A few hundred devices: grids weighted by households and by how keen their village
    is, never more responses than a grid has households; a few without a grid."""
    households = sum(grid.households for grid in grids)
    total = min(RESIDENT_RESPONSES, int(households * RESIDENT_SHARE_OF_HOUSEHOLDS))
    keenness = {village: rng.uniform(0.4, 1.6) for village in moods}
    weights = [grid.households * keenness[grid.village_id] for grid in grids]
    counts = dict.fromkeys(range(len(grids)), 0)
    if total and sum(weights):
        for index in rng.choices(range(len(grids)), weights=weights, k=total):
            counts[index] = min(counts[index] + 1, grids[index].households)
    unattributed = round(sum(counts.values()) * UNATTRIBUTED_SHARE)
    chosen = [grids[index] for index, count in counts.items() for _ in range(count)]
    chosen += [None] * unattributed
    respondents = []
    for grid in chosen:
        device_id = f"{rng.getrandbits(128):032x}"  # as the device cookie holds it
        base = moods[grid.village_id] if grid else 3.8
        respondents.append(
            _Respondent(
                key=respondent_key(survey=survey, device_id=device_id),
                role=Response.Role.RESIDENT,
                grid=grid,
                mood=rng.gauss(base, 0.5),
            )
        )
    return respondents


def _member_plan(*, survey: Survey, grids: list[Grid], moods, rng) -> list[_Respondent]:
    """Every grid member assigned in the town, once, attributed to their grid."""
    by_pk = {grid.pk: grid for grid in grids}
    assignments = (
        GridAssignment.objects.filter(grid__in=grids, ends_on__isnull=True)
        .select_related("member__user")
        .order_by("member__user__username", "grid__code")
    )
    respondents, seen = [], set()
    for assignment in assignments:
        member = assignment.member
        if member.pk in seen:
            continue
        seen.add(member.pk)
        grid = by_pk[assignment.grid_id]
        respondents.append(
            _Respondent(
                key=respondent_key(survey=survey, user=member.user),
                role=Response.Role.MEMBER,
                grid=grid,
                mood=rng.gauss(moods[grid.village_id] - 0.4, 0.5),
                member=member,
                starts_on=assignment.starts_on,
            )
        )
    return respondents


def _responses_write(survey: Survey, respondents, rng, now, progress: Callable) -> int:
    """Draw and check every response's answers, then insert responses and answers in
    batches (a handful of statements whatever the count)."""
    questions = survey_questions(survey)
    opens_at = survey.opens_at
    elapsed = (now - opens_at).total_seconds()
    drawn = []
    desc = f"{survey.audience} survey"
    for respondent in progress(respondents, desc=desc, unit="response"):
        raw = _draw(questions, respondent, rng, now)
        # Most answers come in the first days after the link goes round.
        submitted_at = opens_at + datetime.timedelta(seconds=elapsed * rng.random() ** 1.8)
        response = Response(
            survey=survey,
            respondent_key=respondent.key,
            role=respondent.role,
            grid=respondent.grid,
            village_id=respondent.grid.village_id if respondent.grid else None,
            submitted_at=submitted_at,
        )
        drawn.append((response, answers_clean(questions, raw)))
    Response.objects.bulk_create([response for response, _answers in drawn], batch_size=BATCH)
    Answer.objects.bulk_create(
        [row for response, answers in drawn for row in answer_rows(response, answers)],
        batch_size=BATCH,
    )
    return len(drawn)


# --- Drawing answers -----------------------------------------------------------------
# A draw returns choice texts (choice questions) or one value as text; an empty list leaves
# the question unanswered. Conditions need no care here: answers_clean drops the answers
# to questions whose condition was not picked, as it does for a posted form.


@dataclass
class _Draw:
    rng: random.Random
    who: _Respondent
    texts: list[str]  # the question's choices, in order
    picked: dict[str, str]  # earlier question key → the first choice text picked
    now: datetime.datetime

    @property
    def full_time(self) -> bool:
        return self.who.member.employment == GridMember.Employment.FULL_TIME

    def weighted(self, *weights: float) -> list[str]:
        return self.rng.choices(self.texts or ["1", "2", "3", "4", "5"], weights=weights)

    def likert(self, shift: float = 0.0) -> list[str]:
        return [str(min(5, max(1, round(self.rng.gauss(self.who.mood + shift, 0.8)))))]

    def some(self, *chances: float, limit: int | None = None) -> list[str]:
        """Each choice with its own chance, at least one, the first ``limit`` kept."""
        texts = [t for t, c in zip(self.texts, chances, strict=False) if self.rng.random() < c]
        texts = texts or [self.rng.choice(self.texts)]
        return texts[:limit] if limit else texts

    def maybe(self, chance: float, value) -> list[str]:
        return [str(value)] if self.rng.random() < chance else []


def _services(d: _Draw) -> list[str]:
    if d.picked.get("knows_member") == "不知道" and d.rng.random() < 0.6:
        return [d.texts[-1]]  # 没有接受过
    return _Draw(d.rng, d.who, d.texts[:-1], d.picked, d.now).some(
        0.55, 0.15, 0.3, 0.35, 0.3, 0.25
    )


def _years(d: _Draw) -> list[str]:
    years = (timezone.localdate(d.now) - d.who.starts_on).days / 365.25
    return [d.texts[0 if years < 1 else 1 if years < 3 else 2 if years < 5 else 3]]


def _suggestion(d: _Draw) -> list[str]:
    if d.who.role == Response.Role.MEMBER:
        return d.maybe(0.3, d.rng.choice(MEMBER_SUGGESTIONS))
    return d.maybe(0.08, d.rng.choice(RESIDENT_SUGGESTIONS))


DRAWS: dict[str, Callable[[_Draw], list[str]]] = {
    # Residents: a coastal town with many older people; most know their grid member.
    "age": lambda d: d.weighted(2, 25, 40, 33),
    "household_size": lambda d: d.maybe(
        0.9, d.rng.choices(range(1, 8), weights=[10, 25, 24, 20, 12, 6, 3])[0]
    ),
    "knows_member": lambda d: [d.texts[0 if d.rng.random() < 0.3 + 0.1 * d.who.mood else 1]],
    "contact": lambda d: d.weighted(8, 45, 32, 15),
    "services": _services,
    "reported": lambda d: d.weighted(35, 65),
    "case_satisfaction": lambda d: d.likert(-0.2),
    "overall": lambda d: d.likert(),
    # Grid members: what the register knows about them, then their views.
    "employment": lambda d: [d.texts[0 if d.full_time else 1]],
    "years": _years,
    "hours": lambda d: [d.rng.randint(38, 60) if d.full_time else d.rng.randint(8, 25)],
    "households": lambda d: d.maybe(
        0.85, max(1, round(d.who.grid.households * d.rng.uniform(0.8, 1.2)))
    ),
    "workload": lambda d: d.weighted(2, 8, 30, 40, 20),
    "staffing": lambda d: d.weighted(10, 40, 38, 12),
    "trained": lambda d: d.weighted(80, 20),
    "training_help": lambda d: d.likert(0.2),
    "pay": lambda d: d.likert(-0.3 if d.full_time else -0.9),
    "tools": lambda d: d.some(0.9, 0.8, 0.3, 0.5, 0.05, limit=3),
    "platform_useful": lambda d: [min(10, max(0, round(d.rng.gauss(2 * d.who.mood - 0.5, 1.6))))],
    "obstacles": lambda d: d.some(0.6, 0.45, 0.5, 0.3, 0.2, 0.35, 0.15, limit=3),
    "suggestions": _suggestion,
}


def _fallback(d: _Draw, question: Question) -> list[str]:
    """A plausible answer to a question the demo does not know by key."""
    kind, rng = question.kind, d.rng
    if kind == Question.Kind.SINGLE:
        return [rng.choice(d.texts)]
    if kind == Question.Kind.MULTIPLE:
        return rng.sample(d.texts, rng.randint(1, question.max_choices or len(d.texts)))
    if kind == Question.Kind.LIKERT:
        return d.likert()
    if kind == Question.Kind.RATING:
        return [rng.randint(5, 10)]
    if kind == Question.Kind.NUMBER:
        low = int(question.min_value or 0)
        high = low + 10 if question.max_value is None else int(question.max_value)
        return [rng.randint(low, min(high, low + 10))]
    return ["无"] if question.is_required else []


def _draw(questions: list[Question], who: _Respondent, rng, now) -> dict[int, list[str]]:
    """The raw form values of one response, as the answering page would post them."""
    raw: dict[int, list[str]] = {}
    picked: dict[str, str] = {}
    for question in questions:
        choices = {choice.text: str(choice.pk) for choice in question.choices.all()}
        draw = _Draw(rng, who, list(choices), picked, now)
        draw_one = DRAWS.get(question.key)
        values = [str(v) for v in (draw_one(draw) if draw_one else _fallback(draw, question))]
        if question.kind in Question.CHOICE_KINDS:
            values = list(dict.fromkeys(values))
            if values:
                picked[question.key] = values[0]
            values = [choices[value] for value in values]
        raw[question.pk] = values
    return raw
