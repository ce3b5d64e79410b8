"""Demo cases for ``seed_demo``: every status, every group of categories, every rung.

Cases are generated as data (bulk inserts with consistent events and handler grants), not
walked through the loop's services: a million of them must load in minutes. A second run
replaces the demo cases of the towns it seeds, so it leaves the same state. Some open
cases fall due within the first hours, so escalations happen while the demo runs.
"""

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.utils import timezone

from demo.geography import DemoGeography
from grids.models import Grid, Region
from incidents.models import (
    Category,
    Department,
    Incident,
    IncidentEvent,
    IncidentGroupObjectPermission,
    IncidentSequence,
    Level,
    ReasonCode,
    Urgency,
)
from incidents.services.catalogue import department_save
from members.models import GridAssignment, User

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
# Status and its share of the demo cases.
STATUS_MIX = [
    (S.REPORTED, 10),
    (S.ACCEPTED, 8),
    (S.DISPATCHED, 14),
    (S.IN_PROGRESS, 20),
    (S.HANDLED, 8),
    (S.CLOSED, 15),
    (S.EVALUATED, 18),
    (S.REJECTED, 7),
    (S.SUSPENDED, 2),
]
LAST_ACTION = {
    S.ACCEPTED: IncidentEvent.Action.ACCEPT,
    S.DISPATCHED: IncidentEvent.Action.DISPATCH,
    S.IN_PROGRESS: IncidentEvent.Action.START,
    S.HANDLED: IncidentEvent.Action.HANDLE,
    S.CLOSED: IncidentEvent.Action.VERIFY,
    S.EVALUATED: IncidentEvent.Action.EVALUATE,
    S.REJECTED: IncidentEvent.Action.REJECT,
    S.MERGED: IncidentEvent.Action.MERGE,
    S.SUSPENDED: IncidentEvent.Action.SUSPEND,
}
TITLES = {
    "safety": ["楼道燃气管老化", "危房墙体开裂", "路面塌陷", "河道堤坝渗水"],
    "disputes": ["邻里噪音纠纷", "宅基地边界争议", "工地拖欠工资", "家庭矛盾调解"],
    "environment": ["垃圾堆放未清理", "违章搭建彩钢棚", "占道摆摊", "污水直排河道"],
    "public-order": ["夜间聚集滋扰", "疑似电信诈骗", "出租房治安隐患"],
    "livelihood": ["独居老人需要帮扶", "停水未通知", "路灯不亮", "过期食品销售"],
    "fire": ["消防通道堵塞", "电动车楼道充电", "灭火器过期"],
}
BATCH = 5000


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


def _clear(towns: list[Region]) -> None:
    """Remove the demo cases of these towns (and what hangs on them) before a new run."""
    cases = Incident.objects.filter(town__in=towns)
    IncidentEvent.objects.filter(incident__in=cases).delete()
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
    members_of = _grid_member_users(geography.grids)
    departments_of = {(d.region_id, d.code): d for d in departments}
    statuses = [status for status, share in STATUS_MIX for _ in range(share)]
    grids = geography.grids
    total = cases_per_grid * len(grids)
    sequence: dict[int, int] = {}
    overdue_soon = 0
    bar = progress(total=total, desc="cases", unit="case")
    for start in range(0, total, BATCH):
        rows = []
        for index in range(start, min(start + BATCH, total)):
            grid = grids[index % len(grids)]
            town_id = grid.village.parent_id
            sequence[town_id] = sequence.get(town_id, 0) + 1
            case = _case(rng, grid, categories, statuses, sequence[town_id], now)
            if (
                case.is_open
                and case.deadline
                and case.deadline < now + datetime.timedelta(hours=2)
            ):
                overdue_soon += 1
            rows.append(case)
        _insert(rows, rng, members_of, departments_of, now)
        bar.update(len(rows))
    bar.close()
    _merge_some(geography.towns)
    year = timezone.localtime(now).year
    IncidentSequence.objects.bulk_create(
        IncidentSequence(town_id=town_id, year=year, last=last)
        for town_id, last in sequence.items()
    )
    return DemoCases(created=total, overdue_soon=overdue_soon)


def _grid_member_users(grids: list[Grid]) -> dict[int, list[int]]:
    users: dict[int, list[int]] = {}
    for grid_id, user_id in GridAssignment.objects.filter(
        grid__in=grids, ends_on__isnull=True
    ).values_list("grid_id", "member__user_id"):
        users.setdefault(grid_id, []).append(user_id)
    return users


def _case(rng, grid: Grid, categories, statuses, number: int, now) -> Incident:
    category = rng.choice(categories)
    status = rng.choice(statuses)
    urgency = rng.choices(Urgency.values, weights=[1, 3, 8])[0]
    created = now - datetime.timedelta(minutes=rng.randint(30, 60 * 24 * 90))
    level = Level.GRID
    region = grid.village
    if status in Incident.OPEN_STATUSES and rng.random() < 0.25:
        level = rng.choice([Level.VILLAGE, Level.TOWN, Level.COUNTY])
        region = {Level.VILLAGE: grid.village, Level.TOWN: grid.village.parent}.get(
            level, grid.village.parent.parent
        )
    deadline = None
    if status in Incident.OPEN_STATUSES:
        # A spread around now: some overdue at once, some while the demo runs.
        deadline = now + datetime.timedelta(minutes=rng.randint(-180, 60 * 24 * 5))
    title = rng.choice(TITLES.get(category.group.code, ["其他事项"]))
    closed = status in (S.CLOSED, S.EVALUATED, S.REJECTED)
    suspended = status == S.SUSPENDED  # on hold since acceptance, reviewed within a month
    return Incident(
        code=f"{grid.village.parent.code}-{timezone.localtime(now).year}-{number:05d}",
        title=title,
        description=f"{grid.name}：{title}，请尽快处理。",
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
        deadline=deadline,
        is_supervised=status in Incident.OPEN_STATUSES and rng.random() < 0.05,
        escalation_count=Level.GRID - level,
        satisfaction=rng.choices(Incident.Satisfaction.values, weights=[7, 2, 1])[0]
        if status == S.EVALUATED
        else "",
        created_at=created,
        closed_at=created + datetime.timedelta(days=rng.randint(1, 10)) if closed else None,
        suspended_from=S.ACCEPTED if suspended else "",
        review_on=timezone.localdate(now) + datetime.timedelta(days=rng.randint(1, 30))
        if suspended
        else None,
    )


def _insert(rows: list[Incident], rng, members_of, departments_of, now) -> None:
    dispatched = {S.DISPATCHED, S.IN_PROGRESS, S.HANDLED, S.CLOSED, S.EVALUATED}
    for case in rows:
        if case.status in dispatched:
            department = departments_of.get((case.town_id, case.category.default_department_code))
            members = members_of.get(case.grid_id, [])
            if department is not None and (rng.random() < 0.6 or not members):
                case.assignee_department = department
            elif members:
                case.assignee_user_id = rng.choice(members)
    Incident.objects.bulk_create(rows, batch_size=1000)
    # Rejections and suspensions carry one of the town's reason codes, as on the case page.
    reasons: dict[str, list] = {}
    for reason in ReasonCode.objects.filter(is_active=True).order_by("order", "pk"):
        reasons.setdefault(reason.kind, []).append(reason)
    reason_kind = {S.REJECTED: ReasonCode.Kind.REJECT, S.SUSPENDED: ReasonCode.Kind.SUSPENSION}
    events = []
    for case in rows:
        events.append(
            IncidentEvent(
                incident=case,
                action="report",
                to_status="reported",
                to_level=Level.GRID,
                created_at=case.created_at,
            )
        )
        if case.status in LAST_ACTION:
            events.append(
                IncidentEvent(
                    incident=case,
                    action=LAST_ACTION[case.status],
                    to_status=case.status,
                    from_level=case.level,
                    to_level=case.level,
                    created_at=case.created_at,
                    reason=rng.choice(reasons[reason_kind[case.status]])
                    if reasons.get(reason_kind.get(case.status))
                    else None,
                )
            )
    IncidentEvent.objects.bulk_create(events, batch_size=2000)
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
