"""The demo county's official opens the cockpit, in Chinese at desktop size: a row per town
of the demo county, the recurring problems, the heat map drawn from our own GeoJSON (no
tiles), the breakdowns; a count opens its cases in the queue. The screenshot goes to
var/test-results/journeys/county/."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from grids.models import Grid
from incidents.models import Incident
from tests.browser.pages import assert_fits_the_screen, journey_shot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_county(transactional_db):
    """The default demo county (three towns), smaller: 12 grids a town, few households."""
    call_command(
        "seed_demo",
        "--grids-per-town",
        "12",
        "--households-per-grid",
        "2",
        "--password",
        PASSWORD,
        verbosity=0,
        stdout=StringIO(),
    )


def test_the_demo_county_official_opens_the_cockpit(watched_page, live_server, demo_county):
    page = watched_page
    page.set_viewport_size({"width": 1440, "height": 900})
    page.set_extra_http_headers({"Accept-Language": "zh-CN,zh;q=0.9"})
    cockpit = reverse("dashboard:cockpit")
    with translation.override("zh-hans"):
        page.goto(f"{live_server.url}{reverse('login')}?next={cockpit}")
        page.fill("#id_username", "demo_county")
        page.fill("#id_password", PASSWORD)
        page.click("main form button[type=submit]")

        expect(page).to_have_url(f"{live_server.url}{cockpit}")
        expect(page.locator("h1")).to_contain_text("驾驶舱 · 温岭市")
        rows = page.locator("#ck-units tbody tr th[scope=row]")
        expect(rows).to_have_text(["石塘镇", "箬横镇", "松门镇", "温岭市"])
        expect(page.locator("#ck-sources")).to_contain_text("12345")
        grids = Grid.objects.filter(is_active=True).count()
        expect(page.locator("#ckmap")).to_have_attribute("data-loaded", str(grids))
        expect(page.locator("#ckmap path.leaflet-interactive")).to_have_count(grids)
        expect(page.locator("#ck-legend i").first).to_be_visible()
        journey_shot(page, "county", "1-cockpit")

        received = page.locator("#ck-units tr.ck-total td[data-indicator=received] .ck-now a")
        count = int(received.inner_text())
        assert count == Incident.objects.filter(created_at__gte=_month_start()).count()
        received.click()
        queue = re.escape(f"{live_server.url}{reverse('incidents:queue')}?")
        expect(page).to_have_url(re.compile(f"^{queue}.*created_from="))
    assert page.problems == []


def _month_start():
    return timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def test_the_cockpit_fits_a_phone(watched_page, live_server, demo_county):
    page = watched_page
    page.set_viewport_size({"width": 360, "height": 740})
    page.set_extra_http_headers({"Accept-Language": "zh-CN,zh;q=0.9"})
    cockpit = reverse("dashboard:cockpit")
    page.goto(f"{live_server.url}{reverse('login')}?next={cockpit}")
    page.fill("#id_username", "demo_county")
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")

    expect(page).to_have_url(f"{live_server.url}{cockpit}")
    expect(page.locator("#ckmap")).to_have_attribute("data-loaded", re.compile(r"^\d+$"))
    assert_fits_the_screen(page)
    journey_shot(page, "county", "2-cockpit-phone")
    assert page.problems == []
