"""Two-factor sign-in (TOTP) for the accounts that can reveal personal data or administer
the platform, required when TWO_FACTOR_REQUIRED is on; recovery codes work once each."""

import re
import time

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from members.services.two_factor import needs_two_factor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _required(settings):
    settings.TWO_FACTOR_REQUIRED = True


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, 0):06d}"


def _signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _set_up(client) -> list[str]:
    client.get("/accounts/two-factor/setup/")
    device = TOTPDevice.objects.get(confirmed=False)
    page = client.post("/accounts/two-factor/setup/", {"token": _code(device), "next": "/"})
    assert page.status_code == 200
    return re.findall(r"<li><code>(\w+)</code></li>", page.content.decode())


def test_who_needs_a_second_factor(cast):
    assert needs_two_factor(cast.town_official)
    assert needs_two_factor(cast.leader)  # may reveal a phone
    assert needs_two_factor(cast.admin)
    assert not needs_two_factor(cast.member)
    assert not needs_two_factor(cast.resident)


def test_an_official_is_sent_to_set_up_and_reaches_nothing_before(cast):
    client = _signed_in(cast.town_official)

    response = client.get("/members/residents/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/setup/")


def test_setting_up_shows_recovery_codes_once_and_opens_the_pages(cast):
    client = _signed_in(cast.town_official)

    codes = _set_up(client)

    assert len(codes) == 10
    assert client.get("/members/residents/").status_code == 200


def test_a_wrong_code_is_refused(cast):
    client = _signed_in(cast.town_official)
    client.get("/accounts/two-factor/setup/")

    response = client.post("/accounts/two-factor/setup/", {"token": "000000"})

    assert response.status_code == 400
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def test_the_next_sign_in_asks_for_a_code_and_a_recovery_code_works_once(cast):
    codes = _set_up(_signed_in(cast.town_official))
    client = _signed_in(cast.town_official)

    asked = client.get("/members/residents/")
    used = client.post("/accounts/two-factor/", {"token": codes[0], "next": "/members/residents/"})
    again = _signed_in(cast.town_official).post("/accounts/two-factor/", {"token": codes[0]})

    assert asked["Location"].startswith("/accounts/two-factor/?next=")
    assert used.status_code == 302
    assert client.get("/members/residents/").status_code == 200
    assert again.status_code == 400


def test_the_authenticator_code_signs_in(cast):
    _set_up(_signed_in(cast.town_official))
    device = TOTPDevice.objects.get(confirmed=True)
    device.last_t = int(time.time()) // device.step - 2  # the set-up used the current step
    device.save(update_fields=["last_t"])
    client = _signed_in(cast.town_official)

    response = client.post("/accounts/two-factor/", {"token": _code(device), "next": "/"})

    assert response.status_code == 302


def test_a_grid_member_is_not_asked(cast):
    client = _signed_in(cast.member)

    assert client.get("/members/workspace/").status_code == 200
