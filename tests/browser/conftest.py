"""Fixtures of the browser tests: Debian's Chromium through Playwright, no internet.

``browser_type_launch_args`` (tests/conftest.py) starts Debian's Chromium; ``watched_page``
aborts every request that is not to the live server and records what goes wrong. The
helpers the tests call are in tests/browser/pages.py.
"""

from urllib.parse import urlparse

import pytest
from django.core.cache import cache
from playwright.sync_api import Page

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


@pytest.fixture
def page_on_phone(watched_page: Page):
    """The watched page at 390×844 (a failure's screenshot: pytest-playwright, pyproject)."""
    cache.clear()
    watched_page.set_viewport_size({"width": 390, "height": 844})
    yield watched_page
    cache.clear()
