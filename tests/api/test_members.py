"""/api/members/, /api/assignments/ and /api/patrols/ through members.permissions."""

import datetime

import pytest
from django.utils import timezone

from members.models import GridMember, PatrolLog

pytestmark = pytest.mark.django_db


def _usernames(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["username"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("member", {"member_a1"}),
        ("admin", {"member_a1", "member_a2", "leader_a1"}),
    ],
)
def test_lists_members_and_assignments_by_scope(api, cast, who, visible):
    members = api(getattr(cast, who)).get("/api/members/")
    assignments = api(getattr(cast, who)).get("/api/assignments/")

    assert _usernames(members) == visible
    assert _usernames(assignments) == visible


@pytest.mark.parametrize("who", ["resident", "anonymous"])
def test_refuses_members_to_callers_without_the_permission(api, cast, who):
    assert api(getattr(cast, who)).get("/api/members/").status_code in (401, 403)


def _patrol(user, grid):
    start = timezone.now() - datetime.timedelta(hours=1)
    return PatrolLog.objects.create(
        member=GridMember.objects.get(user=user),
        grid=grid,
        started_at=start,
        ended_at=start + datetime.timedelta(minutes=40),
        notes="巡查",
    )


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("member", {"member_a1"}),
        ("other_member", {"member_a2"}),
        ("town_official", {"member_a1", "member_a2"}),
        ("other_official", set()),
    ],
)
def test_lists_patrols_by_scope(api, cast, ladder, who, visible):
    _patrol(cast.member, ladder.a1)
    _patrol(cast.other_member, ladder.a2)

    response = api(getattr(cast, who)).get("/api/patrols/")

    assert _usernames(response) == visible


def test_a_patrol_of_another_member_answers_404(api, cast, ladder):
    patrol = _patrol(cast.other_member, ladder.a2)

    assert api(cast.member).get(f"/api/patrols/{patrol.pk}/").status_code == 404
