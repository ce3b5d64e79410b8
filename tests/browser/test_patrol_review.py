"""A town official, in Chinese at desktop size, finds a grid member flagged on the
dashboard and opens the review of the member's patrols: the verdict, each flag with its
reason, and the routes on the map (flagged ones in red). Screenshots go to
var/test-results/journeys/patrol-review/."""

import datetime
import uuid

import pytest
from django.contrib.gis.geos import LineString
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from members.models import PatrolLog
from members.services.authenticity import patrols_assess
from tests.browser.pages import journey_shot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def flagged_member(cast, ladder):
    """member_a1: six patrols of the last week, four of them walked in another village."""
    member = cast.member.grid_member
    now = timezone.now()
    logs = []
    for day in range(1, 7):
        started = now - datetime.timedelta(days=day, hours=2)
        x0 = 121.025 if day <= 4 else 121.001  # A3 (西山村) or the member's own A1
        logs.append(
            PatrolLog.objects.create(
                member=member,
                grid=ladder.a1,
                client_key=uuid.uuid4(),
                started_at=started,
                ended_at=started + datetime.timedelta(minutes=55),
                route=LineString(
                    [(x0 + i * 0.0004, 28.003 + (i % 5) * 0.0006) for i in range(24)],
                    srid=4326,
                ),
                notes=f"巡查第{day}天：村道、河埠头",
            )
        )
    patrols_assess(ids=[log.pk for log in logs], now=now)
    return member


def test_an_official_opens_a_flagged_members_patrols_from_the_dashboard(
    watched_page, live_server, cast, flagged_member
):
    page = watched_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_extra_http_headers({"Accept-Language": "zh-CN,zh;q=0.9"})
    with translation.override("zh-hans"):
        page.goto(f"{live_server.url}{reverse('login')}?next={reverse('dashboard:home')}")
        page.fill("#id_username", cast.town_official.username)
        page.fill("#id_password", PASSWORD)
        page.click("main form button[type=submit]")

        row = page.locator("#dash-workload tr.dash-hollow")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("疑似空巡")
        expect(row).to_contain_text("4 / 6")
        row.locator("a").click()

        review = reverse("members:member_review", args=[flagged_member.pk])
        expect(page).to_have_url(f"{live_server.url}{review}")
        expect(page.locator("h1")).to_contain_text("的巡查")
        expect(page.locator("#review-verdict")).to_contain_text("已标记")
        expect(page.locator("#review-flagged")).to_contain_text("已核验 6 次中 4 次有疑点")
        expect(page.locator("#review-table tr.review-flagged")).to_have_count(4)
        expect(page.locator("#review-table")).to_contain_text("轨迹大多在本人网格外")
        expect(page.locator("#review-table")).to_contain_text("位于本人网格内")
        expect(page.locator("#reviewmap[data-loaded='1']")).to_be_visible()
        expect(page.locator("#reviewmap path.review-route-flagged")).to_have_count(4)
        expect(page.locator("#reviewmap path.review-route-ok")).to_have_count(2)
        journey_shot(page, "patrol-review", "1-flagged-member")
    assert page.problems == []
