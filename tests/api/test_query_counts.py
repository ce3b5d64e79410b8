"""No query per row: each list answers with as many queries for four rows as for one."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members.models import GridMember, PatrolLog
from members.notifications import notifications_create
from tests.conftest import make_member
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def _add_member(cast, ladder, n):
    make_member(f"extra_member_{n}", ladder.a1)


def _add_household(cast, ladder, n):
    HouseholdFactory(grid=ladder.a1)


def _add_patrol(cast, ladder, n):
    PatrolLog.objects.create(
        member=GridMember.objects.get(user=cast.member),
        grid=ladder.a1,
        started_at=timezone.now() - datetime.timedelta(hours=n + 1),
        ended_at=timezone.now() - datetime.timedelta(hours=n),
        notes="巡查",
    )


def _add_notification(cast, ladder, n):
    notifications_create(recipients=[cast.admin], kind="incident", title=f"通知{n}")


@pytest.mark.parametrize(
    ("url", "add"),
    [
        ("/api/members/", _add_member),
        ("/api/assignments/", _add_member),
        ("/api/households/", _add_household),
        ("/api/patrols/", _add_patrol),
        ("/api/notifications/", _add_notification),
    ],
)
def test_list_queries_do_not_grow_with_rows(api, cast, ladder, url, add):
    client = api(cast.admin)
    add(cast, ladder, 0)
    client.get(url)  # the user's roles are cached from here on
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(1, 4):
        add(cast, ladder, n)
    with CaptureQueriesContext(connection) as more:
        response = client.get(url)

    assert response.status_code == 200
    assert len(more.captured_queries) == len(few.captured_queries)
