"""The ladder's days, in Chinese at desktop size: village staff and a county official read
the notice of a case that climbed to them, open it from the inbox (the count in the menu
drops) and act. Screenshots of each step go to var/test-results/journeys/village/ and
var/test-results/journeys/county/."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from incidents.models import Category, Incident, IncidentEvent, Level
from incidents.services.escalation import incidents_escalate_overdue
from incidents.services.reporting import incident_report
from incidents.services.transitions import incident_escalate
from members.models import Notification
from tests.browser.pages import journey_shot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, user) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_extra_http_headers({"Accept-Language": "zh-CN,zh;q=0.9"})
    page.goto(f"{live_server.url}{reverse('login')}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}{reverse('incidents:queue')}")


def _patrol_case(cast, ladder, title: str, description: str) -> Incident:
    return incident_report(
        actor=cast.member,
        category=Category.objects.get(code="neighbour-dispute"),
        title=title,
        description=description,
        source=Incident.Source.PATROL,
        grid=ladder.a1,
    )


def test_village_staff_take_up_a_case_the_grid_pushed_up(watched_page, live_server, cast, ladder):
    """The grid member escalates a dispute the grid cannot settle; the village staff see the
    notice in the inbox, open the case from it, accept it and dispatch it to the grid's
    member with a note."""
    case = _patrol_case(cast, ladder, "共用通道堆物引发争执", "两户因共用通道堆放杂物发生口角")
    with translation.override("zh-hans"):  # the notice is written in the town's language
        case = incident_escalate(actor=cast.member, incident=case, reason="双方不服网格调解")
    notice = Notification.objects.get(recipient=cast.village_staff)
    page = watched_page
    with translation.override("zh-hans"):
        _sign_in(page, live_server, cast.village_staff)
        expect(page.locator(".nav-count")).to_contain_text("1")
        expect(page.locator(".case-row")).to_contain_text(case.title)
        journey_shot(page, "village", "1-queue")

        page.click(f"a[href='{reverse('members:notifications')}']")
        expect(page.locator(".ws-notifications")).to_contain_text(case.code)
        journey_shot(page, "village", "2-inbox")

        page.click(".ws-notifications li.is-unread a")
        expect(page.locator("h1")).to_have_text(case.title)
        expect(page.locator(".nav-count")).to_have_count(0)
        journey_shot(page, "village", "3-case")

        page.click("#action-accept button[type=submit]")
        expect(page.locator(".messages")).to_be_visible()
        page.select_option("#action-dispatch select[name=dispatch-user]", str(cast.member.pk))
        page.fill("#action-dispatch textarea", "请网格员约双方到村委会调解")
        page.click("#action-dispatch button[type=submit]")
        expect(page.locator(".messages")).to_be_visible()
        journey_shot(page, "village", "4-dispatched")
    notice.refresh_from_db()
    assert notice.read_at is not None
    case.refresh_from_db()
    assert (case.status, case.level, case.assignee_user) == (
        Incident.Status.DISPATCHED,
        Level.VILLAGE,
        cast.member,
    )
    assert page.problems == []


def test_a_county_official_opens_a_case_the_sweep_escalated(
    watched_page, live_server, cast, ladder
):
    """A case left overdue at the town climbs to the county in the sweep; the county
    official reads the digest, opens the case from its number and accepts it."""
    case = _patrol_case(cast, ladder, "邻里噪音纠纷", "楼上住户夜间装修噪音，多次协商未果")
    case = incident_escalate(actor=cast.member, incident=case, reason="网格调解未果")
    case = incident_escalate(actor=cast.village_staff, incident=case, reason="需镇司法所介入")
    Incident.objects.filter(pk=case.pk).update(
        deadline=timezone.now() - datetime.timedelta(hours=1)
    )
    Notification.objects.all().delete()
    with translation.override("zh-hans"):
        assert incidents_escalate_overdue().escalated == 1
    digest = Notification.objects.get(recipient=cast.county_official)
    page = watched_page
    with translation.override("zh-hans"):
        _sign_in(page, live_server, cast.county_official)
        expect(page.locator(".nav-count")).to_contain_text("1")
        journey_shot(page, "county", "1-queue")

        page.click(f"a[href='{reverse('members:notifications')}']")
        expect(page.locator(".ws-notifications")).to_contain_text(digest.title)
        journey_shot(page, "county", "2-inbox")

        page.click(f".ws-case-codes a:has-text('{case.code}')")
        expect(page.locator("h1")).to_have_text(case.title)
        expect(page.locator(".nav-count")).to_have_count(0)
        expect(page.locator("main")).to_contain_text(str(IncidentEvent.Action.AUTO_ESCALATE.label))
        journey_shot(page, "county", "3-case")

        page.fill("#action-accept textarea", "市司法局牵头，三日内组织调解")
        page.click("#action-accept button[type=submit]")
        expect(page.locator(".messages")).to_be_visible()
        journey_shot(page, "county", "4-accepted")
    digest.refresh_from_db()
    assert digest.read_at is not None
    case.refresh_from_db()
    assert (case.level, case.status) == (Level.COUNTY, Incident.Status.ACCEPTED)
    assert page.problems == []
