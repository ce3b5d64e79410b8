"""The map in a real browser: Debian's Chromium driven by Playwright, no internet.

Every request that is not to the live server is aborted and recorded, so a CDN link or
a tile server that leaks into a page fails the test.
"""

from urllib.parse import urlparse

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.conftest import PASSWORD

# The live server needs committed data, so these tests are transactional (tests/conftest.py
# puts the data migrations' rows back after each flush).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture
def watched_page(page: Page):
    """The page, with outside requests aborted and every error the page meets recorded."""
    problems = []

    def only_local(route):
        url = urlparse(route.request.url)
        if url.scheme in ("data", "blob") or url.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            problems.append(f"outside request: {route.request.url}")
            route.abort()

    page.route("**/*", only_local)
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    # A request that a navigation cancels (ERR_ABORTED: a fetch still running when the test
    # moves to the next page) is not a fault of the page; any other failure is.
    page.on(
        "requestfailed",
        lambda request: (
            problems.append(f"failed: {request.url} ({request.failure})")
            if request.failure != "net::ERR_ABORTED"
            else None
        ),
    )
    page.on(
        "response",
        lambda response: (
            problems.append(f"HTTP {response.status}: {response.url}")
            if response.status >= 400
            else None
        ),
    )
    page.problems = problems
    return page


STICKING_OUT = """() => [...document.querySelectorAll("body *")]
  .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
  .filter((e) => !e.closest(".leaflet-container") || e.classList.contains("leaflet-container"))
  .slice(0, 8)
  .map((e) => `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}.${[...e.classList].join(".")}`
              + ` right=${Math.round(e.getBoundingClientRect().right)}`)"""


def assert_fits_the_screen(page: Page) -> None:
    """Nothing wider than the screen: no sideways scrolling. Layout may still settle (fonts,
    images, the map), so it waits up to five seconds; then it names what sticks out."""
    try:
        page.wait_for_function(
            "document.documentElement.scrollWidth <= window.innerWidth", timeout=5000
        )
    except PlaywrightTimeoutError:
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        raise AssertionError(
            f"page {page.url} is {width[0]} px wide on a {width[1]} px screen; sticking out: "
            f"{page.evaluate(STICKING_OUT)}"
        ) from None


def log_in(page: Page, live_server, username: str, next_path: str) -> None:
    page.goto(f"{live_server.url}{next_path}")
    expect(page).to_have_url(f"{live_server.url}{reverse('login')}?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)], ids=["phone", "desktop"])
def test_a_town_official_sees_the_towns_grids_on_the_map(
    watched_page, live_server, cast, width, height
):
    page = watched_page
    page.set_viewport_size({"width": width, "height": height})
    map_path = reverse("grids:map")

    log_in(page, live_server, cast.town_official.username, map_path)

    expect(page).to_have_url(f"{live_server.url}{map_path}")
    polygons = page.locator("#gridmap path.leaflet-interactive")
    expect(polygons).to_have_count(3)
    expect(page.locator("#gridmap")).to_have_attribute("data-loaded", "3")
    assert page.evaluate("window.L && L.version") == "1.9.3"
    map_box = page.locator("#gridmap").bounding_box()
    assert map_box["height"] >= 300
    for box in (polygons.nth(i).bounding_box() for i in range(3)):
        assert (
            map_box["x"] <= box["x"] <= box["x"] + box["width"] <= map_box["x"] + map_box["width"]
        )
        assert (
            map_box["y"]
            <= box["y"]
            <= box["y"] + box["height"]
            <= map_box["y"] + map_box["height"]
        )
    assert_fits_the_screen(page)
    assert page.problems == []


def test_clicking_a_grid_opens_its_facts(watched_page, live_server, cast, ladder):
    page = watched_page
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, cast.member.username, reverse("grids:map"))
    polygons = page.locator("#gridmap path.leaflet-interactive")
    expect(polygons).to_have_count(1)

    polygons.first.click()

    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(ladder.a1.name)
    expect(popup).to_contain_text(ladder.a1.code)
    expect(popup).to_contain_text(ladder.v1.name)
    assert page.problems == []
