"""The officials' review of a grid member's patrols (members.review_views)."""

import datetime
import json
import uuid

import pytest
from django.contrib.gis.geos import LineString
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import GridMember, PatrolFlag, PatrolLog
from members.services.authenticity import patrols_assess
from tests.conftest import NOW, make_member, make_user

pytestmark = pytest.mark.time_machine(NOW, tick=False)


def add_patrol(member: GridMember, grid, *, days_ago: int, x0: float = 121.001) -> PatrolLog:
    started = NOW - datetime.timedelta(days=days_ago)
    return PatrolLog.objects.create(
        member=member,
        grid=grid,
        client_key=uuid.uuid4(),
        started_at=started,
        ended_at=started + datetime.timedelta(minutes=50),
        route=LineString([(x0 + i * 0.0005, 28.002) for i in range(20)], srid=4326),
        notes="巡查",
    )


@pytest.fixture
def reviewed(cast, ladder):
    """member_a1 with an honest patrol and one walked in another village (A3), judged."""
    member = cast.member.grid_member
    honest = add_patrol(member, ladder.a1, days_ago=2)
    outside = add_patrol(member, ladder.a1, days_ago=3, x0=121.025)
    patrols_assess(ids=[honest.pk, outside.pk])
    return member


def url(member: GridMember) -> str:
    return reverse("members:member_review", args=[member.pk])


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("resident", 404),
        ("member", 404),
        ("other_member", 404),
        ("leader", 404),
        ("other_official", 404),
        ("village_staff", 200),
        ("town_official", 200),
        ("county_official", 200),
        ("admin", 200),
    ],
)
def test_only_officials_over_the_members_grids_see_the_review(client, cast, reviewed, who, status):
    client.force_login(getattr(cast, who))

    response = client.get(url(reviewed))

    assert response.status_code == status
    assert PatrolFlag.objects.count() == 1


def test_anonymous_users_are_sent_to_log_in(client, reviewed):
    response = client.get(url(reviewed))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_village_staff_do_not_see_a_member_of_another_village(client, cast, ladder):
    other_village = make_member("member_a3", ladder.a3)
    client.force_login(cast.village_staff)

    assert client.get(url(other_village)).status_code == 404
    assert client.get("/members/grid-members/999999/").status_code == 404


def test_a_department_handler_of_the_town_is_refused(client, cast, ladder, reviewed):
    handler = make_user("handler_s", "department_handler", ladder.town)
    client.force_login(handler)

    assert client.get(url(reviewed)).status_code == 404


def test_shows_each_flag_with_its_reason_and_draws_the_routes(client, cast, reviewed):
    client.force_login(cast.town_official)

    response = client.get(url(reviewed), HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    assert "Route mostly outside the member&#x27;s grids" in page
    assert "Only 0% of the 934 m route lies inside the member&#x27;s grids" in page
    assert response.context["flagged"] == 1
    assert response.context["judged"] == 2
    assert response.context["verdict"] == "too_few"
    data = response.context["map_data"]
    assert [f["properties"]["name"] for f in data["grids"]["features"]] == ["东山一网格"]
    assert sorted(f["properties"]["flagged"] for f in data["routes"]["features"]) == [False, True]
    assert json.loads(
        page.split('id="review-map-data" type="application/json">')[1].split("</script>")[0]
    ) == json.loads(json.dumps(data))


def test_the_page_speaks_chinese_by_default(client, cast, reviewed):
    client.force_login(cast.town_official)

    page = client.get(url(reviewed)).content.decode()

    assert "巡查" in page
    assert "Route mostly outside" not in page


def test_queries_do_not_grow_with_the_patrols(
    client, cast, ladder, reviewed, django_assert_num_queries
):
    client.force_login(cast.town_official)
    client.get(url(reviewed))  # the session and the groups, cached like any later visit
    with CaptureQueriesContext(connection) as few:
        client.get(url(reviewed))
    member = cast.member.grid_member
    more = [add_patrol(member, ladder.a1, days_ago=day, x0=121.02) for day in range(4, 24)]
    patrols_assess(ids=[log.pk for log in more])

    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url(reviewed))

    assert len(response.context["rows"]) == 22
    assert response.context["verdict"] == "flagged"
