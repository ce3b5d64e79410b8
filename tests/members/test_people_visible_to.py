import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from members.models import PatrolLog
from members.permissions import (
    grid_members_visible_to,
    households_visible_to,
    patrol_logs_visible_to,
    residents_visible_to,
)
from members.services import resident_save
from tests.conftest import make_user
from tests.factories import HouseholdFactory

RESIDENTS_SEEN = {
    "anonymous": set(),
    "resident": {"王小明"},
    "member": {"王小明", "李四"},
    "other_member": {"张三"},
    "leader": {"王小明", "李四"},
    "village_staff": {"王小明", "李四", "张三"},
    "town_official": {"王小明", "李四", "张三", "赵六"},
    "other_official": {"陈七"},
    "county_official": {"王小明", "李四", "张三", "赵六", "陈七"},
    "admin": {"王小明", "李四", "张三", "赵六", "陈七"},
}


@pytest.fixture
def register(cast, ladder):
    """Besides the cast's own resident (王小明, grid A1): one resident in every grid."""
    for grid, name in [
        (ladder.a1, "李四"),
        (ladder.a2, "张三"),
        (ladder.a3, "赵六"),
        (ladder.b1, "陈七"),
    ]:
        resident_save(household=HouseholdFactory(grid=grid), name=name, gender="male")
    return cast


def user_of(cast, name):
    return getattr(cast, name) or AnonymousUser()


@pytest.mark.parametrize(("name", "expected"), RESIDENTS_SEEN.items())
def test_each_user_sees_the_residents_of_their_scope(register, name, expected):
    user = user_of(register, name)

    assert set(residents_visible_to(user).values_list("name", flat=True)) == expected


@pytest.mark.parametrize(("name", "expected"), RESIDENTS_SEEN.items())
def test_each_user_sees_the_households_of_the_residents_they_see(register, name, expected):
    user = user_of(register, name)

    seen = set(households_visible_to(user).values_list("residents__name", flat=True).distinct())
    assert seen == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("anonymous", set()),
        ("resident", set()),
        ("member", {"member_a1"}),
        ("town_official", set()),  # members' accounts carry no jurisdiction yet
        ("admin", {"member_a1", "member_a2", "leader_a1"}),
    ],
)
def test_each_user_sees_the_grid_members_of_their_scope(cast, name, expected):
    user = user_of(cast, name)

    seen = set(grid_members_visible_to(user).values_list("user__username", flat=True))
    assert seen == expected


def test_officials_see_the_members_whose_accounts_sit_in_their_jurisdiction(cast, ladder):
    cast.member.jurisdiction = ladder.v1
    cast.member.save(update_fields=["jurisdiction"])

    assert list(
        grid_members_visible_to(cast.town_official).values_list("user__username", flat=True)
    ) == ["member_a1"]
    assert not grid_members_visible_to(cast.other_official).exists()


def test_patrol_logs_follow_the_member_and_the_jurisdiction(cast, ladder):
    member = cast.member.grid_member
    PatrolLog.objects.create(
        member=member, grid=ladder.a1, started_at=timezone.now() - datetime.timedelta(days=3)
    )

    assert patrol_logs_visible_to(cast.member).count() == 1
    assert patrol_logs_visible_to(cast.other_member).count() == 0
    assert patrol_logs_visible_to(cast.town_official).count() == 1
    assert patrol_logs_visible_to(cast.other_official).count() == 0
    assert patrol_logs_visible_to(cast.resident).count() == 0


def test_a_department_handler_does_not_see_the_register(register, ladder):
    handler = make_user("handler", "department_handler", ladder.town)

    assert not residents_visible_to(handler).exists()
    assert not households_visible_to(handler).exists()
