"""Patrols through the API: a member starts, traces, notes and stops their own patrol;
each step is safe to resend and refused to anyone else."""

import uuid

import pytest

from members.models import PatrolLog

pytestmark = pytest.mark.django_db


def _start(client, grid, **extra):
    return client.post("/api/patrols/", {"grid": grid.pk, **extra}, format="json")


def test_a_member_walks_a_whole_patrol(api, cast, ladder):
    client = api(cast.member)

    started = _start(client, ladder.a1, notes="例行巡查")
    url = f"/api/patrols/{started.json()['id']}"
    traced = client.post(
        f"{url}/points/",
        {"points": [[121.001, 28.001], [121.002, 28.002]], "first_index": 0},
        format="json",
    )
    resent = client.post(
        f"{url}/points/",
        {"points": [[121.002, 28.002], [121.003, 28.003]], "first_index": 1},
        format="json",
    )
    stopped = client.post(f"{url}/stop/", {"findings": "井盖缺失"}, format="json")

    assert started.status_code == 201, started.content
    assert traced.status_code == resent.status_code == 200
    assert len(resent.json()["route"]["coordinates"]) == 3
    assert stopped.json()["ended_at"] is not None
    patrol = PatrolLog.objects.get()
    assert (patrol.notes, patrol.findings) == ("例行巡查", "井盖缺失")


def test_the_same_client_key_starts_one_patrol(api, cast, ladder):
    client = api(cast.member)
    key = str(uuid.uuid4())

    first = _start(client, ladder.a1, client_key=key)
    again = _start(client, ladder.a1, client_key=key)

    assert (first.status_code, again.status_code) == (201, 200)
    assert PatrolLog.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "grid", "status"),
    [
        ("member", "b1", 400),  # not a grid the member sees
        ("other_member", "a1", 400),
        ("town_official", "a1", 403),  # not a grid member
        ("resident", "a1", 403),
    ],
)
def test_refuses_to_start_a_patrol_outside_ones_grids(api, cast, ladder, who, grid, status):
    response = _start(api(getattr(cast, who)), getattr(ladder, grid))

    assert response.status_code == status
    assert not PatrolLog.objects.exists()


def test_another_member_may_not_touch_the_patrol(api, cast, ladder):
    patrol_id = _start(api(cast.member), ladder.a1).json()["id"]

    response = api(cast.other_member).post(f"/api/patrols/{patrol_id}/stop/", {}, format="json")

    assert response.status_code == 404
    assert PatrolLog.objects.get().ended_at is None


@pytest.mark.parametrize(
    "body",
    [
        {"points": [[200, 28]], "first_index": 0},
        {"points": [[121, "x"]], "first_index": 0},
        {"points": [[121.0, 28.0]], "first_index": 5},
        {"points": "nope", "first_index": 0},
    ],
)
def test_refuses_bad_points_and_keeps_the_route(api, cast, ladder, body):
    client = api(cast.member)
    patrol_id = _start(client, ladder.a1).json()["id"]

    response = client.post(f"/api/patrols/{patrol_id}/points/", body, format="json")

    assert response.status_code == 400
    assert PatrolLog.objects.get().route is None
