"""Starter catalogue, escalation limits and the official calendar 2004–2026.

All of it is data that a town edits in the admin afterwards. The calendar comes from the
chinese-calendar package for the years it knows; later years are entered by hand when the
State Council publishes them (until then deadlines count Monday to Friday and pages warn).
"""

import chinese_calendar
from chinese_calendar import constants as calendar_data
from django.db import migrations

U, I, O = "urgent", "important", "ordinary"
CLOCK, WH, WD = "clock_hours", "working_hours", "working_days"

# Stage limits per urgency: (acceptance, handling, verification) as (amount, unit).
DEFAULT_LIMITS = {
    U: ((1, CLOCK), (8, CLOCK), (4, CLOCK)),
    I: ((4, WH), (3, WD), (1, WD)),
    O: ((1, WD), (5, WD), (2, WD)),
}
SLOW = {  # matters that take longer by nature (mediation, demolition)
    U: ((2, CLOCK), (24, CLOCK), (8, CLOCK)),
    I: ((1, WD), (5, WD), (2, WD)),
    O: ((1, WD), (10, WD), (3, WD)),
}
FAST = {  # fire and gas: even ordinary cases move within a day or two
    U: ((1, CLOCK), (4, CLOCK), (2, CLOCK)),
    I: ((2, WH), (1, WD), (4, WH)),
    O: ((4, WH), (2, WD), (1, WD)),
}

GROUPS = [
    ("safety", "安全隐患", [
        ("gas-hazard", "燃气安全隐患", "emergency-management", FAST),
        ("building-hazard", "房屋安全隐患", "housing-construction", DEFAULT_LIMITS),
        ("road-facility-hazard", "道路设施隐患", "transport", DEFAULT_LIMITS),
        ("flood-typhoon-hazard", "防汛防台隐患", "emergency-management", FAST),
    ]),
    ("disputes", "矛盾纠纷", [
        ("neighbour-dispute", "邻里纠纷", "judicial-office", SLOW),
        ("family-dispute", "婚姻家庭纠纷", "judicial-office", SLOW),
        ("land-dispute", "土地山林纠纷", "natural-resources", SLOW),
        ("wage-arrears", "劳资纠纷（欠薪）", "human-resources", DEFAULT_LIMITS),
    ]),
    ("environment", "市容环境", [
        ("garbage", "垃圾乱堆乱放", "urban-management", DEFAULT_LIMITS),
        ("illegal-construction", "违章搭建", "urban-management", SLOW),
        ("street-occupation", "占道经营", "urban-management", DEFAULT_LIMITS),
        ("sewage", "污水乱排", "ecology-environment", DEFAULT_LIMITS),
    ]),
    ("public-order", "社会治安", [
        ("order-hazard", "治安隐患", "police-station", DEFAULT_LIMITS),
        ("fraud-lead", "电信诈骗线索", "police-station", FAST),
        ("group-incident-sign", "群体性事件苗头", "police-station", FAST),
    ]),
    ("livelihood", "民生服务", [
        ("hardship-assistance", "困难群众帮扶", "civil-affairs", DEFAULT_LIMITS),
        ("utility-outage", "水电气故障", "utilities", DEFAULT_LIMITS),
        ("street-light", "路灯损坏", "urban-management", DEFAULT_LIMITS),
        ("market-supervision", "食品药品与市场监管", "market-supervision", DEFAULT_LIMITS),
    ]),
    ("fire", "消防安全", [
        ("blocked-fire-passage", "消防通道堵塞", "fire-rescue", FAST),
        ("e-bike-charging", "电动车违规充电", "fire-rescue", FAST),
        ("fire-equipment", "消防设施损坏", "fire-rescue", FAST),
    ]),
]
STAGES = ("acceptance", "handling", "verification")

# How long each rung gets once a case has climbed to it.
ESCALATION_LIMITS = {
    5: {U: (4, CLOCK), I: (1, WD), O: (3, WD)},  # village / community
    4: {U: (8, CLOCK), I: (2, WD), O: (5, WD)},  # town
    3: {U: (24, CLOCK), I: (3, WD), O: (7, WD)},  # county-level city
    2: {U: (48, CLOCK), I: (5, WD), O: (10, WD)},  # prefecture city
}
SOURCE = f"chinese-calendar {chinese_calendar.__version__}"


def load(apps, schema_editor):
    CategoryGroup = apps.get_model("incidents", "CategoryGroup")
    Category = apps.get_model("incidents", "Category")
    TimeLimit = apps.get_model("incidents", "TimeLimit")
    EscalationLimit = apps.get_model("incidents", "EscalationLimit")
    CalendarDay = apps.get_model("incidents", "CalendarDay")
    CalendarYear = apps.get_model("incidents", "CalendarYear")

    limits = []
    for group_order, (group_code, group_name, categories) in enumerate(GROUPS):
        group = CategoryGroup.objects.create(code=group_code, name=group_name, order=group_order)
        for order, (code, name, department, table) in enumerate(categories):
            category = Category.objects.create(
                code=code, name=name, group=group, default_department_code=department, order=order
            )
            for urgency, stage_limits in table.items():
                for stage, (amount, unit) in zip(STAGES, stage_limits, strict=True):
                    limits.append(
                        TimeLimit(category=category, urgency=urgency, stage=stage,
                                  amount=amount, unit=unit)
                    )
    TimeLimit.objects.bulk_create(limits)
    EscalationLimit.objects.bulk_create(
        EscalationLimit(level=level, urgency=urgency, amount=amount, unit=unit)
        for level, per_urgency in ESCALATION_LIMITS.items()
        for urgency, (amount, unit) in per_urgency.items()
    )
    chinese = {holiday.value: holiday.chinese for holiday in calendar_data.Holiday}
    days = [
        CalendarDay(date=day, kind="holiday", name=chinese.get(str(name), str(name)))
        for day, name in calendar_data.holidays.items()
    ] + [
        CalendarDay(date=day, kind="workday", name=f"{chinese.get(str(name), str(name))}调休")
        for day, name in calendar_data.workdays.items()
    ]
    CalendarDay.objects.bulk_create(days)
    years = {day.year for day in calendar_data.holidays}
    CalendarYear.objects.bulk_create(CalendarYear(year=year, source=SOURCE) for year in years)


def unload(apps, schema_editor):
    for model in ("TimeLimit", "Category", "CategoryGroup", "EscalationLimit", "CalendarDay",
                  "CalendarYear"):
        apps.get_model("incidents", model).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
