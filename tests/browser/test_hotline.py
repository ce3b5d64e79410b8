"""A hotline operator takes a call, in Chinese at desktop size, from the keyboard: lands on
the call form, types the caller's number and what is wrong (Enter moves on), finds the
village with the address search, marks the place on the map and files the call with
Ctrl+Enter; the case is filed as a hotline case and the last calls show the number masked.
Screenshots go to var/test-results/journeys/hotline/."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from playwright.sync_api import expect

from core.roles import Role
from incidents.models import Category, Incident
from members import personal_data
from tests.browser.pages import click_inside_grid, journey_shot
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_hotline_operator_files_a_call_from_the_keyboard(watched_page, live_server, ladder):
    operator = make_user("hotline_12345", Role.HOTLINE_OPERATOR, ladder.county)
    street_light = Category.objects.get(code="street-light")
    page = watched_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_extra_http_headers({"Accept-Language": "zh-CN,zh;q=0.9"})
    with translation.override("zh-hans"):
        page.goto(f"{live_server.url}{reverse('login')}")
        page.fill("#id_username", operator.username)
        page.fill("#id_password", PASSWORD)
        page.click("main form button[type=submit]")
        expect(page).to_have_url(f"{live_server.url}{reverse('incidents:hotline_call')}")
        expect(page.locator("#portalmap")).to_have_attribute("data-ready", "true")

        expect(page.locator("#id_caller_phone")).to_be_focused()
        page.keyboard.type("139 1234 5678")
        page.keyboard.press("Enter")
        expect(page.locator("#id_caller_name")).to_be_focused()
        page.keyboard.type("李女士")
        page.keyboard.press("Enter")
        expect(page.locator("#id_category")).to_be_focused()
        page.select_option("#id_category", str(street_light.pk))
        page.fill("#id_description", "东山村村道三盏路灯连续一周不亮，晚上行人看不清路")
        page.fill("#id_address", "东山村村道")
        page.fill("#place-search-portalmap", "东山村")
        expect(page.locator(".place-search-results button").first).to_be_visible()
        page.keyboard.press("Enter")
        click_inside_grid(page, 0)
        expect(page.locator("#portal-map-status")).to_contain_text(ladder.a1.name)
        journey_shot(page, "hotline", "1-call-typed")

        page.focus("#id_description")
        page.keyboard.press("Control+Enter")

        expect(page.locator(".messages")).to_contain_text(_("Call filed as case %(code)s.")[:4])
        incident = Incident.objects.get()
        expect(page.locator(".messages")).to_contain_text(incident.code)
        expect(page.locator("#hotline-recent")).to_contain_text("139****5678")
        expect(page.locator("#id_caller_phone")).to_have_value("")
        journey_shot(page, "hotline", "2-call-filed")
    assert (incident.source, incident.grid, incident.category) == (
        "hotline",
        ladder.a1,
        street_light,
    )
    assert personal_data.decrypt(incident.reporter_phone_encrypted) == "13912345678"
    assert "13912345678" not in page.content()
    assert page.problems == []
