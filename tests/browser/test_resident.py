"""A resident on a phone: a request with a missing field, then a complete one placed on
the map, the tracking code, and the progress page. No account, no internet, no tiles."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _
from playwright.sync_api import expect

from incidents.models import Category, Incident
from tests.browser.pages import assert_fits_the_screen, click_inside_grid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESCRIPTION = "东山村村口的垃圾堆了三天没人清理，气味很大"


def test_a_resident_reports_a_problem_and_follows_it(page_on_phone, live_server, cast, ladder):
    page = page_on_phone
    page.goto(f"{live_server.url}{reverse('public:new')}")
    expect(page.locator("#portalmap")).to_have_attribute("data-ready", "true")
    assert_fits_the_screen(page)

    # First try: the name is missing.
    page.fill("#id_reporter_phone", "13900001111")
    page.select_option("#id_category", label=Category.objects.get(code="garbage").name)
    page.fill("#id_description", DESCRIPTION)
    click_inside_grid(page, 0)  # the outlines come in code order: A1 first
    expect(page.locator("#portal-map-status")).to_contain_text(ladder.a1.name)
    page.click("main form button[type=submit]")

    name_field = page.locator(".field", has=page.locator("#id_reporter_name"))
    expect(name_field.locator(".field-error")).to_have_text(_("This field is required."))
    expect(page.locator("#id_description")).to_have_value(DESCRIPTION)
    expect(page.locator("#id_reporter_phone")).to_have_value("13900001111")
    expect(page.locator("#portalmap")).to_have_attribute("data-placed", "true")
    assert Incident.objects.count() == 0
    # The refused form answers 400, which the page and Chromium's console report: expected.
    assert f"HTTP 400: {live_server.url}{reverse('public:new')}" in page.problems
    assert all("400" in problem for problem in page.problems), page.problems
    page.problems.clear()

    # Second try: complete.
    page.fill("#id_reporter_name", "李阿姨")
    page.click("main form button[type=submit]")

    expect(page).to_have_url(f"{live_server.url}{reverse('public:done')}")
    incident = Incident.objects.get()
    assert incident.grid == ladder.a1
    expect(page.locator("#tracking-code")).to_have_text(incident.code)

    # Follow it: the code is filled in, the phone proves who asks.
    page.click(f"main a[href*='{reverse('public:track')}?code=']")
    expect(page.locator("#id_code")).to_have_value(incident.code)
    page.fill("#id_phone", "13900001111")
    page.click("main form button[type=submit]")

    expect(page.locator("#case-status")).to_have_text(incident.get_status_display())
    expect(page.locator(".portal-timeline li")).to_have_count(1)
    expect(page.locator(".portal-timeline")).to_contain_text(_("Your request was received"))
    assert_fits_the_screen(page)
    assert page.problems == []
