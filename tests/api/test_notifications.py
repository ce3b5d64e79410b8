"""/api/notifications/: the caller's own inbox, and marking read."""

import pytest

from members.models import Notification
from members.notifications import notifications_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(cast):
    mine = notifications_create(recipients=[cast.member], kind="incident", title="给我的")
    theirs = notifications_create(recipients=[cast.leader], kind="incident", title="给别人的")
    return mine[0], theirs[0]


def test_lists_only_the_callers_notifications(api, cast, inbox):
    response = api(cast.member).get("/api/notifications/")

    assert [row["title"] for row in response.json()["results"]] == ["给我的"]


def test_marks_one_read_and_someone_elses_answers_404(api, cast, inbox):
    mine, theirs = inbox
    client = api(cast.member)

    marked = client.post(f"/api/notifications/{mine.pk}/read/")
    other = client.post(f"/api/notifications/{theirs.pk}/read/")

    assert marked.json() == {"marked": 1}
    assert other.status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_marks_all_read_and_filters_unread(api, cast, inbox):
    client = api(cast.member)

    client.post("/api/notifications/read-all/")

    assert client.get("/api/notifications/", {"unread": "true"}).json()["count"] == 0
    assert client.get("/api/notifications/", {"unread": "false"}).json()["count"] == 1
