"""Every page at 360 px, the narrowest phone the platform is built for, in Chinese and in
English: nothing wider than the screen (no sideways scrolling), every field has a label a
screen reader announces, and the page meets no error. One test per kind of user and
language, walking the pages that user works with.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from incidents.models import Category, Incident
from incidents.services.reporting import incident_report
from tests.browser.pages import assert_fits_the_screen, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Visible fields whose label is missing: no <label for>, no wrapping <label>, no aria-label(ledby).
UNLABELLED = """() => [...document.querySelectorAll("input, select, textarea")]
  .filter((f) => !["hidden", "submit", "button"].includes(f.type) && f.offsetParent !== null)
  .filter((f) => !(f.labels && f.labels.length) && !f.getAttribute("aria-label")
                 && !f.getAttribute("aria-labelledby"))
  .map((f) => f.name || f.id || f.outerHTML.slice(0, 80))"""


@pytest.fixture(params=["zh-CN", "en"])
def narrow(watched_page: Page, request) -> Page:
    """360 px, in Chinese (the default, with real CJK glyph widths) and in English."""
    watched_page.set_viewport_size({"width": 360, "height": 740})
    watched_page.set_extra_http_headers({"Accept-Language": request.param})
    watched_page.expected_lang = {"zh-CN": "zh-hans", "en": "en"}[request.param]
    return watched_page


def walk(page: Page, base: str, paths: list[str]) -> dict[str, object]:
    """Visit each page; return what is wrong with each, by path."""
    wrong = {}
    for path in paths:
        page.goto(f"{base}{path}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.lang") == page.expected_lang, path
        try:
            assert_fits_the_screen(page)
            overflow = None
        except AssertionError as error:
            overflow = str(error)
        unlabelled = page.evaluate(UNLABELLED)
        if overflow or unlabelled:
            wrong[path] = {"overflow": overflow, "unlabelled": unlabelled}
    return wrong


def a_case(cast, ladder) -> Incident:
    return incident_report(
        actor=cast.member,
        category=Category.objects.get(code="garbage"),
        title="垃圾堆放",
        description="村口垃圾堆放三天无人清理",
        source=Incident.Source.PATROL,
        grid=ladder.a1,
    )


def test_the_public_pages_fit_360_px(narrow, live_server):
    paths = [reverse("login"), reverse("public:new"), reverse("public:track")]

    assert walk(narrow, live_server.url, paths) == {}
    assert narrow.problems == []


def test_a_grid_members_pages_fit_360_px(narrow, live_server, cast, ladder):
    case = a_case(cast, ladder)
    log_in(narrow, live_server, cast.member.username, reverse("members:workspace"))
    narrow.wait_for_url(f"{live_server.url}{reverse('members:workspace')}")
    paths = [
        reverse("members:workspace"),
        reverse("members:patrol"),
        reverse("incidents:quick_report"),
        reverse("members:households"),
        reverse("members:household", args=[cast.resident_record.household.pk]),
        reverse("members:household_edit", args=[cast.resident_record.household.pk]),
        reverse(
            "members:resident_edit",
            args=[cast.resident_record.household.pk, cast.resident_record.pk],
        ),
        reverse("members:household_visit", args=[cast.resident_record.household.pk]),
        reverse("members:notifications"),
        reverse("incidents:detail", args=[case.pk]),
        reverse("password_change"),
    ]

    assert walk(narrow, live_server.url, paths) == {}
    assert narrow.problems == []


def test_a_town_officials_pages_fit_360_px(narrow, live_server, cast, ladder):
    case = a_case(cast, ladder)
    log_in(narrow, live_server, cast.town_official.username, reverse("incidents:queue"))
    narrow.wait_for_url(f"{live_server.url}{reverse('incidents:queue')}")
    paths = [
        reverse("incidents:queue"),
        reverse("incidents:detail", args=[case.pk]),
        reverse("dashboard:home"),
        reverse("grids:map"),
        reverse("surveys:list"),
        reverse("members:resident_list"),
    ]

    assert walk(narrow, live_server.url, paths) == {}
    assert narrow.problems == []
