import pytest
from rest_framework.test import APIClient

from tests.incidents.conftest import category, department, handler, report  # noqa: F401


@pytest.fixture
def api():
    """api(user) → a client signed in as the user (None: anonymous), asking for English
    (the tests assert English messages; the platform's default is Chinese)."""

    def _client(user) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        if user is not None:
            client.force_authenticate(user)
        return client

    return _client
