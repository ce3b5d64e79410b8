"""Sign-in throttling (django-axes, counted in the shared cache): wrong passwords pause the
account from that address, the right one is then refused too, in Chinese, until the
cool-off ends or a platform administrator unlocks it."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"


def _sign_in(client, username, password, ip="10.1.1.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def locked(cast):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "official_s", "wrong-password")
    return client


def test_wrong_passwords_lock_the_account_and_the_right_one_is_refused(locked):
    response = _sign_in(locked, "official_s", PASSWORD)

    assert response.status_code == 429
    assert not _signed_in(locked)
    assert "登录已暂停" in response.content.decode()


def test_the_failures_are_counted_in_the_shared_cache(locked):
    """In Redis, where every worker process reads them (not in one process's memory)."""
    redis = cache._cache.get_client()

    assert settings.AXES_HANDLER == "axes.handlers.cache.AxesCacheHandler"
    assert redis.keys("*axes*")


def test_another_account_from_another_address_signs_in(locked):
    client = Client()

    _sign_in(client, "official_r", PASSWORD, ip="10.2.2.2")

    assert _signed_in(client)


def test_a_platform_administrator_unlocks_the_account(locked, cast):
    admin = Client()
    admin.force_login(cast.admin)

    answer = admin.post(
        reverse("members:account_unlock"), {"username": "official_s", "ip_address": "10.1.1.1"}
    )
    response = _sign_in(locked, "official_s", PASSWORD)

    assert answer.status_code == 302
    assert response.status_code == 302
    assert _signed_in(locked)


def test_only_platform_administrators_unlock(locked, cast):
    official = Client()
    official.force_login(cast.other_official)

    answer = official.post(reverse("members:account_unlock"), {"username": "official_s"})

    assert answer.status_code == 403
    assert _sign_in(locked, "official_s", PASSWORD).status_code == 429
