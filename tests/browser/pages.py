"""What the browser tests do on a page: log in, check that it fits the screen, click on the
map. The fixtures that give them a page are in tests/browser/conftest.py."""

from pathlib import Path

from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.conftest import PASSWORD

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


def click_inside_grid(page: Page, index: int) -> None:
    """Click the middle of a grid outline drawn on the map (outlines do not take clicks)."""
    outline = page.locator("#portalmap path.grid-outline").nth(index)
    expect(outline).to_be_visible()
    page.locator("#portalmap").scroll_into_view_if_needed()
    box = outline.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def journey_shot(page: Page, journey: str, step: str) -> Path:
    """A screenshot of a step of a role's day, under var/test-results/journeys/: the
    pictures a reviewer looks at (the folder is emptied by ``make test``)."""
    folder = Path(settings.BASE_DIR) / "var" / "test-results" / "journeys" / journey
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{step}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
