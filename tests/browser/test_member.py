"""A grid member on a phone (390×844) in a real browser: a patrol with a route from the
phone's location, a case reported with a photo from the patrol's findings, the same kind
of report made without a connection and sent once when it returns, and a case of another
grid refused. No internet, no tiles; the location comes from Chromium's emulation."""

import io
import re

import pytest
from django.urls import reverse
from PIL import Image
from playwright.sync_api import Page, expect

from incidents.models import Attachment, Category, Incident
from incidents.services.reporting import incident_report
from members.models import PatrolLog
from tests.browser.pages import assert_fits_the_screen, journey_shot, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IN_A1 = {"latitude": 28.005, "longitude": 121.005}
FURTHER_IN_A1 = {"latitude": 28.006, "longitude": 121.006}


@pytest.fixture
def phone(watched_page: Page, live_server) -> Page:
    """The watched page at 390×844, allowed to read an emulated location in grid A1 (a
    failure's screenshot: pytest-playwright, see pyproject.toml)."""
    watched_page.set_viewport_size({"width": 390, "height": 844})
    watched_page.context.grant_permissions(["geolocation"], origin=live_server.url)
    watched_page.context.set_geolocation(IN_A1)
    return watched_page


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(buffer, format="JPEG")
    return buffer.getvalue()


def fill_report(page: Page, description: str | None = None) -> None:
    expect(page.locator("#reportmap")).to_have_attribute("data-placed", "true")
    page.select_option("#id_category", label=Category.objects.get(code="garbage").name)
    if description is not None:
        page.fill("#id_description", description)
    page.set_input_files(
        "#id_photo",
        files=[{"name": "spot.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}],
    )


def test_a_member_patrols_and_reports_a_finding_with_a_photo(phone, live_server, cast, ladder):
    page = phone
    workspace = reverse("members:workspace")
    log_in(page, live_server, cast.member.username, workspace)
    expect(page).to_have_url(f"{live_server.url}{workspace}")
    expect(page.locator("#gridmap")).to_have_attribute("data-loaded", "1")
    assert_fits_the_screen(page)
    worker = page.evaluate("navigator.serviceWorker.ready.then(r => r.active.scriptURL)")
    assert worker == f"{live_server.url}{reverse('service_worker')}"

    # Start a patrol: the only grid is chosen already; the phone's location draws the route.
    page.click("nav.ws-actions a[href$='/patrol/']")
    page.click("#patrol-start-form button[type=submit]")
    expect(page.locator("#patrol-running")).to_be_visible()
    expect(page.locator("#patrol-running")).to_have_attribute("data-points", "1")
    expect(page.locator("#patrolmap")).to_have_attribute("data-grids", "1")  # beside the route
    expect(page.locator("#patrolmap .grid-outline")).to_have_count(1)
    page.context.set_geolocation(FURTHER_IN_A1)
    expect(page.locator("#patrol-running")).to_have_attribute("data-points", "2")
    journey_shot(page, "member", "0-patrol-map")
    page.fill("#id_findings", "村口垃圾堆放，无人清理")

    # The finding becomes a case: the description is prefilled, the place and grid too.
    page.click("#patrol-finding-report")
    expect(page.locator("#id_description")).to_have_value("村口垃圾堆放，无人清理")
    fill_report(page)
    expect(page.locator("#id_grid")).to_have_value(str(ladder.a1.pk))
    page.click("#quick-report-form button[type=submit]")

    # The confirmation: the case page with its number; the finding stays on the patrol.
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))
    incident = Incident.objects.get()
    expect(page).to_have_url(f"{live_server.url}{reverse('incidents:detail', args=[incident.pk])}")
    expect(page.locator(".messages")).to_contain_text(incident.code)
    expect(page.locator("#case-patrol a")).to_be_visible()
    journey_shot(page, "member", "1-reported")
    assert incident.patrol == PatrolLog.objects.get()
    assert incident.source == Incident.Source.PATROL
    assert incident.client_key is not None
    assert (incident.grid, incident.reporter) == (ladder.a1, cast.member)
    assert Attachment.objects.get().incident == incident

    # Back to the running patrol and stop it: its route holds both places.
    page.goto(f"{live_server.url}{reverse('members:patrol')}")
    page.fill("#id_notes", "巡查正常")
    page.click("#patrol-stop")
    # The summary: time, distance, the findings and the case reported from the patrol.
    expect(page.locator("#patrol-summary")).to_be_visible()
    expect(page.locator("#patrol-findings")).to_contain_text("村口垃圾堆放，无人清理")
    expect(page.locator(f'#patrol-cases [data-code="{incident.code}"]')).to_be_visible()
    journey_shot(page, "member", "2-patrol-summary")
    patrol = PatrolLog.objects.get()
    assert patrol.ended_at is not None
    assert patrol.notes == "巡查正常"
    assert [tuple(round(c, 3) for c in point) for point in patrol.route.coords] == [
        (121.005, 28.005),
        (121.006, 28.006),
    ]
    assert page.problems == []


def test_a_report_made_offline_is_kept_and_sent_once(phone, live_server, cast, ladder):
    page = phone
    report = reverse("incidents:quick_report")
    log_in(page, live_server, cast.member.username, report)
    expect(page).to_have_url(f"{live_server.url}{report}")
    fill_report(page, "路灯不亮，晚上很黑")

    page.context.set_offline(True)
    page.click("#quick-report-form button[type=submit]")

    outbox = page.locator("#outbox")
    expect(outbox).to_have_attribute("data-waiting", "1")
    expect(page.locator("#outbox-status")).to_be_visible()
    expect(page.locator("#id_description")).to_have_value("")  # ready for the next one
    assert not Incident.objects.exists()

    page.context.set_offline(False)  # "online" fires: the outbox sends its item
    expect(outbox).to_have_attribute("data-waiting", "0")
    incident = Incident.objects.get()
    expect(page.locator("#outbox-status")).to_contain_text(incident.code)  # the confirmation
    journey_shot(page, "member", "3-outbox-confirmation")
    assert incident.description == "路灯不亮，晚上很黑"
    assert Attachment.objects.get().incident == incident

    # Loading the page again sends nothing twice.
    page.reload()
    expect(page.locator("#reportmap")).to_have_attribute("data-ready", "true")
    page.evaluate("window.Outbox.flush()")
    assert Incident.objects.count() == 1


def test_a_member_cannot_open_a_case_of_another_grid(phone, live_server, cast, ladder):
    page = phone
    theirs = incident_report(
        actor=cast.other_member,
        category=Category.objects.get(code="garbage"),
        title="二网格的事件",
        description="别的网格",
        source=Incident.Source.PATROL,
        grid=ladder.a2,
    )
    case = reverse("incidents:detail", args=[theirs.pk])

    log_in(page, live_server, cast.member.username, case)

    expect(page.locator("h1#denied")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("二网格的事件")
    # The refusal itself is the only thing that went wrong (as a response and in the console).
    assert f"HTTP 404: {live_server.url}{case}" in page.problems
    assert all("404" in problem for problem in page.problems)


PUT_FOREIGN_ITEM = """async (url) => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open("grid-outbox", 1);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  await new Promise((resolve, reject) => {
    const tx = db.transaction("items", "readwrite");
    tx.objectStore("items").put({
      url: url, owner: "another-user", label: "别人的上报",
      entries: [["description", "别人的上报"], ["client_key", crypto.randomUUID()]],
    });
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
}"""

WORKSPACE_CACHES = "async () => (await caches.keys()).filter((n) => n.startsWith('grid-pages-'))"


def test_a_shared_phone_sends_only_the_signed_in_users_items_and_logout_forgets_pages(
    phone, live_server, cast, ladder
):
    page = phone
    report = reverse("incidents:quick_report")
    log_in(page, live_server, cast.member.username, report)
    expect(page.locator("#reportmap")).to_have_attribute("data-ready", "true")

    # An item another user left on this phone is neither sent nor shown as this user's.
    page.evaluate(PUT_FOREIGN_ITEM, f"{live_server.url}{report}")
    page.evaluate("window.Outbox.flush()")
    expect(page.locator("#outbox")).to_be_hidden()
    assert not Incident.objects.exists()

    # The service worker has kept the workspace pages; logging out forgets them.
    page.evaluate("navigator.serviceWorker.ready")
    page.goto(f"{live_server.url}{reverse('members:workspace')}")
    page.wait_for_function(
        "async () => (await caches.keys()).some((n) => n.startsWith('grid-pages-'))"
    )
    page.click("form[data-logout] button[type=submit]")
    page.wait_for_url(lambda url: "workspace" not in url)
    # A put the service worker had in flight may land just after the deletion: the pages
    # must be gone within moments of logging out, and stay gone.
    page.wait_for_function(
        "async () => !(await caches.keys()).some((n) => n.startsWith('grid-pages-'))",
        timeout=5000,
    )
    assert page.evaluate(WORKSPACE_CACHES) == []
