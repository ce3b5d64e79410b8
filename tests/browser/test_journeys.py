"""A town official's morning, in Chinese at desktop size: after logging in the official
lands on the case queue, with the unread count in the menu and the call-back a
dissatisfied resident caused on top; reads the inbox, opens the case, reveals the
reporter's phone with a reason and records the call-back. Screenshots of each step go to
var/test-results/journeys/official/."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from playwright.sync_api import expect

from core.roles import Role
from incidents.models import CallBack, Category, Incident, ReporterPhoneAccess
from incidents.services.catalogue import department_save
from incidents.services.public import incident_evaluate_by_reporter_phone
from incidents.services.reporting import incident_report
from incidents.services.transitions import (
    incident_accept,
    incident_dispatch,
    incident_handle,
    incident_start,
    incident_verify,
)
from tests.browser.pages import journey_shot
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "13900001111"


@pytest.fixture
def dissatisfied(cast, ladder):
    incident = incident_report(
        actor=None,
        category=Category.objects.get(code="street-light"),
        title="路灯不亮",
        description="村道三盏路灯连续一周不亮",
        source=Incident.Source.RESIDENT,
        grid=ladder.a1,
        reporter_name="李阿姨",
        reporter_phone=PHONE,
    )
    incident = incident_accept(actor=cast.town_official, incident=incident)
    incident = incident_dispatch(
        actor=cast.town_official, incident=incident, user=cast.member, department=None
    )
    incident = incident_start(actor=cast.member, incident=incident)
    incident = incident_handle(actor=cast.member, incident=incident, note="已报修")
    incident = incident_verify(actor=cast.leader, incident=incident, passed=True)
    return incident_evaluate_by_reporter_phone(
        incident=incident, phone=PHONE, satisfaction="dissatisfied", comment="还是不亮"
    )


def test_a_town_official_works_the_call_back_of_a_dissatisfied_resident(
    watched_page, live_server, cast, dissatisfied
):
    page = watched_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_extra_http_headers({"Accept-Language": "zh-CN,zh;q=0.9"})
    with translation.override("zh-hans"):
        page.goto(f"{live_server.url}{reverse('login')}")
        page.fill("#id_username", cast.town_official.username)
        page.fill("#id_password", PASSWORD)
        page.click("main form button[type=submit]")

        expect(page).to_have_url(f"{live_server.url}{reverse('incidents:queue')}")
        expect(page.locator(".nav-count")).to_be_visible()
        expect(page.locator("#callbacks")).to_contain_text(dissatisfied.code)
        journey_shot(page, "official", "1-queue")

        page.click(f"a[href='{reverse('members:notifications')}']")
        expect(page.locator(".ws-notifications")).to_contain_text(dissatisfied.code)
        journey_shot(page, "official", "2-inbox")

        page.goto(f"{live_server.url}{reverse('incidents:detail', args=[dissatisfied.pk])}")
        page.click(".phone-reveal summary")
        page.fill("#reporter-phone-reason", "回访不满意评价")
        page.click("#reporter-phone-form button[type=submit]")
        expect(page.locator("#reporter-tel")).to_have_attribute("href", f"tel:{PHONE}")
        assert ReporterPhoneAccess.objects.get().reason == "回访不满意评价"
        journey_shot(page, "official", "3-phone")

        page.fill("#callback-form textarea", "已电话联系，约定明天复查路灯")
        page.click("#callback-form button[type=submit]")
        expect(page.locator(".messages")).to_contain_text(_("The call-back was recorded."))
        assert CallBack.objects.get().closed_by == cast.town_official
        journey_shot(page, "official", "4-called-back")
    assert page.problems == []


def test_a_department_handler_works_a_dispatched_case(watched_page, live_server, cast, ladder):
    """A department handler's day, in Chinese at desktop size: lands on its to-do list,
    opens the case dispatched to the department, reads the inbox, starts the case and
    reports it handled with a note. Screenshots go to var/test-results/journeys/department/."""
    handler = make_user("handler_s", Role.DEPARTMENT_HANDLER, ladder.town)
    department = department_save(code="um", name="石塘镇综合行政执法队", region=ladder.town)
    handler.groups.add(department.handlers)
    incident = incident_report(
        actor=cast.town_official,
        category=Category.objects.get(code="garbage"),
        title="河道漂浮垃圾",
        description="桥下河面垃圾堆积",
        source=Incident.Source.HOTLINE,
        grid=ladder.a1,
    )
    incident = incident_accept(actor=cast.town_official, incident=incident)
    with translation.override("zh-hans"):  # the notice is written in the town's language
        incident_dispatch(
            actor=cast.town_official, incident=incident, user=None, department=department
        )

    page = watched_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_extra_http_headers({"Accept-Language": "zh-CN,zh;q=0.9"})
    with translation.override("zh-hans"):
        page.goto(f"{live_server.url}{reverse('login')}")
        page.fill("#id_username", handler.username)
        page.fill("#id_password", PASSWORD)
        page.click("main form button[type=submit]")

        expect(page).to_have_url(f"{live_server.url}{reverse('incidents:queue')}?open=true")
        expect(page.locator(".case-row")).to_contain_text("河道漂浮垃圾")
        expect(page.locator(".nav-count")).to_be_visible()
        journey_shot(page, "department", "1-todo")

        page.click(".case-row th a")
        expect(page.locator("h1")).to_have_text("河道漂浮垃圾")
        journey_shot(page, "department", "2-case")

        page.click(f"a[href='{reverse('members:notifications')}']")
        expect(page.locator(".ws-notifications")).to_contain_text(incident.code)
        journey_shot(page, "department", "3-inbox")

        page.goto(f"{live_server.url}{reverse('incidents:detail', args=[incident.pk])}")
        page.click("#action-start button[type=submit]")
        page.fill("#action-handle textarea", "已组织人员打捞，河面已清理")
        page.click("#action-handle button[type=submit]")
        expect(page.locator(".messages")).to_be_visible()
        journey_shot(page, "department", "4-handled")
    incident.refresh_from_db()
    assert incident.status == Incident.Status.HANDLED
    assert incident.events.last().note == "已组织人员打捞，河面已清理"
    assert page.problems == []
