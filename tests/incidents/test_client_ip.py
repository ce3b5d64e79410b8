"""The client address behind a known number of reverse proxies (TRUSTED_PROXY_HOPS)."""

import pytest
from django.test import RequestFactory

from core.ratelimit import client_ip


def request_from(remote_addr: str, forwarded_for: str | None = None):
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **headers)


def test_without_proxies_the_header_is_the_clients_claim_and_ignored(settings):
    settings.TRUSTED_PROXY_HOPS = 0

    assert client_ip(request_from("198.51.100.1", "203.0.113.7")) == "198.51.100.1"


@pytest.mark.parametrize(
    ("hops", "forwarded_for", "client"),
    [
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "10.9.9.9, 203.0.113.7", "203.0.113.7"),
        (2, "10.9.9.9, 203.0.113.7, 192.0.2.10", "203.0.113.7"),
        (1, " 10.9.9.9 ,  203.0.113.7 ", "203.0.113.7"),
    ],
)
def test_behind_proxies_the_client_is_as_many_entries_from_the_right(
    settings, hops, forwarded_for, client
):
    settings.TRUSTED_PROXY_HOPS = hops

    assert client_ip(request_from("127.0.0.1", forwarded_for)) == client


@pytest.mark.parametrize("forwarded_for", [None, "", "203.0.113.7"])
def test_a_header_shorter_than_the_proxy_chain_falls_back_to_the_peer(settings, forwarded_for):
    settings.TRUSTED_PROXY_HOPS = 2

    assert client_ip(request_from("127.0.0.1", forwarded_for)) == "127.0.0.1"
