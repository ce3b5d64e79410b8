"""The register kept from the field, on a phone (390×844) in a real browser: a household
edited without a connection is kept on the phone and lands once, logged, when the
connection returns; a member visits an overdue household from the workspace."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from members.models import HouseholdEdit, HouseholdVisit, ResidentTag
from members.services import resident_save
from tests.browser.pages import assert_fits_the_screen, journey_shot, log_in
from tests.factories import HouseholdFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(watched_page: Page) -> Page:
    watched_page.set_viewport_size({"width": 390, "height": 844})
    return watched_page


@pytest.fixture
def overdue_household(ladder):
    """A household of grid A1 where an elderly woman lives alone, never visited."""
    household = HouseholdFactory(grid=ladder.a1, code="3310811120010010077", address="东山村77号")
    resident_save(
        household=household,
        name="陈阿婆",
        gender="female",
        tags=[ResidentTag.objects.get(code="elderly-alone")],
    )
    return household


def test_a_household_edited_offline_lands_once_and_is_logged(phone, live_server, cast):
    page = phone
    household = cast.resident_record.household
    edit = reverse("members:household_edit", args=[household.pk])
    log_in(page, live_server, cast.member.username, edit)
    expect(page).to_have_url(f"{live_server.url}{edit}")
    assert_fits_the_screen(page)
    # The service worker is installed before the signal goes: its script fetched offline
    # would fail (a console error), as it would for a member who lost the signal at once.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")

    page.context.set_offline(True)
    page.fill("#id_address", "东山村新村路9号")
    page.click("form[data-register-form] button[type=submit]")

    outbox = page.locator("#outbox")
    expect(outbox).to_have_attribute("data-waiting", "1")
    expect(page.locator("#outbox-status")).to_be_visible()
    journey_shot(page, "register", "1-edit-kept-offline")
    assert not HouseholdEdit.objects.exists()

    page.context.set_offline(False)  # "online" fires: the outbox sends the edit
    expect(outbox).to_have_attribute("data-waiting", "0")
    logged = HouseholdEdit.objects.get()
    assert (logged.actor, logged.household) == (cast.member, household)
    assert logged.changes["address"][1] == "东山村新村路9号"

    # Loading a page again and flushing sends nothing twice.
    page.goto(f"{live_server.url}{reverse('members:household', args=[household.pk])}")
    page.evaluate("window.Outbox ? window.Outbox.flush() : null")
    expect(page.locator("#household-address")).to_have_text("东山村新村路9号")
    expect(page.locator("#household-edits li").first).to_contain_text("东山村新村路9号")
    journey_shot(page, "register", "2-household-with-log")
    assert HouseholdEdit.objects.count() == 1
    assert page.problems == []


def test_a_member_visits_an_overdue_household_from_the_workspace(
    phone, live_server, cast, overdue_household
):
    page = phone
    workspace = reverse("members:workspace")
    log_in(page, live_server, cast.member.username, workspace)
    expect(page).to_have_url(f"{live_server.url}{workspace}")
    due = page.locator("#overdue-visits li", has_text=overdue_household.code)
    expect(due).to_be_visible()
    due.scroll_into_view_if_needed()
    assert_fits_the_screen(page)
    journey_shot(page, "register", "3-workspace-overdue")

    due.locator(
        f"a[href='{reverse('members:household_visit', args=[overdue_household.pk])}']"
    ).click()
    page.select_option("#id_purpose", "care")
    page.fill("#id_notes", "身体尚好，药已备齐")
    assert_fits_the_screen(page)
    journey_shot(page, "register", "4-visit-form")
    page.click("form[data-register-form] button[type=submit]")

    household_page = reverse("members:household", args=[overdue_household.pk])
    expect(page).to_have_url(f"{live_server.url}{household_page}")
    expect(page.locator("#household-visits")).to_contain_text("身体尚好，药已备齐")
    visit = HouseholdVisit.objects.get()
    assert (visit.household, visit.member.user) == (overdue_household, cast.member)

    page.goto(f"{live_server.url}{workspace}")
    expect(page.locator("#overdue-visits")).not_to_contain_text(overdue_household.code)
    assert page.problems == []
