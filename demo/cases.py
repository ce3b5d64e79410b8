"""Demo cases for ``seed_demo``: every status, every group of categories, every rung.

Cases are generated as data (bulk inserts with consistent events and handler grants), not
walked through the loop's services: a million of them must load in minutes. Each case's
history is spread over the past weeks (demo.case_history): its events, stage clock, closure,
rating and call-back carry the times they would have had. A second run replaces the demo
cases of the towns it seeds, so it leaves the same state. Some open cases fall due within
the first hours, so escalations happen while the demo runs.
"""

import datetime
import random
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Permission
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.roles import Role
from demo.case_history import (
    DAY,
    HISTORY_DAYS,
    PAST_DISPATCH,
    Limits,
    Step,
    history_simulate,
    swept_until,
)
from demo.geography import DemoGeography
from grids.models import Grid, Region
from incidents.models import (
    CallBack,
    Category,
    DeadlineExtension,
    Department,
    DispatchRule,
    Incident,
    IncidentEvent,
    IncidentGroupObjectPermission,
    IncidentSequence,
    Level,
    ReasonCode,
    ReporterPhoneAccess,
    TimeLimit,
    Urgency,
)
from incidents.services.catalogue import department_save
from incidents.services.deadlines import escalation_limits
from incidents.services.notify import incident_url
from incidents.working_time import WorkingCalendar
from members.models import GridAssignment, Notification, User

DEPARTMENT_NAMES = {
    "emergency-management": "应急管理办公室",
    "housing-construction": "村镇建设办公室",
    "transport": "交通管理站",
    "judicial-office": "司法所",
    "natural-resources": "自然资源所",
    "human-resources": "人力社保所",
    "urban-management": "综合行政执法队",
    "ecology-environment": "生态环境所",
    "police-station": "派出所",
    "civil-affairs": "民政办",
    "utilities": "公用事业服务中心",
    "market-supervision": "市场监管所",
    "fire-rescue": "消防救援站",
}
S = Incident.Status
A = IncidentEvent.Action
# What each category's reports say: (title, description), so that no title contradicts
# its category.
TITLES = {
    "gas-hazard": [("楼道燃气管老化", "楼道内燃气管道锈蚀，有轻微异味，担心泄漏。")],
    "building-hazard": [("危房墙体开裂", "老房子外墙出现多条裂缝，雨后更明显，住户仍在居住。")],
    "road-facility-hazard": [("路面塌陷", "村道中段路面下沉形成坑洞，夜间车辆经过危险。")],
    "flood-typhoon-hazard": [("河道堤坝渗水", "台风过后堤坝底部有渗水点，需要加固。")],
    "neighbour-dispute": [
        ("邻里噪音纠纷", "楼上住户夜间装修噪音，多次协商未果。"),
        ("共用通道堆物引发争执", "两户因共用通道堆放杂物发生口角。"),
    ],
    "family-dispute": [("家庭矛盾调解", "夫妻因赡养老人问题争吵，请求调解。")],
    "land-dispute": [("宅基地边界争议", "相邻两户对宅基地界址有争议，已影响建房。")],
    "wage-arrears": [("工地拖欠工资", "多名工人反映工地拖欠三个月工资。")],
    "garbage": [
        ("垃圾堆放未清理", "村口垃圾堆放三天无人清理，气味较大。"),
        ("建筑垃圾乱倒", "路边空地被倾倒建筑垃圾。"),
    ],
    "illegal-construction": [("违章搭建彩钢棚", "屋顶新搭彩钢棚，未见审批手续。")],
    "street-occupation": [("占道摆摊", "早市摊贩占用人行道和车道，影响通行。")],
    "sewage": [("污水直排河道", "河边有管道直排污水，水面发黑。")],
    "order-hazard": [("出租房治安隐患", "出租房人员流动频繁，消防通道上锁。")],
    "fraud-lead": [("疑似电信诈骗", "有老人接到冒充公检法电话，要求转账。")],
    "group-incident-sign": [("聚集讨薪苗头", "部分工人计划到镇政府聚集讨薪。")],
    "hardship-assistance": [
        ("独居老人需要帮扶", "八旬独居老人行动不便，生活缺少照料。"),
        ("困难家庭申请救助", "家中主要劳动力患病，生活困难，咨询救助。"),
    ],
    "utility-outage": [("停水未通知", "小区停水一天，未见任何通知。")],
    "street-light": [("路灯不亮", "村道三盏路灯连续一周不亮，夜间出行不便。")],
    "market-supervision": [("过期食品销售", "小卖部货架上有过期食品在售。")],
    "blocked-fire-passage": [("消防通道堵塞", "小区消防通道长期停放车辆。")],
    "e-bike-charging": [("电动车楼道充电", "楼道内有电动车飞线充电。")],
    "fire-equipment": [("灭火器过期", "楼层灭火器已过有效期。")],
}
BATCH = 5000
# Of the cases of a category that a town's rule sends to a department, the share the rule
# dispatched (the official accepted and dispatched in one step); the others went by hand.
AUTO_DISPATCH_SHARE = 0.75


@dataclass
class DemoCases:
    created: int
    overdue_soon: int


def departments_seed(*, towns: list[Region], handler_username: str) -> list[Department]:
    codes = set(
        Category.objects.exclude(default_department_code="").values_list(
            "default_department_code", flat=True
        )
    )
    departments = [
        department_save(code=code, name=DEPARTMENT_NAMES.get(code, code), region=town)
        for town in towns
        for code in sorted(codes)
    ]
    handler = User.objects.filter(username=handler_username).first()
    if handler is not None:
        handler.groups.add(*(d.handlers for d in departments if d.code == "urban-management"))
    return departments


def dispatch_rules_seed(
    *, towns: list[Region], departments: list[Department]
) -> dict[tuple[int, int], DispatchRule]:
    """Each town sends every other category that has a department of its own straight to
    that department (a rule per category); the rest are dispatched by hand. A second run
    finds the same rules. {(town id, category id): rule}"""
    by_code = {(d.region_id, d.code): d for d in departments}
    categories = Category.objects.exclude(default_department_code="").order_by("code")
    rules = {}
    for town in towns:
        for category in list(categories)[::2]:
            department = by_code.get((town.pk, category.default_department_code))
            if department is None:
                continue
            rule, _created = DispatchRule.objects.get_or_create(
                town=town,
                category=category,
                department=department,
                defaults={"priority": 100, "note": _("Demo rule")},
            )
            rules[(town.pk, category.pk)] = rule
    return rules


def _dispatch_by_rule(case: Incident, steps: list[Step], rules: dict, rng) -> None:
    """Where the town's rule sends the case's category to the department that has it, the
    first dispatch was (mostly) the rule's: an ``auto_dispatch`` naming the rule, and a
    return of it names the rule too; the case keeps the rule while nobody returned it."""
    rule = rules.get((case.town_id, case.category_id))
    if rule is None or case.assignee_department_id != rule.department_id:
        return
    if rng.random() >= AUTO_DISPATCH_SHARE:
        return
    first = next((step for step in steps if step.action == A.DISPATCH), None)
    if first is None:
        return
    first.action, first.dispatch_rule_id = A.AUTO_DISPATCH, rule.pk
    returned = next((step for step in steps if step.action == A.RETURN), None)
    if returned is None:
        case.dispatch_rule = rule
    else:
        returned.dispatch_rule_id = rule.pk


def _clear(towns: list[Region]) -> None:
    """Remove the demo cases of these towns (and what hangs on them) before a new run."""
    cases = Incident.objects.filter(town__in=towns)
    IncidentEvent.objects.filter(incident__in=cases).delete()
    ReporterPhoneAccess.objects.filter(incident__in=cases).delete()
    cases.filter(duplicate_of__isnull=False).update(duplicate_of=None, status=S.REJECTED)
    cases.delete()
    IncidentSequence.objects.filter(town__in=towns).delete()


def cases_seed(
    *,
    geography: DemoGeography,
    departments: list[Department],
    cases_per_grid: int,
    seed: int,
    progress: Callable,
    now: datetime.datetime | None = None,
) -> DemoCases:
    now = now or timezone.now()
    rng = random.Random(f"{seed}/cases")  # noqa: S311 - demo data
    _clear(geography.towns)
    categories = list(Category.objects.filter(is_active=True).select_related("group"))
    cast = _cast(geography, departments)
    rules = dispatch_rules_seed(towns=geography.towns, departments=departments)
    limits = _limits(now)
    swept = swept_until(limits, now)
    grids = geography.grids
    total = cases_per_grid * len(grids)
    sequence: dict[tuple[int, int], int] = {}
    overdue_soon = 0
    bar = progress(total=total, desc="cases", unit="case")
    for start in range(0, total, BATCH):
        cases = [
            _case(rng, grids[index % len(grids)], categories, limits, now, swept)
            for index in range(start, min(start + BATCH, total))
        ]
        # Numbers follow the order of reporting, per town and year, as the real ones do.
        cases.sort(key=lambda pair: pair[0].created_at)
        for case, _steps in cases:
            year = timezone.localtime(case.created_at).year
            key = (case.town_id, year)
            sequence[key] = sequence.get(key, 0) + 1
            case.code = f"{case.grid.village.parent.code}-{year}-{sequence[key]:05d}"
            if (
                case.is_open
                and case.deadline
                and case.deadline < now + datetime.timedelta(hours=2)
            ):
                overdue_soon += 1
        _insert(cases, rng, cast, rules)
        bar.update(len(cases))
    bar.close()
    _merge_some(geography.towns)
    _call_back_some(geography.towns, rng, now)
    _notify_some(geography.towns, cast, now)
    IncidentSequence.objects.bulk_create(
        IncidentSequence(town_id=town_id, year=year, last=last)
        for (town_id, year), last in sequence.items()
    )
    return DemoCases(created=total, overdue_soon=overdue_soon)


def _limits(now: datetime.datetime) -> Limits:
    return Limits(
        stages={
            (category, urgency, stage): (amount, unit, percent)
            for category, urgency, stage, amount, unit, percent in TimeLimit.objects.values_list(
                "category_id", "urgency", "stage", "amount", "unit", "warning_percent"
            )
        },
        rungs=escalation_limits(),
        calendar=WorkingCalendar.spanning(now - datetime.timedelta(days=HISTORY_DAYS + 60), now),
    )


def _grid_member_users(grids: list[Grid]) -> dict[int, list[int]]:
    users: dict[int, list[int]] = {}
    for grid_id, user_id in GridAssignment.objects.filter(
        grid__in=grids, ends_on__isnull=True
    ).values_list("grid_id", "member__user_id"):
        users.setdefault(grid_id, []).append(user_id)
    return users


def _case(rng, grid: Grid, categories, limits: Limits, now, swept) -> tuple[Incident, list[Step]]:
    """A case and the steps of its history up to now (demo.case_history)."""
    category = rng.choice(categories)
    urgency = rng.choices(Urgency.values, weights=[1, 3, 8])[0]
    history = history_simulate(
        rng, category_id=category.pk, urgency=urgency, limits=limits, now=now, swept=swept
    )
    status, level = history.status, history.level
    town = grid.village.parent
    region = {
        Level.TOWN: town,
        Level.COUNTY: town.parent,
        Level.PREFECTURE: town.parent.parent,
    }.get(level, grid.village)
    title, description = rng.choice(TITLES.get(category.code, [(category.name, category.name)]))
    case = Incident(
        title=title,
        description=f"{grid.village.name}：{description}",
        category=category,
        urgency=urgency,
        location=grid.boundary.point_on_surface,
        address=f"{grid.village.name}{rng.randint(1, 200)}号附近",
        town_id=grid.village.parent_id,
        grid=grid,
        source=rng.choice(Incident.Source.values),
        level=level,
        handling_region=region,
        status=status,
        is_supervised=status in Incident.OPEN_STATUSES and rng.random() < 0.05,
        escalation_count=Level.GRID - level,
        is_stalled_at_top=history.is_stalled,
        satisfaction=rng.choices(Incident.Satisfaction.values, weights=[7, 2, 1])[0]
        if status == S.EVALUATED
        else "",
        suspended_from=S.ACCEPTED if status == S.SUSPENDED else "",
        review_on=timezone.localdate(now) + datetime.timedelta(days=rng.randint(1, 30))
        if status == S.SUSPENDED
        else None,
        created_at=history.created_at,
        closed_at=history.closed_at,
        **history.clock,
    )
    return case, history.steps


@dataclass
class _Cast:
    """Who acts in the demo's histories: the grid's members, the town's official, and
    a handler of each department (user ids)."""

    members_of: dict[int, list[int]]
    departments_of: dict[tuple[int, str], Department]
    officials: dict[int, int]
    handlers: dict[int, int]
    villages: dict[int, int]  # grid id → village id
    parents: dict[int, int | None]  # region id → parent id
    names: dict[int, str]  # region id → name


def _cast(geography: DemoGeography, departments: list[Department]) -> _Cast:
    groups = {d.handlers_id: d.pk for d in departments}
    handlers: dict[int, int] = {}
    for group_id, user_id in User.groups.through.objects.filter(group_id__in=groups).values_list(
        "group_id", "user_id"
    ):
        handlers.setdefault(groups[group_id], user_id)
    return _Cast(
        members_of=_grid_member_users(geography.grids),
        departments_of={(d.region_id, d.code): d for d in departments},
        officials=dict(
            User.objects.filter(
                groups__name=Role.TOWN_OFFICIAL, jurisdiction__in=geography.towns
            ).values_list("jurisdiction_id", "pk")
        ),
        handlers=handlers,
        villages={grid.pk: grid.village_id for grid in geography.grids},
        parents=dict(Region.objects.values_list("pk", "parent_id")),
        names=dict(Region.objects.values_list("pk", "name")),
    )


def _assign(case: Incident, rng, cast: _Cast) -> None:
    """The reporter of a patrol's case, and whom a dispatched case went to."""
    members = cast.members_of.get(case.grid_id, [])
    if case.source == Incident.Source.PATROL and members:
        case.reporter_id = rng.choice(members)
    elif case.source in (Incident.Source.HOTLINE, Incident.Source.DEPARTMENT):
        case.reporter_id = cast.officials.get(case.town_id)  # the town entered it
    if case.status in PAST_DISPATCH:
        code = case.category.default_department_code
        department = cast.departments_of.get((case.town_id, code))
        if department is not None and (rng.random() < 0.6 or not members):
            case.assignee_department = department
        elif members:
            case.assignee_user_id = rng.choice(members)


def _actor(step: Step, case: Incident, rng, cast: _Cast) -> int | None:
    """Who took a step: the town dispatches, the assignee handles, the grid checks; the
    sweep's steps have no actor."""
    handler = (
        cast.handlers.get(case.assignee_department.pk)
        if case.assignee_department is not None
        else case.assignee_user_id
    )
    members = cast.members_of.get(case.grid_id) or [None]
    return {
        A.REPORT: case.reporter_id,
        A.EVALUATE: None,  # rated by the reporter's phone or the tracking link
        A.START: handler,
        A.HANDLE: handler,
        A.EXTEND_REQUEST: handler,
        A.RETURN: handler,
        A.ESCALATE: members[0],
        A.REWORK: members[0],
        A.VERIFY: members[0],
        A.AUTO_ESCALATE: None,
        A.STALL: None,
    }.get(step.action, cast.officials.get(case.town_id))


def _insert(cases: list[tuple[Incident, list[Step]]], rng, cast: _Cast, rules: dict) -> None:
    rows = [case for case, _steps in cases]
    for case, steps in cases:
        _assign(case, rng, cast)
        _dispatch_by_rule(case, steps, rules, rng)
    Incident.objects.bulk_create(rows, batch_size=1000)
    # Rejections and suspensions carry one of the town's reason codes, as on the case page.
    reasons: dict[str, list] = {}
    for reason in ReasonCode.objects.filter(is_active=True).order_by("order", "pk"):
        reasons.setdefault(reason.kind, []).append(reason)
    reason_kind = {
        A.REJECT: ReasonCode.Kind.REJECT,
        A.SUSPEND: ReasonCode.Kind.SUSPENSION,
        A.EXTEND_REQUEST: ReasonCode.Kind.EXTENSION,
    }
    events, extensions = [], []
    for case, steps in cases:
        previous, request = "", None
        for step in steps:
            kind = reason_kind.get(step.action)
            reason = rng.choice(reasons[kind]) if reasons.get(kind) else None
            if step.action == A.EXTEND_REQUEST:
                request = _extension(case, step, reason, rng, cast)
                extensions.append(request)
            elif step.action == A.EXTEND_APPROVE and request is not None:
                reason = request.reason
                _approve(request, step, cast.officials.get(case.town_id))
            events.append(
                IncidentEvent(
                    incident=case,
                    actor_id=_actor(step, case, rng, cast),
                    action=step.action,
                    from_status=previous,
                    to_status=step.status,
                    from_level=step.from_level,
                    to_level=step.to_level,
                    note=step.note,
                    department=case.assignee_department if step.names_department else None,
                    reason=reason,
                    dispatch_rule_id=step.dispatch_rule_id,
                    breached_deadline=step.breached,
                    deadline_after=step.deadline_after,
                    created_at=step.at,
                )
            )
            previous = step.status
    with _given_times(IncidentEvent, DeadlineExtension):
        IncidentEvent.objects.bulk_create(events, batch_size=2000)
        DeadlineExtension.objects.bulk_create(
            [row for row in extensions if row.requested_by_id], batch_size=2000
        )
    handle = Permission.objects.get(
        content_type__app_label="incidents", codename="handle_incident"
    )
    IncidentGroupObjectPermission.objects.bulk_create(
        [
            IncidentGroupObjectPermission(
                group_id=case.assignee_department.handlers_id,
                permission=handle,
                content_object=case,
            )
            for case in rows
            if case.assignee_department is not None
        ],
        batch_size=2000,
    )


def _extension(case: Incident, step: Step, reason, rng, cast: _Cast) -> DeadlineExtension:
    """The request of an extension, as incident_extension_request writes it (pending until
    its approval step, if the history reached it)."""
    return DeadlineExtension(
        incident=case,
        requested_by_id=_actor(step, case, rng, cast),
        reason=reason,
        note=step.note.split("\n", 1)[-1],
        previous_deadline=step.extended_from,
        requested_deadline=step.extended_to,
        created_at=step.at,
    )


def _approve(extension: DeadlineExtension, step: Step, official: int | None) -> None:
    extension.status = DeadlineExtension.Status.APPROVED
    extension.decided_by_id, extension.decided_at = official, step.at
    extension.decision_note = step.note


@contextmanager
def _given_times(*models):
    """Keep the times the demo gives: ``auto_now_add`` would stamp every row of a bulk insert
    with the moment of the seed (one command, one thread: no other save runs meanwhile)."""
    fields = [model._meta.get_field("created_at") for model in models]
    for field in fields:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field in fields:
            field.auto_now_add = True


def _call_back_some(towns: list[Region], rng, now: datetime.datetime) -> None:
    """Dissatisfied ratings opened call-backs when they were given; the town has recorded
    most of those that fell due."""
    callers = dict(
        User.objects.filter(groups__name=Role.TOWN_OFFICIAL, jurisdiction__in=towns).values_list(
            "jurisdiction_id", "pk"
        )
    )
    rated = dict(
        IncidentEvent.objects.filter(
            incident__town__in=towns,
            incident__satisfaction=Incident.Satisfaction.DISSATISFIED,
            action=A.EVALUATE,
        ).values_list("incident_id", "created_at")
    )
    rows = []
    for case in Incident.objects.filter(pk__in=rated).only("pk", "town_id"):
        opened = rated[case.pk]
        due = opened + datetime.timedelta(days=2)
        called = opened + datetime.timedelta(hours=rng.randint(2, 60))
        caller = callers.get(case.town_id)
        # Old call-backs were all made, some late; a few of the last days' wait.
        done = caller is not None and called < now and (rng.random() < 0.8 or due < now - DAY)
        rows.append(
            CallBack(
                incident=case,
                town_id=case.town_id,
                created_at=opened,
                due_at=due,
                closed_at=called if done else None,
                closed_by_id=caller if done else None,
                outcome="已电话回访，反映人表示理解，约定复查" if done else "",
            )
        )
    with _given_times(CallBack):
        CallBack.objects.bulk_create(rows, batch_size=1000)


# The inboxes hold the notices of the last weeks; those older than two days were read.
NOTICES_FOR = datetime.timedelta(days=30)
UNREAD_FOR = datetime.timedelta(days=2)
STAFF_ROLES = (Role.VILLAGE_STAFF, Role.TOWN_OFFICIAL, Role.COUNTY_OFFICIAL, Role.CITY_OFFICIAL)


def _notify_some(towns: list[Region], cast: _Cast, now: datetime.datetime) -> None:
    """The notices the cases' last weeks sent, so that every inbox has its work: the
    assignees' dispatches, the rungs' escalations, the town's open call-backs. The last
    days' are unread. Rows only: nothing is sent again."""
    staff: dict[int, list[int]] = {}
    for region_id, user_id in (
        User.objects.filter(groups__name__in=STAFF_ROLES, jurisdiction__isnull=False)
        .values_list("jurisdiction_id", "pk")
        .distinct()
    ):
        staff.setdefault(region_id, []).append(user_id)
    events = (
        IncidentEvent.objects.filter(
            incident__town__in=towns,
            action__in=(A.DISPATCH, A.AUTO_ESCALATE, A.ESCALATE),
            created_at__gte=now - NOTICES_FOR,
        )
        .select_related("incident")
        .order_by("created_at", "pk")
    )
    with translation.override(settings.LANGUAGE_CODE):
        rows = [
            _notice(user_id, event, cast, now)
            for event in events
            for user_id in _recipients(event, cast, staff)
        ]
        for callback in CallBack.objects.filter(
            town__in=towns, closed_at__isnull=True
        ).select_related("incident"):
            case = callback.incident
            rows += [
                _row(
                    user_id,
                    "callback",
                    _("Call back the reporter of case %(code)s: rated dissatisfied")
                    % {"code": case.code},
                    case,
                    callback.created_at,
                    now,
                )
                for user_id in staff.get(case.town_id, [])
            ]
    # A second run replaces the notices of the same recipients.
    Notification.objects.filter(recipient_id__in={row.recipient_id for row in rows}).delete()
    with _given_times(Notification):
        Notification.objects.bulk_create(rows, batch_size=2000)


def _recipients(event: IncidentEvent, cast: _Cast, staff: dict[int, list[int]]) -> list[int]:
    case = event.incident
    if event.action == A.DISPATCH:
        if case.assignee_department_id is not None:
            handler = cast.handlers.get(case.assignee_department_id)
            return [handler] if handler else []
        return [case.assignee_user_id] if case.assignee_user_id else []
    region = _rung_region(event, cast)
    return staff.get(region, []) if region else []


def _rung_region(event: IncidentEvent, cast: _Cast) -> int | None:
    """The region of the rung an escalation reached: the village, or one above it."""
    region: int | None = cast.villages[event.incident.grid_id]
    for _rung in range(Level.VILLAGE - event.to_level):
        region = cast.parents.get(region) if region else None
    return region


def _notice(user_id: int, event: IncidentEvent, cast: _Cast, now) -> Notification:
    case = event.incident
    if event.action == A.DISPATCH:
        title = _("Case %(code)s was dispatched to you") % {"code": case.code}
        return _row(user_id, "incident", title, case, event.created_at, now)
    if event.action == A.ESCALATE:
        title = _("Case %(code)s was escalated to you") % {"code": case.code}
        return _row(user_id, "incident", title, case, event.created_at, now)
    title = _("%(count)d overdue cases escalated to %(region)s") % {
        "count": 1,
        "region": cast.names.get(_rung_region(event, cast) or 0, ""),
    }
    return _row(user_id, "escalation_digest", title, case, event.created_at, now, body=case.code)


def _row(user_id, kind, title, case, when, now, body: str = "") -> Notification:
    return Notification(
        recipient_id=user_id,
        kind=kind,
        title=title,
        body=body or case.title,
        url="" if body else incident_url(case.pk),
        created_at=when,
        read_at=None if when > now - UNREAD_FOR else when + datetime.timedelta(hours=1),
    )


def _merge_some(towns: list[Region]) -> None:
    """Turn some rejected cases into duplicates merged into an open case of their grid."""
    candidates = Incident.objects.filter(town__in=towns, status=S.REJECTED).order_by("pk")
    for duplicate in candidates[::4][:200]:
        survivor = (
            Incident.objects.filter(grid_id=duplicate.grid_id, status__in=Incident.OPEN_STATUSES)
            .exclude(pk=duplicate.pk)
            .order_by("pk")
            .first()
        )
        if survivor is not None:
            Incident.objects.filter(pk=duplicate.pk).update(status=S.MERGED, duplicate_of=survivor)
            IncidentEvent.objects.filter(incident=duplicate, action="reject").update(
                action="merge", to_status=S.MERGED, note=survivor.code
            )
