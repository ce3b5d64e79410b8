import datetime
import uuid

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from members.models import PatrolLog
from members.services.patrols import (
    MAX_POINTS_PER_BATCH,
    patrol_add_points,
    patrol_note,
    patrol_start,
    patrol_stop,
)
from tests.conftest import NOW

KEY = uuid.UUID("6f1c2a34-8b7d-4e5f-9a01-23456789abcd")


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def running(cast, ladder):
    return patrol_start(actor=cast.member, grid=ladder.a1, client_key=KEY, notes="早巡")


def test_starts_a_patrol_of_an_assigned_grid(cast, ladder):
    patrol = patrol_start(actor=cast.member, grid=ladder.a1, client_key=KEY, notes=" 早巡 ")

    stored = PatrolLog.objects.get()
    assert stored == patrol
    assert (stored.member.user, stored.grid, stored.client_key) == (cast.member, ladder.a1, KEY)
    assert (stored.started_at, stored.ended_at, stored.notes) == (NOW, None, "早巡")


def test_a_start_without_key_is_given_one(cast, ladder):
    patrol = patrol_start(actor=cast.member, grid=ladder.a1)

    assert isinstance(PatrolLog.objects.get(pk=patrol.pk).client_key, uuid.UUID)


def test_the_same_key_again_returns_the_same_patrol(cast, ladder, running):
    again = patrol_start(actor=cast.member, grid=ladder.a1, client_key=KEY, notes="重发")

    assert again.pk == running.pk
    assert PatrolLog.objects.get().notes == "早巡"


def test_refuses_another_members_key(cast, ladder, running):
    with pytest.raises(ValidationError) as error:
        patrol_start(actor=cast.other_member, grid=ladder.a2, client_key=KEY)

    assert "client_key" in error.value.message_dict
    assert PatrolLog.objects.count() == 1


def test_refuses_a_grid_the_member_is_not_assigned_to(cast, ladder):
    with pytest.raises(PermissionDenied):
        patrol_start(actor=cast.member, grid=ladder.a2)

    assert not PatrolLog.objects.exists()


@pytest.mark.parametrize("who", ["town_official", "resident", "admin"])
def test_refuses_users_who_are_not_grid_members(cast, ladder, who):
    with pytest.raises(PermissionDenied):
        patrol_start(actor=getattr(cast, who), grid=ladder.a1)

    assert not PatrolLog.objects.exists()


def test_refuses_a_second_running_patrol(cast, ladder, running):
    with pytest.raises(ValidationError):
        patrol_start(actor=cast.member, grid=ladder.a1, client_key=uuid.uuid4())

    assert PatrolLog.objects.count() == 1


def test_an_offline_start_keeps_the_devices_time(cast, ladder):
    earlier = NOW - datetime.timedelta(hours=2)

    patrol = patrol_start(actor=cast.member, grid=ladder.a1, started_at=earlier)

    assert PatrolLog.objects.get(pk=patrol.pk).started_at == earlier


@pytest.mark.parametrize(
    "started_at",
    [NOW + datetime.timedelta(hours=1), NOW - datetime.timedelta(days=8)],
    ids=["future", "too-old"],
)
def test_refuses_an_impossible_start_time(cast, ladder, started_at):
    with pytest.raises(ValidationError) as error:
        patrol_start(actor=cast.member, grid=ladder.a1, started_at=started_at)

    assert "started_at" in error.value.message_dict
    assert not PatrolLog.objects.exists()


def test_appends_points_to_the_route(cast, running):
    patrol_add_points(
        actor=cast.member,
        patrol=running,
        points=[[121.001, 28.001], [121.002, 28.002]],
        first_index=0,
    )
    patrol_add_points(actor=cast.member, patrol=running, points=[[121.003, 28.003]], first_index=2)

    route = PatrolLog.objects.get().route
    assert route.coords == ((121.001, 28.001), (121.002, 28.002), (121.003, 28.003))
    assert route.srid == 4326


def test_keeps_the_fixes_times_as_seconds_from_the_start(cast, running):
    start = NOW.timestamp()
    patrol_add_points(
        actor=cast.member,
        patrol=running,
        points=[[121.001, 28.001, start + 5], [121.002, 28.002, start + 20]],
        first_index=0,
    )
    # A fix stamped before the one before it (a clock's hiccup) keeps the order.
    patrol_add_points(
        actor=cast.member, patrol=running, points=[[121.003, 28.003, start + 15]], first_index=2
    )

    stored = PatrolLog.objects.get()
    assert stored.route_seconds == [5, 20, 20]
    assert stored.route.coords[2] == (121.003, 28.003)


def test_a_batch_without_times_leaves_the_route_without_times(cast, running):
    start = NOW.timestamp()
    patrol_add_points(
        actor=cast.member,
        patrol=running,
        points=[[121.001, 28.001, start + 5], [121.002, 28.002, start + 20]],
        first_index=0,
    )
    patrol_add_points(actor=cast.member, patrol=running, points=[[121.003, 28.003]], first_index=2)

    assert PatrolLog.objects.get().route_seconds is None


def test_a_resent_batch_is_not_appended_twice(cast, running):
    batch = [[121.001, 28.001], [121.002, 28.002]]
    patrol_add_points(actor=cast.member, patrol=running, points=batch, first_index=0)

    patrol_add_points(actor=cast.member, patrol=running, points=batch, first_index=0)
    patrol_add_points(
        actor=cast.member, patrol=running, points=[*batch[1:], [121.003, 28.003]], first_index=1
    )

    assert PatrolLog.objects.get().route.num_points == 3


def test_refuses_a_gap_in_the_route(cast, running):
    with pytest.raises(ValidationError) as error:
        patrol_add_points(
            actor=cast.member, patrol=running, points=[[121.0, 28.0], [121.1, 28.1]], first_index=5
        )

    assert "first_index" in error.value.message_dict
    assert PatrolLog.objects.get().route is None


@pytest.mark.parametrize(
    "points",
    [
        [[121.0, 28.0], [181.0, 28.0]],
        [[121.0, 28.0], [121.0, -91.0]],
        [[121.0, 28.0], ["east", 28.0]],
        [[121.0, 28.0], [121.0]],
        [[121.0, 28.0], [121.0, 28.0, 1.0, 2.0]],
        [[121.0, 28.0], [float("nan"), 28.0]],
        [[121.0, 28.0]],
        "121,28",
        [[121.0, 28.0]] * (MAX_POINTS_PER_BATCH + 1),
    ],
    ids=["lng", "lat", "text", "short", "four", "nan", "one-point", "not-a-list", "too-many"],
)
def test_refuses_bad_points_whole(cast, running, points):
    with pytest.raises(ValidationError) as error:
        patrol_add_points(actor=cast.member, patrol=running, points=points, first_index=0)

    assert "points" in error.value.message_dict
    assert PatrolLog.objects.get().route is None


def test_refuses_points_on_another_members_patrol(cast, ladder, running):
    with pytest.raises(PermissionDenied):
        patrol_add_points(
            actor=cast.leader, patrol=running, points=[[121.0, 28.0], [121.1, 28.1]], first_index=0
        )

    assert PatrolLog.objects.get().route is None


def test_stops_ones_own_patrol_with_notes_and_findings(cast, running):
    later = NOW + datetime.timedelta(minutes=40)
    with time_machine.travel(later, tick=False):
        patrol_stop(actor=cast.member, patrol=running, notes="正常", findings="路灯坏了")

    stored = PatrolLog.objects.get()
    assert (stored.ended_at, stored.notes, stored.findings) == (later, "正常", "路灯坏了")
    assert stored.duration == datetime.timedelta(minutes=40)


def test_a_second_stop_changes_nothing(cast, running):
    patrol_stop(actor=cast.member, patrol=running, findings="第一次")

    again = patrol_stop(actor=cast.member, patrol=running, findings="第二次")

    assert again.findings == "第一次"
    assert PatrolLog.objects.get().findings == "第一次"


def test_refuses_to_stop_another_members_patrol(cast, running):
    with pytest.raises(PermissionDenied):
        patrol_stop(actor=cast.leader, patrol=running)

    assert PatrolLog.objects.get().ended_at is None


def test_refuses_points_after_the_end(cast, running):
    patrol_stop(actor=cast.member, patrol=running)

    with pytest.raises(ValidationError):
        patrol_add_points(
            actor=cast.member, patrol=running, points=[[121.0, 28.0], [121.1, 28.1]], first_index=0
        )


def test_refuses_an_end_before_the_start(cast, running):
    with pytest.raises(ValidationError) as error:
        patrol_stop(
            actor=cast.member, patrol=running, ended_at=NOW - datetime.timedelta(minutes=1)
        )

    assert "ended_at" in error.value.message_dict
    assert PatrolLog.objects.get().ended_at is None


def test_notes_can_be_written_while_running(cast, running):
    patrol_note(actor=cast.member, patrol=running, findings="井盖缺失")

    stored = PatrolLog.objects.get()
    assert (stored.notes, stored.findings, stored.ended_at) == ("早巡", "井盖缺失", None)


def test_refuses_notes_on_another_members_patrol(cast, running):
    with pytest.raises(PermissionDenied):
        patrol_note(actor=cast.other_member, patrol=running, findings="不是我的")

    assert PatrolLog.objects.get().findings == ""
