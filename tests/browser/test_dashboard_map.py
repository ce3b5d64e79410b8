"""The dashboard map in a real browser: the official sees clusters, zooms in by clicking
them until the cases show one by one, and lists a spot that holds many cases."""

import datetime

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from dashboard import maps
from incidents.models import Category, Incident
from tests.browser.pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SPOT = (121.0305, 28.0052)


def _cases(ladder) -> None:
    now = timezone.now()
    category = Category.objects.get(code="garbage")

    def case(code: str, grid, x: float, y: float) -> Incident:
        return Incident(
            code=code,
            title=f"案件 {code}",
            description="-",
            category=category,
            town=ladder.town,
            grid=grid,
            source=Incident.Source.PATROL,
            level=6,
            handling_region=grid.village,
            status="in_progress",
            created_at=now - datetime.timedelta(days=1),
            deadline=now + datetime.timedelta(days=1),
            location=Point(x, y, srid=4326),
        )

    rows = [
        case(f"A{g}{n:02d}", grid, west + 0.001 + (n % 8) * 0.001, 28.001 + (n // 8) * 0.002)
        for g, (grid, west) in enumerate(((ladder.a1, 121.00), (ladder.a2, 121.01)))
        for n in range(24)
    ]
    rows += [case(f"S{n:02d}", ladder.a3, *SPOT) for n in range(15)]
    Incident.objects.bulk_create(rows)


def _click_and_wait(page: Page, target) -> None:
    """Click a cluster and wait until the map has drawn the view it zoomed to."""
    drawn = page.locator("#dashmap").get_attribute("data-drawn")
    target.click()
    page.wait_for_function(
        "drawn => document.getElementById('dashmap').dataset.drawn !== drawn", arg=drawn
    )


def _zoom_by_clusters(page: Page, pick) -> None:
    """Click the cluster ``pick`` chooses from the counts of the clusters in sight (a popup
    may have panned some out of the map's frame) until the cases show one by one."""
    for _ in range(15):
        if page.locator("#dashmap").get_attribute("data-kind") == "points":
            return
        frame = page.locator("#dashmap").bounding_box()
        in_sight = []
        for cluster in page.locator("#dashmap .map-cluster").all():
            box = cluster.bounding_box()
            if box is None:  # redrawn meanwhile
                continue
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            if (
                frame["x"] + 40 < x < frame["x"] + frame["width"] - 40
                and frame["y"] + 40 < y < frame["y"] + frame["height"] - 40
            ):
                in_sight.append(cluster)
        counts = [int(cluster.inner_text()) for cluster in in_sight]
        _click_and_wait(page, in_sight[pick(counts)])
    raise AssertionError("the clusters never opened")


def test_the_official_zooms_from_clusters_to_cases_and_lists_a_crowded_spot(
    watched_page: Page, live_server, cast, ladder, monkeypatch
):
    monkeypatch.setattr(maps, "POINT_LIMIT", 10)
    monkeypatch.setattr(maps, "LIST_PAGE_SIZE", 10)
    _cases(ladder)
    page = watched_page
    page.set_viewport_size({"width": 1280, "height": 900})
    home = reverse("dashboard:home")

    log_in(page, live_server, cast.town_official.username, home)
    mapped = page.locator("#dashmap")
    expect(mapped).to_have_attribute("data-kind", "clusters")
    expect(mapped).to_have_attribute("data-loaded", "63")
    expect(page.locator("#dash-map-status")).to_contain_text("63")
    mapped.scroll_into_view_if_needed()
    page.screenshot(path="var/test-results/dashboard-map-clusters.png")

    # The crowded spot: its cases share one point, so its cluster lists them, ten at a time.
    spot = page.locator("#dashmap .map-cluster", has_text="15")
    spot.click()
    listed = page.locator(".map-case-list li")
    expect(listed).to_have_count(10)
    page.locator(".map-case-list button").click()
    expect(listed).to_have_count(15)
    expect(page.locator(".map-case-list button")).to_have_count(0)
    expect(listed.first.locator("a")).to_have_text("S00")
    page.screenshot(path="var/test-results/dashboard-map-list.png")
    page.locator(".leaflet-popup-close-button").click()
    # The popup panned the map to show itself: let the view it moved to load.
    page.wait_for_timeout(400)
    page.wait_for_load_state("networkidle")

    # Any other cluster zooms in on a click, until the cases show one by one.
    _zoom_by_clusters(
        page, lambda counts: next(n for n, count in enumerate(counts) if 1 < count < 15)
    )
    expect(mapped).to_have_attribute("data-kind", "points")
    cases = page.locator("#dashmap path.map-case")
    expect(cases.first).to_be_visible()
    cases.first.click(force=True)
    expect(page.locator(".leaflet-popup-content a")).to_contain_text("A")
    mapped.scroll_into_view_if_needed()
    page.screenshot(path="var/test-results/dashboard-map-points.png")
    assert page.problems == []
