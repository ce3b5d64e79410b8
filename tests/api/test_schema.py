"""The OpenAPI schema validates and describes every route; its readers need no internet;
token and session authentication both work."""

import re

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_the_schema_validates_against_openapi_3():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert "/api/cases/{id}/dispatch/" in schema["paths"]


def test_the_schema_is_public_and_served_as_json():
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    assert "/api/grids/" in response.json()["paths"]


def test_every_step_documents_its_refusals():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    for step in ("accept", "reject", "dispatch", "verify", "merge", "evaluate"):
        responses = schema["paths"][f"/api/cases/{{id}}/{step}/"]["post"]["responses"]
        assert {"200", "400", "403", "404", "409"} <= set(responses)


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_the_readers_load_only_local_files(url):
    response = Client().get(url)

    page = response.content.decode()
    assert response.status_code == 200
    external = re.findall(r"""(?:src|href)=["'](https?:)?//""", page)
    assert external == []
    assert "/static/drf_spectacular_sidecar/" in page


def test_a_token_authenticates(cast):
    token = Token.objects.create(user=cast.town_official)
    client = APIClient()

    signed = client.get("/api/cases/", HTTP_AUTHORIZATION=f"Token {token.key}")
    wrong = client.get("/api/cases/", HTTP_AUTHORIZATION="Token nope")

    assert signed.status_code == 200
    assert wrong.status_code == 401


def test_a_session_authenticates(cast):
    client = APIClient()
    client.force_login(cast.town_official)

    assert client.get("/api/cases/").status_code == 200
