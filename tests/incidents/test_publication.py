"""Publication by category: one resident case per category of the catalogue, read through
every public surface (Open311 list and single request in JSON and XML, the residents'
duplicate suggestions and joining, the tracking page of someone else's case)."""

import pytest
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.test import Client

from incidents.models import Category, Incident, Publication
from incidents.publication import coarse_point
from incidents.services.followers import incident_follow
from incidents.services.reporting import incident_report
from tests.conftest import NOW
from tests.open311.xml import parse_xml

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=False)]

EXACT = Point(121.00317, 28.00471, srid=4326)
FOLLOWER_PHONE = "13900001111"
SENSITIVE = {
    "group-incident-sign": Publication.INTERNAL,
    "family-dispute": Publication.INTERNAL,
    "hardship-assistance": Publication.INTERNAL,
    "fraud-lead": Publication.INTERNAL,
    "neighbour-dispute": Publication.COARSE,
}


@pytest.fixture
def filed(ladder):
    """One request of the public door per active category, all at the same doorstep, each
    followed by a resident who joined it with a phone."""
    cases = {}
    for category in Category.objects.filter(is_active=True).select_related("group"):
        incident = incident_report(
            actor=None,
            category=category,
            title=f"TITLE-{category.code}",
            description=f"DESC-{category.code} 13812020330",
            source=Incident.Source.RESIDENT,
            location=EXACT,
            address=f"ADDR-{category.code}",
            grid=ladder.a1,
            reporter_name="王小明",
            reporter_phone="13812345678",
        )
        incident_follow(actor=None, incident=incident, name="李四", phone=FOLLOWER_PHONE)
        cases[category.code] = incident
    return cases


def _secrets(incident: Incident) -> list[str]:
    code = incident.category.code
    return [f"TITLE-{code}", f"DESC-{code}", f"ADDR-{code}", str(EXACT.x), str(EXACT.y)]


def test_the_starter_catalogue_marks_the_sensitive_categories(db):
    marked = dict(Category.objects.filter(code__in=SENSITIVE).values_list("code", "publication"))

    assert marked == SENSITIVE
    assert Category.objects.get(code="garbage").publication == Publication.PUBLIC


def test_every_public_surface_obeys_the_category(filed):
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
    listed_json = {r["service_request_id"]: r for r in _open311_list(anonymous, "json")}
    listed_xml = _open311_list(anonymous, "xml")
    kinds = dict.fromkeys(Publication.values, 0)

    for incident in filed.values():
        publication = incident.category.publication
        kinds[publication] += 1
        single_json = anonymous.get(f"/open311/v2/requests/{incident.code}.json")
        single_xml = anonymous.get(f"/open311/v2/requests/{incident.code}.xml")
        suggestions = _suggestions(anonymous, incident)
        joined = _join(incident)
        tracked = _track_as_follower(incident)
        if publication == Publication.INTERNAL:
            assert incident.code not in listed_json
            assert incident.code not in listed_xml
            assert single_json.status_code == single_xml.status_code == 404
            assert incident.code not in suggestions
            assert joined.status_code == 404
        else:
            assert listed_xml[incident.code] == listed_json[incident.code]["address"]
            assert single_json.json()[0] == listed_json[incident.code]
            assert incident.code in suggestions
            assert joined.status_code == 302
        if publication == Publication.PUBLIC:
            shown = listed_json[incident.code]
            assert (shown["lat"], shown["long"]) == (EXACT.y, EXACT.x)
            assert shown["address"] == f"ADDR-{incident.category.code}"
            assert shown["description"] == f"DESC-{incident.category.code} 138****0330"
            assert f"TITLE-{incident.category.code}" in suggestions
            assert f"TITLE-{incident.category.code}" in tracked
            continue
        # Coarse and internal: nothing of the doorstep or the reporter's words anywhere.
        for page in (single_json.content.decode(), single_xml.content.decode(), suggestions):
            for secret in _secrets(incident):
                assert secret not in page
        for secret in _secrets(incident)[:3]:
            assert secret not in tracked
        assert incident.category.name in tracked
        if publication == Publication.COARSE:
            cell = coarse_point(EXACT)
            shown = listed_json[incident.code]
            assert (shown["lat"], shown["long"]) == (cell.y, cell.x)
            assert shown["address"] == shown["description"] == ""
            assert incident.category.name in suggestions
    assert all(kinds.values()), kinds


def _open311_list(client, fmt):
    response = client.get(f"/open311/v2/requests.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        return response.json()
    root = parse_xml(response.content)
    return {r.findtext("service_request_id"): r.findtext("address") for r in root}


def _suggestions(client, incident: Incident) -> str:
    response = client.get(
        "/request/suggest/",
        {"category": incident.category_id, "latitude": EXACT.y, "longitude": EXACT.x},
    )
    assert response.status_code == 200
    return response.content.decode()


def _join(incident: Incident):
    cache.clear()  # the public door's limit per address (5 an hour), not the subject here
    body = {"join_code": incident.code, "reporter_name": "张三", "reporter_phone": "13700002222"}
    return Client().post("/request/join/", body)


def _track_as_follower(incident: Incident) -> str:
    response = Client().post("/request/track/", {"code": incident.code, "phone": FOLLOWER_PHONE})
    assert response.status_code == 200
    return response.content.decode()
