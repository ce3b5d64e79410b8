"""The closed loop in a real browser: a town official and a department handler work a case
that a grid member reported, through the case page's forms only."""

import io
from urllib.parse import urlencode

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse
from PIL import Image
from playwright.sync_api import Page, expect

from core.roles import Role
from incidents.models import Category, Incident
from incidents.services.catalogue import department_save
from incidents.services.reporting import incident_report
from tests.browser.pages import assert_fits_the_screen, log_in
from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def screenshot_on_failure(watched_page: Page) -> Page:
    """The watched page; pytest-playwright keeps its screenshot when a test fails
    (``--screenshot=only-on-failure`` in pyproject.toml), under var/test-results/."""
    return watched_page


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "green").save(buffer, format="JPEG")
    return buffer.getvalue()


def submit(page: Page, action: str) -> None:
    page.click(f"#action-{action} button[type=submit]")


def switch_user(page: Page, live_server, username: str, path: str) -> None:
    page.context.clear_cookies()
    log_in(page, live_server, username, path)
    expect(page).to_have_url(f"{live_server.url}{path}")


def expect_timeline(page: Page, actions: list[str]) -> None:
    steps = page.locator("#case-timeline .timeline-event")
    expect(steps).to_have_count(len(actions))
    for index, action in enumerate(actions):
        expect(steps.nth(index)).to_have_attribute("data-action", action)


def test_an_official_and_a_department_close_a_case_a_grid_member_reported(
    screenshot_on_failure, live_server, cast, ladder
):
    page = screenshot_on_failure
    page.set_viewport_size({"width": 360, "height": 780})
    department = department_save(
        code="urban-management", name="综合行政执法队", region=ladder.town
    )
    handler = make_user("handler_um", Role.DEPARTMENT_HANDLER, ladder.town)
    handler.groups.add(department.handlers)
    incident = incident_report(
        actor=cast.member,
        category=Category.objects.get(code="garbage"),
        title="村口垃圾堆放",
        description="垃圾堆放三天无人清理",
        source=Incident.Source.PATROL,
        location=Point(121.005, 28.005, srid=4326),
    )
    case_path = reverse("incidents:detail", args=[incident.pk])

    # The town official accepts the case and dispatches it to the department.
    log_in(page, live_server, cast.town_official.username, case_path)
    expect(page).to_have_url(f"{live_server.url}{case_path}")
    expect(page.locator("#casemap .leaflet-overlay-pane path")).to_have_count(2)
    expect(page.locator("#casemap")).to_have_attribute("data-loaded", "1")
    expect_timeline(page, ["report"])
    submit(page, "accept")
    expect_timeline(page, ["report", "accept"])
    page.select_option("#id_dispatch-department", str(department.pk))
    page.fill("#id_dispatch-note", "请三日内清运")
    submit(page, "dispatch")
    expect_timeline(page, ["report", "accept", "dispatch"])
    # Accepting is done; dispatching stays offered, as an official may override it.
    expect(page.locator("#action-accept")).to_have_count(0)

    # The department's handler starts and reports it handled, with a photo.
    switch_user(page, live_server, handler.username, case_path)
    submit(page, "start")
    expect_timeline(page, ["report", "accept", "dispatch", "start"])
    page.fill("#id_handle-note", "已清运完毕")
    page.set_input_files(
        "#id_handle-photo",
        files=[{"name": "after.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}],
    )
    submit(page, "handle")
    expect_timeline(page, ["report", "accept", "dispatch", "start", "handle"])
    thumbnail = page.locator(".case-photos img")
    expect(thumbnail).to_have_count(1)
    thumbnail.scroll_into_view_if_needed()  # the thumbnails load lazily
    page.wait_for_function(
        "image => image.complete && image.naturalWidth === 64", arg=thumbnail.element_handle()
    )

    # The official checks it and closes it.
    switch_user(page, live_server, cast.town_official.username, case_path)
    page.check("#id_verify-decision_0")
    submit(page, "verify")
    expect_timeline(page, ["report", "accept", "dispatch", "start", "handle", "verify"])
    expect(page.locator("#case-status")).to_have_attribute("class", "status-badge status-closed")
    expect(page.locator(".timeline-note").filter(has_text="已清运完毕")).to_have_count(1)
    # Only reopening is left to the official on a closed case.
    expect(page.locator(".case-actions form")).to_have_count(1)
    expect(page.locator("#action-reopen")).to_have_count(1)
    assert Incident.objects.get(pk=incident.pk).status == Incident.Status.CLOSED
    assert_fits_the_screen(page)
    assert page.problems == []


def test_the_queue_lists_the_towns_cases_and_filters_them(
    screenshot_on_failure, live_server, cast, ladder
):
    page = screenshot_on_failure
    page.set_viewport_size({"width": 1280, "height": 800})
    garbage = Category.objects.get(code="garbage")
    for grid, title in ((ladder.a1, "一网格垃圾"), (ladder.a3, "西山垃圾")):
        incident_report(
            actor=cast.town_official,
            category=garbage,
            title=title,
            description="垃圾",
            source=Incident.Source.HOTLINE,
            grid=grid,
        )
    queue_path = reverse("incidents:queue")

    log_in(page, live_server, cast.town_official.username, queue_path)
    expect(page.locator(".case-row")).to_have_count(2)
    page.select_option("#id_village", str(ladder.v2.pk))
    query = [(name, "") for name in ("q", "status", "category", "category_group")]
    query += [("village", ladder.v2.pk)]
    query += [(name, "") for name in ("grid", "region", "assigned_department", "level", "source")]
    query += [("supervised", ""), ("created_from", ""), ("created_to", "")]
    query += [(name, "") for name in ("closed_from", "closed_to", "accepted_from", "accepted_to")]
    query += [("outcome", ""), ("sort", "due")]
    page.evaluate("window.stayedOnPage = true")
    page.click(".queue-filter button[type=submit]")

    expect(page.locator(".case-row")).to_have_count(1)
    expect(page).to_have_url(f"{live_server.url}{queue_path}?{urlencode(query)}")
    assert page.evaluate("window.stayedOnPage") is True  # htmx swapped the queue in place
    expect(page.locator(".case-row")).to_contain_text("西山垃圾")
    expect(
        page.locator('.status-count[data-status="reported"] .status-count-number')
    ).to_have_text("1")
    page.click(".case-row th a")
    expect(page.locator("h1")).to_have_text("西山垃圾")
    assert page.problems == []
