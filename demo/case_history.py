"""A demo case's life, simulated on the catalogue's time limits up to now.

A case is reported at some moment of the last three months (more of them lately, as a
town takes the platform up) and is meant to go round the loop: most to a rating, some are
rejected or put on hold. Each step takes a share of its stage's time limit (most well
within it, some past it, a few stuck for long). Walking the steps in order, each stage
starts its clock as the services do; where a step comes after its deadline the overdue
sweep has moved the case up a rung at that deadline (an ``auto_escalate`` event, the rung's
limit from then on). The walk stops at now: what has not happened yet has not happened,
and the case is in the status of its last step, its stage clock running.

So the figures the dashboard reads (opened and closed per day, durations, on-time and
closure rates, escalations) and every case's timeline come from one history and agree.
"""

import datetime
import random
from dataclasses import dataclass, field

from django.utils import timezone

from incidents.models import Incident, IncidentEvent, Level
from incidents.services.deadlines import Clock
from incidents.working_time import WorkingCalendar, limit_minutes

S = Incident.Status
A = IncidentEvent.Action
MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
# How far back reports reach (the dashboard's longest preset is 90 days).
HISTORY_DAYS = 88
# A case's planned end: its share of the cases (rejected ones may be merged later).
OUTCOMES = [(S.EVALUATED, 62), (S.CLOSED, 26), (S.REJECTED, 9), (S.SUSPENDED, 3)]
# Shares of the handling steps that take longer than their limit, and that are stuck for
# far longer (the backlog that climbs the ladder).
LATE_SHARE = 0.1
STUCK_SHARE = 0.04
# Acceptance and verification are seldom late.
QUICK_LATE_SHARE = 0.04
RETURN_SHARE = 0.06
# Cases the grid member pushes up to the village by hand once accepted (beyond the grid).
HAND_ESCALATION_SHARE = 0.08
REWORK_SHARE = 0.08
# Cases whose handler asks for a later deadline (延期) while handling, and gets it: the
# deadline moves on by the stage's whole limit again.
EXTENSION_SHARE = 0.06
TOP_LEVEL = Level.PREFECTURE
# The sweep has not yet seen the deadlines of the last working hours: those cases are
# overdue when the demo starts, and escalate while it runs, whatever the hour of the seed
# (working hours, so that a seed at night or after a weekend still leaves some).
SWEEP_LAG_WORKING_MINUTES = 6 * 60
STAGE_OF = {**Incident.STAGE_OF_STATUS, S.SUSPENDED: None}


@dataclass
class Step:
    action: str
    status: str
    at: datetime.datetime
    from_level: int
    to_level: int
    note: str = ""
    names_department: bool = False  # the step names the case's department, if any
    breached: datetime.datetime | None = None  # an escalation's breached deadline
    # The report's acceptance deadline, as incident_report keeps it (the assessment's
    # response rate reads it).
    deadline_after: datetime.datetime | None = None
    # An extension's request and approval: the deadline asked for, and the one it replaced.
    extended_to: datetime.datetime | None = None
    extended_from: datetime.datetime | None = None
    # A dispatch by a rule (demo.cases marks it where the town has one), and a return of
    # such a dispatch.
    dispatch_rule_id: int | None = None


@dataclass
class Limits:
    """The catalogue's time limits, loaded once: (category id, urgency, stage) and
    (level, urgency) → (amount, unit, warning percent); the calendar they count on."""

    stages: dict
    rungs: dict
    calendar: WorkingCalendar


@dataclass
class History:
    status: str
    level: int
    is_stalled: bool
    steps: list[Step]
    created_at: datetime.datetime
    closed_at: datetime.datetime | None
    clock: dict = field(default_factory=dict)


@dataclass
class _Plan:
    """One planned step: what, and how long after the previous one (as a share of the
    running stage's limit, or a plain time where no limit counts)."""

    action: str
    status: str
    share: float = 0.0
    plain: datetime.timedelta | None = None
    note: str = ""
    names_department: bool = False


def report_age(rng: random.Random) -> datetime.timedelta:
    """How long ago a case was reported: over HISTORY_DAYS, three times as many lately as
    at the start (half evenly spread, half on a slope)."""
    if rng.random() < 0.5:
        return HISTORY_DAYS * DAY * rng.random()
    return HISTORY_DAYS * DAY * rng.triangular(0, 1, 0)


def _daytime(moment: datetime.datetime) -> datetime.datetime:
    """People report by day: a report of the night moves ten hours on."""
    hour = timezone.localtime(moment).hour
    return moment + 10 * HOUR if hour < 7 or hour >= 21 else moment


def _handling_share(rng: random.Random) -> float:
    draw = rng.random()
    if draw < STUCK_SHARE:
        return rng.uniform(2.0, 4.0)
    if draw < STUCK_SHARE + LATE_SHARE:
        return rng.uniform(1.05, 1.8)
    return rng.uniform(0.05, 0.6)


def _quick_share(rng: random.Random) -> float:
    return rng.uniform(1.05, 1.5) if rng.random() < QUICK_LATE_SHARE else rng.uniform(0.05, 0.6)


def _plan(rng: random.Random) -> list[_Plan]:
    outcome = rng.choices([o for o, _ in OUTCOMES], weights=[w for _, w in OUTCOMES])[0]
    if outcome == S.REJECTED:
        return [_Plan(A.REJECT, S.REJECTED, _quick_share(rng))]
    plan = [_Plan(A.ACCEPT, S.ACCEPTED, _quick_share(rng))]
    if outcome == S.SUSPENDED:
        return [*plan, _Plan(A.SUSPEND, S.SUSPENDED, rng.uniform(0.1, 0.6))]
    if rng.random() < HAND_ESCALATION_SHARE:
        plan.append(_Plan(A.ESCALATE, S.ACCEPTED, rng.uniform(0.02, 0.2), note="超出网格处置能力"))
    plan.append(_Plan(A.DISPATCH, S.DISPATCHED, rng.uniform(0.01, 0.1), names_department=True))
    if rng.random() < RETURN_SHARE:
        plan += [
            _Plan(
                A.RETURN,
                S.ACCEPTED,
                rng.uniform(0.1, 0.5),
                note="不属于本部门职责，退回重新派遣",
                names_department=True,
            ),
            _Plan(A.DISPATCH, S.DISPATCHED, rng.uniform(0.01, 0.1)),
        ]
    plan.append(_Plan(A.START, S.IN_PROGRESS, rng.uniform(0.02, 0.15), names_department=True))
    if rng.random() < EXTENSION_SHARE:
        plan += [
            _Plan(
                A.EXTEND_REQUEST,
                S.IN_PROGRESS,
                rng.uniform(0.5, 0.9),
                note="需协调多个部门，申请延期",
                names_department=True,
            ),
            _Plan(A.EXTEND_APPROVE, S.IN_PROGRESS, rng.uniform(0.01, 0.05), note="同意延期"),
        ]
    plan.append(_Plan(A.HANDLE, S.HANDLED, _handling_share(rng), names_department=True))
    if rng.random() < REWORK_SHARE:
        plan += [
            _Plan(A.REWORK, S.IN_PROGRESS, rng.uniform(0.1, 0.6), note="现场核查未整改到位"),
            _Plan(A.HANDLE, S.HANDLED, rng.uniform(0.1, 0.9), names_department=True),
        ]
    plan.append(_Plan(A.VERIFY, S.CLOSED, _quick_share(rng)))
    if outcome == S.EVALUATED:
        gap = datetime.timedelta(minutes=rng.randint(120, 3 * 24 * 60))
        plan.append(_Plan(A.EVALUATE, S.EVALUATED, plain=gap))
    return plan


class _Walk:
    """The case as the steps move it: status, rung, and the running clock."""

    def __init__(self, category_id: int, urgency: str, limits: Limits, created):
        self.category_id, self.urgency, self.limits = category_id, urgency, limits
        self.status, self.level = S.REPORTED, Level.GRID
        self.steps = [Step(A.REPORT, S.REPORTED, created, Level.GRID, Level.GRID)]
        self.clock: Clock | None = None
        self.stalled = False
        self._restart(created, self._stage_limit())
        self.steps[0].deadline_after = self.deadline

    def _stage_limit(self):
        stage = STAGE_OF.get(self.status)
        return self.limits.stages.get((self.category_id, self.urgency, stage))

    def _restart(self, start: datetime.datetime, limit, source=Incident.ClockSource.STAGE):
        if limit is None:
            self.clock = None
            return
        minutes, working = limit_minutes(limit[0], limit[1])
        self.clock = Clock(source, start, minutes, working, percent=limit[2])

    @property
    def deadline(self) -> datetime.datetime | None:
        return self.clock.deadline(self.limits.calendar) if self.clock else None

    def escalate_until(self, moment: datetime.datetime) -> None:
        """The sweep's rungs for every deadline that passed before ``moment``; overdue at
        the top, the case is marked stalled there once (a ``stall`` event)."""
        while (deadline := self.deadline) is not None and deadline < moment:
            if self.level <= TOP_LEVEL:
                if not self.stalled:
                    self.stalled = True
                    self.steps.append(
                        Step(
                            A.STALL,
                            self.status,
                            deadline,
                            self.level,
                            self.level,
                            breached=deadline,
                        )
                    )
                return
            to_level = Level.VILLAGE if self.level > Level.VILLAGE else self.level - 1
            self.steps.append(
                Step(
                    A.AUTO_ESCALATE,
                    self.status,
                    deadline,
                    self.level,
                    to_level,
                    breached=deadline,
                )
            )
            self.level = to_level
            limit = self.limits.rungs.get((to_level, self.urgency))
            self._restart(deadline, limit, Incident.ClockSource.ESCALATION)

    def when(self, plan: _Plan, start: datetime.datetime) -> datetime.datetime:
        if plan.plain is not None or self.clock is None:
            return start + (plan.plain or datetime.timedelta(hours=plan.share * 8))
        span = self.limits.calendar.add_minutes(start, self.clock.remaining, self.clock.working)
        return self._office_hours(start + (span - start) * plan.share, plan.share)

    def _office_hours(self, moment: datetime.datetime, share: float) -> datetime.datetime:
        """Staff act in working hours: a step that would fall outside them happens in the
        next ones, a little after they begin, unless that would miss the deadline (urgent
        work goes on at night)."""
        calendar = self.limits.calendar
        if calendar.is_working_moment(moment):
            return moment
        moved = calendar.add_working_hours(moment, 0.1 + (share * 1000 % 1) * 1.5)
        deadline = self.deadline
        return moment if deadline is not None and moment <= deadline < moved else moved

    def _climb_by_hand(self, plan: _Plan, moment: datetime.datetime) -> None:
        """One rung up by hand (incidents.services.transitions._climb): the rung's clock."""
        if self.level <= TOP_LEVEL:
            return
        to_level = Level.VILLAGE if self.level > Level.VILLAGE else self.level - 1
        self.steps.append(Step(A.ESCALATE, self.status, moment, self.level, to_level, plan.note))
        self.level = to_level
        limit = self.limits.rungs.get((to_level, self.urgency))
        self._restart(moment, limit, Incident.ClockSource.ESCALATION)

    def _extend(self, plan: _Plan, moment: datetime.datetime) -> None:
        """An extension asked for (the new deadline: the old one plus the stage's whole
        limit) and approved (incidents.services.deadlines.extension_clock_fields: the time
        used stays, the clock counts to the deadline asked for). The status stays."""
        clock, calendar = self.clock, self.limits.calendar
        step = Step(plan.action, self.status, moment, self.level, self.level, plan.note)
        step.names_department = plan.names_department
        if clock is None:
            return
        if plan.action == A.EXTEND_REQUEST:
            deadline = clock.deadline(calendar)
            asked = calendar.add_minutes(deadline, clock.used + clock.remaining, clock.working)
            when = timezone.localtime(asked).strftime("%Y-%m-%d %H:%M")
            step.note = f"{when}\n{plan.note}"
            step.extended_to, step.extended_from = asked, deadline
            self.steps.append(step)
            return
        request = next((s for s in reversed(self.steps) if s.action == A.EXTEND_REQUEST), None)
        if request is None or request.extended_to is None or request.extended_to <= moment:
            return
        used = clock.used + calendar.minutes_between(clock.start, moment, clock.working)
        remaining = calendar.minutes_between(moment, request.extended_to, clock.working)
        step.extended_to, step.extended_from = request.extended_to, request.extended_from
        self.steps.append(step)
        self.clock = Clock(
            Incident.ClockSource.EXTENSION,
            moment,
            remaining,
            clock.working,
            used=used,
            percent=clock.percent,
        )

    def take(self, plan: _Plan, moment: datetime.datetime) -> None:
        if plan.action == A.ESCALATE:
            self._climb_by_hand(plan, moment)
            return
        if plan.action in (A.EXTEND_REQUEST, A.EXTEND_APPROVE):
            self._extend(plan, moment)
            return
        self.steps.append(
            Step(
                plan.action,
                plan.status,
                moment,
                self.level,
                self.level,
                note=plan.note,
                names_department=plan.names_department,
            )
        )
        self.status = plan.status
        self.stalled = False
        self._restart(moment, self._stage_limit())


def swept_until(limits: Limits, now: datetime.datetime) -> datetime.datetime:
    """The moment before which the demo's sweep has escalated every passed deadline: the
    start of the last SWEEP_LAG_WORKING_MINUTES working minutes (at most a fortnight)."""
    cutoff = now - 6 * HOUR
    while (
        limits.calendar.working_minutes_between(cutoff, now) < SWEEP_LAG_WORKING_MINUTES
        and cutoff > now - 14 * DAY
    ):
        cutoff -= HOUR
    return cutoff


def history_simulate(
    rng: random.Random,
    *,
    category_id: int,
    urgency: str,
    limits: Limits,
    now,
    swept: datetime.datetime | None = None,
) -> History:
    created = _daytime(now - report_age(rng))
    if created >= now:
        created -= DAY
    walk = _Walk(category_id, urgency, limits, created)
    for plan in _plan(rng):
        start = walk.steps[-1].at
        moment = walk.when(plan, start)
        if moment >= now:
            break
        walk.escalate_until(moment)
        walk.take(plan, moment)
    if walk.status in Incident.OPEN_STATUSES:
        walk.escalate_until(swept if swept is not None else swept_until(limits, now))
    clock: dict = {}
    if walk.status in Incident.OPEN_STATUSES and walk.clock is not None:
        clock = walk.clock.fields(limits.calendar)
    elif walk.status == S.SUSPENDED:
        clock = {
            "deadline": None,
            "clock_from": walk.steps[-1].at,
            "stage_minutes_used": rng.randint(60, 600),
            "stage_minutes_remaining": rng.randint(60, 2400),
        }
    closing = {S.CLOSED, S.REJECTED}
    closed_at = next((s.at for s in reversed(walk.steps) if s.status in closing), None)
    return History(
        status=walk.status,
        level=walk.level,
        is_stalled=walk.stalled and walk.status in Incident.OPEN_STATUSES,
        steps=walk.steps,
        created_at=created,
        closed_at=closed_at if walk.status in (*closing, S.EVALUATED) else None,
        clock=clock,
    )


PAST_DISPATCH = frozenset({S.DISPATCHED, S.IN_PROGRESS, S.HANDLED, S.CLOSED, S.EVALUATED})
