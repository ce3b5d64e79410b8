import datetime
import json
import uuid

import pytest
from django.urls import reverse

from members.models import PatrolLog
from members.services.patrols import patrol_start
from tests.conftest import NOW

KEY = uuid.UUID("0b8a3c52-6f0e-4c11-8d2a-9e7f10a2b3c4")
PATROL = reverse("members:patrol")
START = reverse("members:patrol_start")
OUTBOX = {"HTTP_X_OUTBOX": "1"}


def points_url(key=KEY):
    return reverse("members:patrol_points", args=[key])


def stop_url(key=KEY):
    return reverse("members:patrol_stop", args=[key])


@pytest.fixture
def running(cast, ladder):
    return patrol_start(actor=cast.member, grid=ladder.a1, client_key=KEY)


def post_points(client, body, key=KEY):
    return client.post(points_url(key), json.dumps(body), content_type="application/json")


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.post(START, {})

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_page_preselects_the_members_only_grid(client, cast, ladder):
    client.force_login(cast.member)

    response = client.get(PATROL)

    assert response.status_code == 200
    assert response.context["start_form"].initial["grid"] == ladder.a1.pk
    assert response.context["patrol"] is None


def test_the_patrol_map_shows_only_the_members_grids(client, cast, ladder):
    client.force_login(cast.member)

    response = client.get(PATROL)

    features = response.context["grids_geojson"]["features"]
    assert [feature["properties"]["name"] for feature in features] == [ladder.a1.name]
    assert features[0]["geometry"]["type"] == "MultiPolygon"
    assert 'id="patrol-grids"' in response.content.decode()


def test_starts_a_patrol_from_the_page(client, cast, ladder):
    client.force_login(cast.member)

    response = client.post(START, {"grid": ladder.a1.pk, "notes": "早巡", "client_key": KEY})

    assert response.status_code == 302
    assert response.url == PATROL
    patrol = PatrolLog.objects.get()
    assert (patrol.grid, patrol.client_key, patrol.notes) == (ladder.a1, KEY, "早巡")
    page = client.get(PATROL)
    assert page.context["patrol"] == patrol
    assert str(KEY) in page.content.decode()


@pytest.mark.time_machine(NOW, tick=False)
def test_a_resent_start_from_the_outbox_answers_the_same_patrol(client, cast, ladder):
    client.force_login(cast.member)
    started_offline = NOW - datetime.timedelta(minutes=10)
    data = {"grid": ladder.a1.pk, "client_key": KEY, "started_at": started_offline.isoformat()}

    first = client.post(START, data, **OUTBOX)
    second = client.post(START, data, **OUTBOX)

    assert first.status_code == second.status_code == 200
    assert first.json()["client_key"] == second.json()["client_key"] == str(KEY)
    assert PatrolLog.objects.get().started_at == started_offline


def test_refuses_another_grid_beside_the_field(client, cast, ladder):
    client.force_login(cast.member)

    response = client.post(START, {"grid": ladder.a2.pk, "notes": "写了的字"})

    assert response.status_code == 400
    assert "grid" in response.context["start_form"].errors
    assert "写了的字" in response.content.decode()
    assert not PatrolLog.objects.exists()


def test_outbox_gets_the_errors_as_json(client, cast, ladder):
    client.force_login(cast.member)

    response = client.post(START, {"grid": "", "client_key": "not-a-uuid"}, **OUTBOX)

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"grid", "client_key"}
    assert not PatrolLog.objects.exists()


@pytest.mark.parametrize("who", ["town_official", "resident"])
def test_refuses_users_who_do_not_patrol(client, cast, ladder, who):
    client.force_login(getattr(cast, who))

    assert client.post(START, {"grid": ladder.a1.pk}).status_code == 403
    assert not PatrolLog.objects.exists()


def test_points_are_appended_and_a_resend_is_skipped(client, cast, running):
    client.force_login(cast.member)
    batch = {"first_index": 0, "points": [[121.001, 28.001], [121.002, 28.002]]}

    first = post_points(client, batch)
    again = post_points(client, batch)

    assert first.status_code == again.status_code == 200
    assert again.json()["stored"] == 2
    assert PatrolLog.objects.get().route.num_points == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"first_index": 0, "points": [[500, 28.0], [121.0, 28.0]]}, "points"),
        ({"first_index": -1, "points": [[121.0, 28.0], [121.1, 28.0]]}, "first_index"),
        ({"first_index": 3, "points": [[121.0, 28.0], [121.1, 28.0]]}, "first_index"),
        ({"points": [[121.0, 28.0], [121.1, 28.0]]}, "first_index"),
        ({"first_index": 0, "points": "x"}, "points"),
        ([1, 2], "points"),
    ],
    ids=["longitude", "negative-index", "gap", "no-index", "not-points", "not-an-object"],
)
def test_bad_points_get_a_400_with_a_reason(client, cast, running, body, field):
    client.force_login(cast.member)

    response = post_points(client, body)

    assert response.status_code == 400
    assert response.json()["errors"]
    assert response.json()["errors"][field], "the reason is beside the field it concerns"
    assert PatrolLog.objects.get().route is None


def test_a_body_that_is_not_json_gets_a_400(client, cast, running):
    client.force_login(cast.member)

    response = client.post(points_url(), "{{{", content_type="application/json")

    assert response.status_code == 400
    assert PatrolLog.objects.get().route is None


def test_stops_the_patrol_with_findings(client, cast, running):
    client.force_login(cast.member)

    response = client.post(stop_url(), {"notes": "正常", "findings": "路灯坏了"})

    assert response.status_code == 302
    patrol = PatrolLog.objects.get()
    assert patrol.ended_at is not None
    assert patrol.findings == "路灯坏了"


def test_saves_notes_while_running(client, cast, running):
    client.force_login(cast.member)

    response = client.post(
        reverse("members:patrol_note", args=[KEY]), {"notes": "巡到一半", "findings": ""}
    )

    assert response.status_code == 302
    patrol = PatrolLog.objects.get()
    assert (patrol.notes, patrol.ended_at) == ("巡到一半", None)


@pytest.mark.parametrize("who", ["other_member", "leader"])
def test_another_member_cannot_stop_or_extend_the_patrol(client, cast, running, who):
    client.force_login(getattr(cast, who))

    assert client.post(stop_url(), {"findings": "x"}).status_code == 404
    assert (
        post_points(client, {"first_index": 0, "points": [[121, 28], [121.1, 28]]}).status_code
        == 404
    )
    patrol = PatrolLog.objects.get()
    assert (patrol.ended_at, patrol.route, patrol.findings) == (None, None, "")


def test_an_official_of_the_town_cannot_stop_it(client, cast, running):
    client.force_login(cast.town_official)

    assert client.post(stop_url()).status_code == 403
    assert PatrolLog.objects.get().ended_at is None


def test_an_unknown_patrol_is_not_found(client, cast, running):
    client.force_login(cast.member)

    assert client.post(stop_url(uuid.uuid4())).status_code == 404
    assert PatrolLog.objects.get().ended_at is None
