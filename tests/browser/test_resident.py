"""A resident on a phone: a request with a missing field, then a complete one placed on
the map, the tracking code, and the progress page. No account, no internet, no tiles."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from playwright.sync_api import expect

from incidents.models import CallBack, Category, Incident
from incidents.services.transitions import (
    incident_accept,
    incident_dispatch,
    incident_handle,
    incident_start,
    incident_verify,
)
from tests.browser.pages import assert_fits_the_screen, click_inside_grid, journey_shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESCRIPTION = "东山村村口的垃圾堆了三天没人清理，气味很大"


def test_a_resident_reports_a_problem_and_follows_it(page_on_phone, live_server, cast, ladder):
    """In Chinese, as a resident reads it; each step's screenshot is kept (journey_shot)."""
    page_on_phone.set_extra_http_headers({"Accept-Language": "zh-CN,zh;q=0.9"})
    with translation.override("zh-hans"):
        _walk(page_on_phone, live_server, cast, ladder)


def _walk(page, live_server, cast, ladder):
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

    journey_shot(page, "resident", "1-sent")

    # Follow it through the bookmarkable tracking link: no phone asked.
    page.click("#tracking-link")
    expect(page.locator("#case-status")).to_have_text(incident.get_status_display())
    expect(page.locator(".portal-timeline li")).to_have_count(1)
    expect(page.locator(".portal-timeline")).to_contain_text(_("Your request was received"))
    assert_fits_the_screen(page)
    journey_shot(page, "resident", "2-progress")

    # The town accepts it, a department handles it with a note, the grid closes it: the
    # resident reads the offices that acted and the result before rating it "不满意".
    accepted = incident_accept(actor=cast.town_official, incident=incident)
    incident_start(
        actor=cast.member,
        incident=incident_dispatch(
            actor=cast.town_official, incident=accepted, user=cast.member, department=None
        ),
    )
    incident = incident_handle(actor=cast.member, incident=incident, note="垃圾已清运，已消毒")
    incident_verify(actor=cast.leader, incident=incident, passed=True)
    page.reload()
    expect(page.locator(".portal-result")).to_contain_text("垃圾已清运，已消毒")
    centre = _("%(region)s social governance centre") % {"region": ladder.town.name}
    expect(page.locator(".portal-timeline")).to_contain_text(centre)
    page.check("input[name=satisfaction][value=dissatisfied]")
    journey_shot(page, "resident", "3-result-and-rating")
    page.click(".stacked-form button[type=submit]")
    incident.refresh_from_db()
    expect(page.locator("#case-status")).to_have_text(incident.get_status_display())
    assert CallBack.objects.get().incident == incident
    journey_shot(page, "resident", "4-rated")
    assert page.problems == []


OVERLAPS = """() => {
  const shown = (selector) => [...document.querySelectorAll(`#portalmap ${selector}`)]
    .filter((label) => getComputedStyle(label).display !== "none" && label.offsetWidth > 0)
    .map((label) => ({ text: label.textContent, box: label.getBoundingClientRect() }));
  const grids = shown(".grid-label"), villages = shown(".village-label");
  const meet = (a, b) =>
    a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  return {
    grids: grids.length,
    overlaps: villages.flatMap((v) => grids.filter((g) => meet(v.box, g.box))
      .map((g) => `${v.text} / ${g.text}`)),
  };
}"""


def test_on_the_phone_map_no_village_name_covers_a_grid_name(page_on_phone, live_server, ladder):
    """Stop 23's walk (resident-4-form-filled.png): zoomed in, a village's name lay over
    the name of one of its grids. Once grid names show, the village names give way."""
    page = page_on_phone
    page.goto(f"{live_server.url}{reverse('public:new')}")
    expect(page.locator("#portalmap")).to_have_attribute("data-ready", "true")
    zoom_in = page.locator("#portalmap .leaflet-control-zoom-in")
    for _click in range(8):
        if page.locator("#portalmap.grid-labels-hidden").count() == 0:
            break
        zoom_in.click()
        page.wait_for_timeout(400)
    expect(page.locator("#portalmap")).not_to_have_class("grid-labels-hidden")
    page.locator("#portalmap").scroll_into_view_if_needed()
    found = page.evaluate(OVERLAPS)

    assert found["grids"] > 0
    assert found["overlaps"] == []
    journey_shot(page, "resident", "map-zoomed-in")
