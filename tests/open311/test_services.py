"""GET /open311/v2/discovery, services and service definitions, in JSON and XML."""

import pytest

from incidents.models import Category
from tests.open311.xml import parse_xml

pytestmark = pytest.mark.django_db


def test_discovery_names_the_specification(client):
    body = client.get("/open311/v2/discovery.json").json()

    assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert body["endpoints"][0]["url"].endswith("/open311/v2")


def test_lists_the_active_categories_as_services_in_json(client, category, attribute):
    services = client.get("/open311/v2/services.json").json()

    codes = {service["service_code"]: service for service in services}
    assert set(codes) == set(
        Category.objects.filter(is_active=True).values_list("code", flat=True)
    )
    assert codes["garbage"]["metadata"] is True
    assert codes["garbage"]["type"] == "realtime"
    assert sum(service["metadata"] for service in services) == 1


def test_lists_services_in_xml(client, category):
    response = client.get("/open311/v2/services.xml")

    root = parse_xml(response.content)
    assert response["Content-Type"].startswith("text/xml")
    assert root.tag == "services"
    assert "garbage" in [s.findtext("service_code") for s in root.findall("service")]


def test_a_service_definition_lists_its_attributes(client, attribute):
    body = client.get("/open311/v2/services/garbage.json").json()

    assert body["service_code"] == "garbage"
    (definition,) = body["attributes"]
    assert definition["code"] == "size"
    assert definition["required"] is True
    assert definition["values"] == [
        {"key": "small", "name": "少量"},
        {"key": "large", "name": "大量"},
    ]


def test_a_service_definition_in_xml(client, attribute):
    root = parse_xml(client.get("/open311/v2/services/garbage.xml").content)

    assert root.tag == "service_definition"
    value_keys = [v.findtext("key") for v in root.iter("value")]
    assert value_keys == ["small", "large"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_service_code_is_404_in_the_error_format(client, fmt):
    response = client.get(f"/open311/v2/services/nothing.{fmt}")

    assert response.status_code == 404
    if fmt == "json":
        assert response.json() == [
            {"code": 404, "description": "No service has this service_code."}
        ]
    else:
        root = parse_xml(response.content)
        assert root.tag == "errors"
        assert root.find("error").findtext("code") == "404"
