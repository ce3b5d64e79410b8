import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from grids.permissions import grids_visible_to
from members.models import GridAssignment, GridMember, User
from members.services import grid_assign_member, grid_permissions_sync, grid_unassign_member
from members.tasks import grid_assignments_expire_task
from tests.conftest import NOW, TODAY, make_user

pytestmark = pytest.mark.time_machine(NOW, tick=False)
NEXT_WEEK = TODAY + datetime.timedelta(days=7)


def fresh(user) -> User:
    """A new instance, so that guardian's and our per-object caches start empty."""
    return User.objects.get(pk=user.pk)


@pytest.fixture
def member(ladder):
    user = make_user("newcomer", "grid_member")
    return GridMember.objects.create(user=user, employment=GridMember.Employment.PART_TIME)


def test_assigning_grants_the_grid_and_only_that_grid(ladder, member):
    grid_assign_member(member=member, grid=ladder.a1)

    user = fresh(member.user)
    assert user.has_perm("grids.patrol_grid", ladder.a1)
    assert not user.has_perm("grids.patrol_grid", ladder.a2)
    assert not user.has_perm("grids.lead_grid", ladder.a1)
    assert list(grids_visible_to(user)) == [ladder.a1]


def test_a_leader_also_gets_the_lead_permission(ladder, member):
    grid_assign_member(member=member, grid=ladder.a2, is_leader=True)

    user = fresh(member.user)
    assert user.has_perm("grids.patrol_grid", ladder.a2)
    assert user.has_perm("grids.lead_grid", ladder.a2)


def test_ending_an_assignment_revokes_the_grid(ladder, member):
    assignment = grid_assign_member(member=member, grid=ladder.a1, is_leader=True)

    grid_unassign_member(assignment=assignment)

    user = fresh(member.user)
    assert not user.has_perm("grids.patrol_grid", ladder.a1)
    assert not user.has_perm("grids.lead_grid", ladder.a1)
    assert not grids_visible_to(user).exists()
    assert GridAssignment.objects.get().ends_on == TODAY


def test_ending_one_of_two_grids_keeps_the_other(ladder, member):
    first = grid_assign_member(member=member, grid=ladder.a1)
    grid_assign_member(member=member, grid=ladder.a2)

    grid_unassign_member(assignment=first)

    assert list(grids_visible_to(fresh(member.user))) == [ladder.a2]


def test_an_assignment_ending_later_keeps_its_grant_until_that_day(ladder, member):
    assignment = grid_assign_member(member=member, grid=ladder.a1)
    grid_unassign_member(assignment=assignment, ends_on=NEXT_WEEK)
    assert fresh(member.user).has_perm("grids.patrol_grid", ladder.a1)

    with time_machine.travel(NOW + datetime.timedelta(days=7)):
        assert grid_assignments_expire_task() == 1

    assert not fresh(member.user).has_perm("grids.patrol_grid", ladder.a1)


def test_an_assignment_starting_later_is_granted_on_its_first_day(ladder, member):
    grid_assign_member(member=member, grid=ladder.a3, starts_on=NEXT_WEEK)
    assert not fresh(member.user).has_perm("grids.patrol_grid", ladder.a3)

    grid_permissions_sync(today=NEXT_WEEK)

    assert fresh(member.user).has_perm("grids.patrol_grid", ladder.a3)


def test_the_sync_is_safe_to_run_twice(cast):
    first = grid_permissions_sync(today=TODAY)
    second = grid_permissions_sync(today=TODAY)

    assert (first, second) == (0, 0)


def test_refuses_a_second_open_assignment_to_the_same_grid(ladder, member):
    grid_assign_member(member=member, grid=ladder.a1)

    with pytest.raises(ValidationError) as error:
        grid_assign_member(member=member, grid=ladder.a1)

    assert error.value.messages == ["This member is already assigned to this grid."]
    assert GridAssignment.objects.count() == 1


def test_refuses_to_assign_to_an_inactive_grid(ladder, member):
    ladder.a1.is_active = False
    ladder.a1.save(update_fields=["is_active"])

    with pytest.raises(ValidationError) as error:
        grid_assign_member(member=member, grid=ladder.a1)

    assert error.value.messages == ["A member cannot be assigned to an inactive grid."]
    assert not GridAssignment.objects.exists()
    assert not fresh(member.user).has_perm("grids.patrol_grid", ladder.a1)


def test_refuses_to_end_an_assignment_twice(ladder, member):
    assignment = grid_assign_member(member=member, grid=ladder.a1)
    grid_unassign_member(assignment=assignment)

    with pytest.raises(ValidationError):
        grid_unassign_member(assignment=assignment)


def test_an_inactive_member_loses_the_grant_at_the_next_sync(ladder, member):
    grid_assign_member(member=member, grid=ladder.a1)
    GridMember.objects.filter(pk=member.pk).update(is_active=False)

    grid_permissions_sync(today=TODAY)

    assert not fresh(member.user).has_perm("grids.patrol_grid", ladder.a1)
