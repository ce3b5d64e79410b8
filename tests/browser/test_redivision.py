"""A town official, in Chinese at desktop size, opens the workload per grid from the
dashboard, finds the overloaded grid highlighted, asks for a split, sees the grid and its
two halves on the map (no tiles), places each member and accepts. Screenshots go to
var/test-results/journeys/redivision/."""

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from grids.models import Grid
from members.models import GridSplitProposal
from tests.browser.pages import journey_shot
from tests.conftest import PASSWORD
from tests.members.redivision import overload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_official_splits_an_overloaded_grid_from_the_workload_page(
    watched_page, live_server, cast, ladder
):
    grid = overload(ladder)
    page = watched_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_extra_http_headers({"Accept-Language": "zh-CN,zh;q=0.9"})
    with translation.override("zh-hans"):
        page.goto(f"{live_server.url}{reverse('login')}?next={reverse('dashboard:home')}")
        page.fill("#id_username", cast.town_official.username)
        page.fill("#id_password", PASSWORD)
        page.click("main form button[type=submit]")
        page.click("#dash-workload-link")

        expect(page.locator("h1")).to_contain_text("各网格工作量")
        row = page.locator("#workload-table tr.workload-overloaded")
        expect(row).to_have_count(1)
        expect(row).to_contain_text(grid.name)
        expect(row).to_contain_text("2.50")
        journey_shot(page, "redivision", "1-workload")
        row.get_by_role("button", name="提出拆分方案").click()

        proposal = GridSplitProposal.objects.get()
        expect(page).to_have_url(f"{live_server.url}{proposal.get_absolute_url()}")
        expect(page.locator("h1")).to_contain_text("拆分方案")
        expect(page.locator("#splitmap[data-loaded='1']")).to_be_visible()
        expect(page.locator("#splitmap path.split-half")).to_have_count(2)
        expect(page.locator("#splitmap path.split-old")).to_have_count(1)
        expect(page.locator("#split-halves")).to_contain_text(proposal.first_code)
        expect(page.locator("#split-halves")).to_contain_text("50")
        journey_shot(page, "redivision", "2-proposal")

        page.select_option(f"#id_member_{cast.member.grid_member.pk}", "first")
        page.select_option(f"#id_member_{cast.leader.grid_member.pk}", "both")
        page.get_by_role("button", name="接受拆分").click()

        expect(page.locator("#split-status")).to_contain_text("已接受")
        expect(page.locator("#split-result")).to_contain_text(proposal.second_code)
        journey_shot(page, "redivision", "3-accepted")
    assert page.problems == []
    assert not Grid.objects.get(pk=grid.pk).is_active
    assert Grid.objects.get(code=proposal.first_code).households == 50
