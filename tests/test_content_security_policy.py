"""Content-Security-Policy (django-csp): scripts from the site's own files, or carrying the
request's nonce; the browser tests (tests/browser) fail on any violation in the console."""

import re

import pytest

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)([^>]*)>")


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


def _nonce(response) -> str:
    (nonce,) = [v for v in _policy(response)["script-src"] if v.startswith("'nonce-")]
    return nonce[len("'nonce-") : -1]


def _assert_every_inline_script_has_the_nonce(response):
    page = response.content.decode()
    for attributes in INLINE_SCRIPT.findall(page):
        assert f'nonce="{_nonce(response)}"' in attributes


def test_the_public_form_runs_no_inline_script_without_the_nonce(client, ladder):
    response = client.get("/request/")

    policy = _policy(response)
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert INLINE_SCRIPT.search(response.content.decode())  # the map's set-up, with its nonce
    _assert_every_inline_script_has_the_nonce(response)


def test_the_admin_map_widget_carries_the_nonce(client, cast, ladder):
    cast.admin.is_staff = True
    cast.admin.save(update_fields=["is_staff"])
    client.force_login(cast.admin)

    response = client.get(f"/admin/grids/grid/{ladder.a1.pk}/change/")

    assert response.status_code == 200
    _assert_every_inline_script_has_the_nonce(response)


def test_the_api_reference_starts_from_a_file(client, cast):
    client.force_login(cast.admin)

    response = client.get("/api/redoc/")

    assert response.status_code == 200
    _assert_every_inline_script_has_the_nonce(response)
