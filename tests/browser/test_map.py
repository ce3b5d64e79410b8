"""The map in a real browser: Debian's Chromium driven by Playwright, no internet.

Every request that is not to the live server is aborted and recorded (the ``watched_page``
of tests/browser/conftest.py), so a CDN link or a tile server that leaks into a page fails
the test.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.pages import assert_fits_the_screen, log_in

# The live server needs committed data, so these tests are transactional (tests/conftest.py
# puts the data migrations' rows back after each flush).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
