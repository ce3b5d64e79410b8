import datetime
import uuid

import pytest
from django.contrib.gis.geos import LineString, Point
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.models import GridMember, PatrolFlag, PatrolLog, ResidentTag
from members.services import resident_save
from members.services.authenticity import patrols_assess
from members.services.patrols import _queue_assessment, patrol_start, patrol_stop
from members.tasks import patrols_assess_recent_task, patrols_assess_task
from tests.conftest import NOW
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.time_machine(NOW, tick=False)

YESTERDAY = NOW - datetime.timedelta(days=1)
# About 96 m between two points 0.001° of longitude apart at 28° N.
STEP = 0.001


def walk(x0=121.001, y0=28.002, steps=20, dx=STEP / 2, dy=0.0):
    """A walk east along a line: ``steps`` points ``dx`` degrees apart."""
    return [(x0 + i * dx, y0 + i * dy) for i in range(steps)]


def patrol(
    member_user,
    grid,
    *,
    started=YESTERDAY,
    minutes=60,
    coords=None,
    seconds=None,
    notes="",
) -> PatrolLog:
    coords = walk() if coords is None else coords
    return PatrolLog.objects.create(
        member=GridMember.objects.get(user=member_user),
        grid=grid,
        client_key=uuid.uuid4(),
        started_at=started,
        ended_at=started + datetime.timedelta(minutes=minutes),
        route=LineString(coords, srid=4326) if len(coords) >= 2 else None,
        route_seconds=seconds,
        notes=notes,
    )


def kinds(log: PatrolLog) -> set[str]:
    return set(PatrolFlag.objects.filter(patrol=log).values_list("kind", flat=True))


def test_an_honest_patrol_gets_no_flag_and_is_marked_assessed(cast, ladder):
    log = patrol(cast.member, ladder.a1)

    assert patrols_assess(ids=[log.pk]) == 1

    assert kinds(log) == set()
    assert PatrolLog.objects.get(pk=log.pk).assessed_at == NOW


def test_flags_a_patrol_without_a_route(cast, ladder):
    log = patrol(cast.member, ladder.a1, coords=[])

    patrols_assess(ids=[log.pk])

    flag = PatrolFlag.objects.get(patrol=log)
    assert (flag.kind, flag.figures) == ("no_route", {"metres": 0})
    assert flag.reason == "No route was recorded (0 m, at least 50 m expected)."


def test_flags_a_route_walked_outside_the_members_grids(cast, ladder):
    log = patrol(cast.member, ladder.a1, coords=walk(x0=121.025))  # in A3, another village

    patrols_assess(ids=[log.pk])

    flag = PatrolFlag.objects.get(patrol=log)
    assert (flag.kind, flag.figures["inside"]) == ("outside_grids", 0.0)
    assert "Only 0% of the" in flag.reason


def test_a_route_mostly_inside_is_not_flagged(cast, ladder):
    # 20 points from 121.0015 east: the last two of 19 steps cross into A2.
    log = patrol(cast.member, ladder.a1, coords=walk(x0=121.0015))

    patrols_assess(ids=[log.pk])

    assert "outside_grids" not in kinds(log)


def test_flags_little_movement_for_the_patrols_length(cast, ladder):
    # About 100 m in 60 minutes: a phone left lying.
    log = patrol(cast.member, ladder.a1, coords=walk(steps=3))

    patrols_assess(ids=[log.pk])

    flag = PatrolFlag.objects.get(patrol=log)
    assert (flag.kind, flag.figures["basis"], flag.figures["minutes"]) == (
        "little_movement",
        "distance",
        60,
    )


def test_flags_a_route_driven_in_minutes_when_the_phone_sent_times(cast, ladder):
    # 19 steps of ~48 m, 5 s apart (a car), then nothing for the rest of the hour.
    coords = walk()
    log = patrol(cast.member, ladder.a1, coords=coords, seconds=[i * 5 for i in range(20)])

    patrols_assess(ids=[log.pk])

    flag = PatrolFlag.objects.get(patrol=log)
    assert (flag.kind, flag.figures["basis"], flag.figures["moving"]) == (
        "little_movement",
        "moving",
        0,
    )


@pytest.fixture
def key_household(ladder):
    """A household of A1 with an elderly resident living alone, placed on the map."""
    household = HouseholdFactory(grid=ladder.a1, location=Point(121.004, 28.002, srid=4326))
    resident_save(
        household=household,
        name="王阿婆",
        gender="female",
        tags=[ResidentTag.objects.get(code="elderly-alone")],
    )
    return household


def test_a_stop_of_minutes_at_a_key_household_passes(cast, ladder, key_household):
    # Walks to the household (point 6), stays 5 minutes, walks on.
    coords = walk()[:7] + [(121.004, 28.002)] * 3 + walk()[7:]
    seconds = [i * 40 for i in range(7)] + [280, 430, 580] + [580 + i * 40 for i in range(1, 14)]
    log = patrol(cast.member, ladder.a1, coords=coords, seconds=seconds, minutes=20)

    patrols_assess(ids=[log.pk])

    assert "key_households_skipped" not in kinds(log)


def test_flags_a_walk_past_a_key_household_without_a_stop(cast, ladder, key_household):
    log = patrol(
        cast.member, ladder.a1, coords=walk(), seconds=[i * 40 for i in range(20)], minutes=40
    )

    patrols_assess(ids=[log.pk])

    flag = PatrolFlag.objects.get(patrol=log)
    assert (flag.kind, flag.figures) == (
        "key_households_skipped",
        {"households": 1, "timed": True},
    )


def test_without_point_times_coming_close_to_a_key_household_is_enough(
    cast, ladder, key_household
):
    near = patrol(cast.member, ladder.a1, coords=walk())
    away = patrol(
        cast.member,
        ladder.a1,
        coords=walk(y0=28.006),
        started=YESTERDAY + datetime.timedelta(hours=2),
    )

    patrols_assess(ids=[near.pk, away.pk])

    assert (kinds(near), kinds(away)) == (set(), {"key_households_skipped"})


def test_a_household_without_a_key_group_or_a_place_is_not_expected(cast, ladder):
    HouseholdFactory(grid=ladder.a1, location=Point(121.004, 28.006, srid=4326))
    tagged_unplaced = HouseholdFactory(grid=ladder.a1)
    resident_save(
        household=tagged_unplaced,
        name="李大爷",
        gender="male",
        tags=[ResidentTag.objects.get(code="elderly-alone")],
    )
    log = patrol(cast.member, ladder.a1, coords=walk(y0=28.009))

    patrols_assess(ids=[log.pk])

    assert kinds(log) == set()


NOTES = "村口垃圾桶满溢，已联系保洁清运；河埠头护栏松动一处，已拍照上报。"


def test_flags_notes_nearly_identical_to_an_earlier_patrol(cast, ladder):
    patrol(cast.member, ladder.a1, started=NOW - datetime.timedelta(days=9), notes=NOTES)
    copied = patrol(cast.member, ladder.a1, notes=NOTES.replace("一处", "两处"))

    patrols_assess(ids=[copied.pk])

    flag = PatrolFlag.objects.get(patrol=copied)
    assert flag.kind == "repeated_notes"
    assert flag.figures["similarity"] > 0.9
    assert flag.figures["earlier"] == (NOW - datetime.timedelta(days=9)).isoformat()


def test_notes_that_share_a_phrase_or_are_too_short_are_not_copies(cast, ladder):
    patrol(cast.member, ladder.a1, started=NOW - datetime.timedelta(days=9), notes=NOTES)
    patrol(
        cast.member, ladder.a1, started=NOW - datetime.timedelta(days=8), notes="例行巡查，无异常"
    )
    shared = patrol(
        cast.member,
        ladder.a1,
        notes="村口垃圾桶满溢，已联系保洁清运；走访独居老人王阿婆，身体尚好。",
    )
    short = patrol(
        cast.member,
        ladder.a1,
        notes="例行巡查，无异常",
        started=NOW - datetime.timedelta(hours=20),
    )

    patrols_assess(ids=[shared.pk, short.pk])

    assert (kinds(shared), kinds(short)) == (set(), set())


def test_another_members_notes_are_not_compared(cast, ladder):
    patrol(cast.other_member, ladder.a2, started=NOW - datetime.timedelta(days=9), notes=NOTES)
    log = patrol(cast.member, ladder.a1, notes=NOTES)

    patrols_assess(ids=[log.pk])

    assert kinds(log) == set()


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


def test_flags_patrols_crowded_into_the_months_last_days(cast, ladder):
    # One patrol a week from August, then five in the last five days of October.
    for week in range(10):
        patrol(
            cast.member,
            ladder.a1,
            started=at(datetime.date(2026, 8, 3) + datetime.timedelta(weeks=week)),
        )
    rushed = [
        patrol(cast.member, ladder.a1, started=at(datetime.date(2026, 10, day)))
        for day in range(27, 32)
    ]

    patrols_assess(ids=[rushed[-1].pk])

    flags = PatrolFlag.objects.filter(kind="month_end_rush")
    assert {flag.patrol_id for flag in flags} == {log.pk for log in rushed}
    figures = flags[0].figures
    assert (figures["patrols"], figures["month"], figures["rate"]) == (5, "2026-10", 1.0)
    assert 0 < figures["usual"] < 0.1  # 3 patrols in the 40 ordinary days before


def test_a_member_who_always_patrols_often_is_not_rushing(cast, ladder):
    for offset in range(0, 90, 2):
        patrol(
            cast.member,
            ladder.a1,
            started=at(datetime.date(2026, 8, 3) + datetime.timedelta(days=offset)),
        )
    last_days = [
        patrol(cast.member, ladder.a1, started=at(datetime.date(2026, 10, day), 14))
        for day in (28, 30)
    ]

    patrols_assess(since=at(datetime.date(2026, 8, 1)))

    assert not PatrolFlag.objects.filter(kind="month_end_rush").exists()
    assert all(kinds(log) == set() for log in last_days)


def test_flags_the_patrols_of_a_past_day_below_the_daily_norm(cast, ladder):
    first = patrol(cast.member, ladder.a1, minutes=12)
    second = patrol(
        cast.member, ladder.a1, minutes=10, started=YESTERDAY + datetime.timedelta(hours=3)
    )

    patrols_assess(ids=[first.pk])

    flags = PatrolFlag.objects.filter(kind="below_daily_norm")
    assert {flag.patrol_id for flag in flags} == {first.pk, second.pk}
    assert flags[0].figures == {"minutes": 22, "norm": 30, "day": "2026-11-22"}
    assert flags[0].reason == (
        "22 minutes of patrol that day in all, below the town's daily norm of 30 minutes."
    )


def test_today_is_not_judged_against_the_norm_before_it_ends(cast, ladder):
    log = patrol(cast.member, ladder.a1, minutes=12, started=NOW - datetime.timedelta(hours=1))

    patrols_assess(ids=[log.pk])

    assert "below_daily_norm" not in kinds(log)


def test_a_town_sets_its_own_daily_norm(cast, ladder):
    ladder.town.patrol_norm_minutes = 10
    ladder.town.save(update_fields=["patrol_norm_minutes"])
    log = patrol(cast.member, ladder.a1, minutes=12)

    patrols_assess(ids=[log.pk])

    assert kinds(log) == set()


def test_judging_twice_leaves_the_same_flags(cast, ladder):
    log = patrol(cast.member, ladder.a1, coords=[], minutes=5)
    patrols_assess(ids=[log.pk])
    first = list(PatrolFlag.objects.values_list("patrol_id", "kind", "figures"))

    patrols_assess(ids=[log.pk])

    assert list(PatrolFlag.objects.values_list("patrol_id", "kind", "figures")) == first
    assert {kind for _pk, kind, _figures in first} == {"no_route", "below_daily_norm"}


def test_a_running_patrol_is_not_judged(cast, ladder):
    log = patrol(cast.member, ladder.a1)
    PatrolLog.objects.filter(pk=log.pk).update(ended_at=None)

    assert patrols_assess(ids=[log.pk]) == 0
    assert PatrolLog.objects.get(pk=log.pk).assessed_at is None


def test_judges_a_batch_in_a_fixed_number_of_queries(cast, ladder, django_assert_num_queries):
    one = [
        patrol(cast.member, ladder.a1, started=YESTERDAY - datetime.timedelta(days=30), coords=[])
    ]
    many = [
        patrol(user, grid, started=YESTERDAY - datetime.timedelta(days=day), coords=[])
        for day in range(10)
        for user, grid in ((cast.member, ladder.a1), (cast.other_member, ladder.a2))
    ]
    with CaptureQueriesContext(connection) as one_run:
        patrols_assess(ids=[log.pk for log in one])

    with django_assert_num_queries(len(one_run.captured_queries)):
        patrols_assess(ids=[log.pk for log in many])


def test_stopping_a_patrol_queues_its_judgement_after_the_commit(
    cast, ladder, django_capture_on_commit_callbacks
):
    running = patrol_start(actor=cast.member, grid=ladder.a1)

    with django_capture_on_commit_callbacks() as callbacks:
        patrol_stop(actor=cast.member, patrol=running)

    queued = [c for c in callbacks if getattr(c, "func", None) is _queue_assessment]
    assert [c.args for c in queued] == [(running.pk,)]


def test_the_tasks_judge_a_patrol_and_the_recent_weeks(cast, ladder):
    recent = patrol(cast.member, ladder.a1, coords=[])
    old = patrol(cast.member, ladder.a1, coords=[], started=NOW - datetime.timedelta(days=60))

    assert patrols_assess_task([recent.pk]) == 1
    assert patrols_assess_recent_task() == 1

    assert kinds(recent) >= {"no_route"}
    assert kinds(old) == set()
