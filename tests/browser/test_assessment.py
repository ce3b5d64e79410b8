"""A county official opens last month's assessment bulletin, in Chinese at desktop size, and
looks at it as it prints. Screenshots go to var/test-results/journeys/county/."""

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from assessment.services import assessment_month_close
from tests.assessment.conftest import OCTOBER, october, scheme  # noqa: F401 - fixtures
from tests.browser.pages import assert_fits_the_screen, journey_shot
from tests.conftest import NOW, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.usefixtures("october", "scheme")
def test_a_county_official_reads_last_months_bulletin(watched_page, live_server, cast, ladder):
    with translation.override("zh-hans"):
        bulletin = assessment_month_close(county=ladder.county, month=OCTOBER, now=NOW)
    page = watched_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_extra_http_headers({"Accept-Language": "zh-CN,zh;q=0.9"})
    index = reverse("assessment:index")
    page.goto(f"{live_server.url}{reverse('login')}?next={index}")
    page.fill("#id_username", cast.county_official.username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")

    expect(page).to_have_url(f"{live_server.url}{index}")
    expect(page.locator("h1")).to_have_text("月度考核 · 温岭市")
    journey_shot(page, "county", "1-assessment")

    page.click("#assess-bulletins a:has-text('2026-10')")
    expect(page).to_have_url(
        f"{live_server.url}{reverse('assessment:bulletin', args=[bulletin.pk])}"
    )
    expect(page.locator("h1")).to_have_text("温岭市 2026年10月考核通报")
    expect(page.locator("#assess-towns tbody tr").first).to_have_attribute("data-name", "箬横镇")
    expect(page.locator(".assess-bottom")).to_contain_text("石塘镇")
    expect(page.locator("#assess-towns tr.assess-is-bottom")).to_have_attribute(
        "data-name", "石塘镇"
    )
    expect(page.locator("#assess-departments")).to_contain_text("城管中队")
    assert_fits_the_screen(page)
    journey_shot(page, "county", "2-bulletin")

    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".assess-actions")).to_be_hidden()
    journey_shot(page, "county", "3-bulletin-print")

    page.emulate_media(media="screen")
    page.goto(f"{live_server.url}{index}")
    page.click(f"a[href='{reverse('assessment:scheme')}']")
    page.fill("#id_response_weight", "20")
    page.fill("#id_note", "提高响应率权重")
    page.click("main form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("已保存为第 3 版")
    expect(page.locator("h1")).to_contain_text("考核方案")
    assert_fits_the_screen(page)
    journey_shot(page, "county", "4-scheme")
    assert page.problems == []
