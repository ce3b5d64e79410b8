"""A resident about to report a problem already reported nearby: the form suggests the
case as the place is marked, and the resident follows it instead of sending a copy."""

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse
from playwright.sync_api import expect

from incidents.models import Category, Incident, IncidentFollower
from incidents.services.reporting import incident_report
from tests.browser.pages import click_inside_grid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_follows_a_suggested_case_instead_of_reporting_it_again(
    page_on_phone,
    live_server,
    cast,
    ladder,
):
    page = page_on_phone
    garbage = Category.objects.get(code="garbage")
    existing = incident_report(
        actor=None,
        category=garbage,
        title="村口垃圾堆放",
        description="门口的垃圾三天没人收（王阿姨 13800001111）",
        source=Incident.Source.RESIDENT,
        location=Point(121.005, 28.005, srid=4326),
        reporter_name="王阿姨",
        reporter_phone="13800001111",
    )
    # A grid member's patrol finding at the same spot is not offered to the public.
    internal = incident_report(
        actor=cast.member,
        category=garbage,
        title="家庭矛盾调解",
        description="内部记录",
        source=Incident.Source.PATROL,
        location=Point(121.0051, 28.0051, srid=4326),
    )
    page.goto(f"{live_server.url}{reverse('public:new')}")
    expect(page.locator("#portalmap")).to_have_attribute("data-ready", "true")

    page.fill("#id_reporter_name", "李阿姨")
    page.fill("#id_reporter_phone", "13900002222")
    page.select_option("#id_category", label=garbage.name)
    click_inside_grid(page, 0)

    suggestion = page.locator(f".suggestion[data-code='{existing.code}']")
    expect(suggestion).to_be_visible()
    expect(suggestion).to_contain_text("村口垃圾堆放")
    suggestions = page.locator("#duplicate-suggestions")
    for private in ("王阿姨", "13800001111", "138****1111", internal.code, internal.title):
        expect(suggestions).not_to_contain_text(private)
    suggestion.locator("button").click()

    expect(page).to_have_url(f"{live_server.url}{reverse('public:joined')}")
    expect(page.locator("#tracking-code")).to_have_text(existing.code)
    assert Incident.objects.count() == 2  # the two above: nothing new was filed
    assert IncidentFollower.objects.get(incident=existing).phone_masked == "139****2222"
    assert page.problems == []
