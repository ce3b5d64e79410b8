"""/healthz against the real PostGIS database and Redis broker."""

import time

import pytest
from django.db import connections
from django.test import Client, override_settings

from grid_platform import celery_app

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def unreachable_broker():
    """Point the Celery app at a port where nothing listens, then put it back."""
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = CLOSED_PORT_BROKER
    yield
    celery_app.conf.broker_url = original


def test_healthz_answers_200_when_database_and_broker_answer(db, client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "broker": True}


def test_healthz_is_never_cached(db, client):
    response = client.get("/healthz")

    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_quickly_when_the_broker_is_unreachable(
    db, client, unreachable_broker
):
    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started

    assert celery_app.conf.broker_url == CLOSED_PORT_BROKER
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": True, "broker": False}
    assert elapsed < 3.0


@pytest.fixture
def unreachable_database(db):
    """Swap the default connection for one aimed at a closed port, then put it back.

    The test's own connection, with its open transaction, is left untouched.
    """
    test_connection = connections["default"]
    unreachable = type(test_connection)({**test_connection.settings_dict, "PORT": 1}, "default")
    connections["default"] = unreachable
    yield
    connections["default"] = test_connection
    unreachable.close()


def test_healthz_answers_503_when_the_database_is_unreachable(unreachable_database, client):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": False, "broker": True}


def test_healthz_answers_plain_http_while_the_rest_redirects_to_https(db):
    with override_settings(SECURE_SSL_REDIRECT=True):
        plain_http = Client()
        health = plain_http.get("/healthz")
        login = plain_http.get("/accounts/login/")

    assert health.status_code == 200
    assert login.status_code == 301
    assert login["Location"] == "https://testserver/accounts/login/"
