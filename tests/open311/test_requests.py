"""POST and GET /open311/v2/requests: a request becomes a resident case through
incident_report, and is followed by id and by token until it closes."""

import datetime

import pytest

from incidents.models import Incident, Open311Client
from incidents.services import transitions
from tests.conftest import NOW, starter_reason
from tests.open311.xml import parse_xml

pytestmark = pytest.mark.django_db


def _post(client, body, fmt="json"):
    return client.post(f"/open311/v2/requests.{fmt}", body)


def test_posting_a_point_files_an_open311_case_in_its_grid(client, post_body, ladder):
    response = _post(client, post_body())

    assert response.status_code == 201, response.content
    incident = Incident.objects.get()
    (answer,) = response.json()
    assert answer["service_request_id"] == incident.code
    assert answer["token"] == str(incident.client_key)
    assert incident.source == Incident.Source.OPEN311
    assert incident.grid == ladder.a1
    assert incident.reporter is None
    assert incident.reporter_name == "王小明"
    assert incident.reporter_phone_masked == "138****5678"
    assert incident.deadline is not None


def test_posting_in_xml_answers_in_xml(client, post_body):
    response = _post(client, post_body(), fmt="xml")

    root = parse_xml(response.content)
    assert response.status_code == 201
    assert root.tag == "service_requests"
    assert root.find("request").findtext("service_request_id") == Incident.objects.get().code


def test_posting_an_address_naming_one_grid(client, post_body, ladder):
    response = _post(
        client, post_body(lat=None, long=None, address_string="石塘镇西山村西山一网格 12号")
    )

    assert response.status_code == 201, response.content
    incident = Incident.objects.get()
    assert incident.grid == ladder.a3
    assert incident.location is None
    assert incident.address == "石塘镇西山村西山一网格 12号"


def test_posting_an_address_naming_a_village_with_one_grid(client, post_body, ladder):
    response = _post(client, post_body(lat=None, long=None, address_string="西山村村口"))

    assert response.status_code == 201
    assert Incident.objects.get().grid == ladder.a3


def test_an_address_that_names_no_single_grid_is_refused(client, post_body, ladder):
    response = _post(client, post_body(lat=None, long=None, address_string="东山村"))

    assert response.status_code == 400
    assert response.json()[0]["description"].startswith("address_string:")
    assert not Incident.objects.exists()


def test_attributes_are_checked_and_kept_in_the_description(client, post_body, attribute):
    missing = _post(client, post_body())
    wrong = _post(client, post_body(**{"attribute[size]": "huge"}))
    good = _post(client, post_body(**{"attribute[size]": "large"}))

    assert missing.status_code == wrong.status_code == 400
    assert good.status_code == 201
    assert "堆放规模: 大量" in Incident.objects.get().description


def test_the_same_device_resending_the_same_request_files_once(client, post_body):
    first = _post(client, post_body(device_id="phone-1"))
    again = _post(client, post_body(device_id="phone-1"))
    other = _post(client, post_body(device_id="phone-1", description="另一处垃圾"))

    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    assert other.json()[0]["service_request_id"] != first.json()[0]["service_request_id"]
    assert Incident.objects.count() == 2


@pytest.mark.parametrize(
    ("overrides", "status", "starts"),
    [
        ({"api_key": "wrong"}, 403, "api_key"),
        ({"api_key": None}, 403, "api_key"),
        ({"service_code": "nothing"}, 400, "service_code"),
        ({"lat": "95"}, 400, "lat"),
        ({"long": "abc"}, 400, "long"),
        ({"lat": "nan"}, 400, "lat"),
        ({"long": None}, 400, "Send both lat and long"),
        ({"lat": None, "long": None}, 400, "lat"),
        ({"lat": "10", "long": "10"}, 400, "lat"),
        ({"phone": None}, 400, "phone"),
        ({"phone": "12"}, 400, "phone"),
        ({"first_name": None, "last_name": None}, 400, "Send first_name"),
        ({"description": None}, 400, "description"),
        ({"media_url": "not a url"}, 400, "media_url"),
    ],
)
def test_each_documented_error(client, post_body, overrides, status, starts):
    response = _post(client, post_body(**overrides))

    assert response.status_code == status, response.content
    errors = response.json()
    assert errors[0]["code"] == status
    assert any(error["description"].startswith(starts) for error in errors), errors
    assert not Incident.objects.exists()


def test_an_inactive_key_is_refused(client, post_body, client_key):
    Open311Client.objects.update(is_active=False)

    response = _post(client, post_body())

    assert response.status_code == 403
    assert not Incident.objects.exists()


def test_errors_in_xml(client, post_body):
    response = _post(client, post_body(service_code="nothing"), fmt="xml")

    root = parse_xml(response.content)
    assert root.tag == "errors"
    assert root.find("error").findtext("code") == "400"


def _filed(client, body) -> Incident:
    assert _post(client, body).status_code == 201
    return Incident.objects.get()


def test_following_by_id_until_the_case_closes(client, post_body, cast, department, handler):
    incident = _filed(client, post_body())
    url = f"/open311/v2/requests/{incident.code}.json"
    assert client.get(url).json()[0]["status"] == "open"

    transitions.incident_accept(actor=cast.town_official, incident=incident)
    transitions.incident_dispatch(
        actor=cast.town_official, incident=incident, department=department
    )
    transitions.incident_start(actor=handler, incident=incident)
    transitions.incident_handle(actor=handler, incident=incident, note="done")
    transitions.incident_verify(actor=cast.member, incident=incident, passed=True)

    (request,) = client.get(url).json()
    assert request["status"] == "closed"
    assert request["status_notes"] == "Closed"
    assert request["expected_datetime"] is None


def test_a_request_shows_no_personal_data(client, post_body):
    incident = _filed(
        client, post_body(description="我的电话13812345678 身份证331081198001010019")
    )

    body = client.get(f"/open311/v2/requests/{incident.code}.json").content.decode()

    assert "13812345678" not in body
    assert "331081198001010019" not in body
    assert "王" not in body


def test_following_by_id_in_xml(client, post_body):
    incident = _filed(client, post_body())

    root = parse_xml(client.get(f"/open311/v2/requests/{incident.code}.xml").content)

    assert root.find("request").findtext("status") == "open"
    assert root.find("request").findtext("lat") == "28.005"


def test_following_by_token(client, post_body):
    incident = _filed(client, post_body())

    json_answer = client.get(f"/open311/v2/tokens/{incident.client_key}.json").json()
    xml_root = parse_xml(client.get(f"/open311/v2/tokens/{incident.client_key}.xml").content)

    assert json_answer == [
        {"service_request_id": incident.code, "token": str(incident.client_key)}
    ]
    assert xml_root.find("request").findtext("service_request_id") == incident.code


@pytest.mark.parametrize("path", ["tokens/not-a-token.json", "requests/331081112-2026-99999.json"])
def test_unknown_ids_and_tokens_are_404(client, path):
    response = client.get(f"/open311/v2/{path}")

    assert response.status_code == 404
    assert response.json()[0]["code"] == 404


@pytest.mark.time_machine(NOW, tick=False)
def test_lists_requests_with_the_spec_filters(client, post_body, cast):
    first = _filed(client, post_body())
    _post(client, post_body(description="第二个"))
    transitions.incident_reject(
        actor=cast.town_official,
        incident=first,
        reason="重复",
        reason_code=starter_reason("reject"),
    )

    everything = client.get("/open311/v2/requests.json").json()
    closed = client.get("/open311/v2/requests.json", {"status": "closed"}).json()
    by_id = client.get("/open311/v2/requests.json", {"service_request_id": first.code}).json()
    by_code = client.get("/open311/v2/requests.json", {"service_code": "other"}).json()
    tomorrow = (NOW + datetime.timedelta(days=1)).isoformat()
    later = client.get("/open311/v2/requests.json", {"start_date": tomorrow}).json()

    assert len(everything) == 2
    assert [r["service_request_id"] for r in closed] == [first.code]
    assert [r["service_request_id"] for r in by_id] == [first.code]
    assert by_code == later == []


@pytest.mark.time_machine(NOW, tick=False)
@pytest.mark.parametrize(
    "query",
    [
        {"status": "lost"},
        {"start_date": "yesterday"},
        {"start_date": "0001-01-01T00:00:00+08:00"},
        {"end_date": "2026-11-30T08:00:00+99:00"},
    ],
)
def test_bad_list_filters_are_400(client, query):
    response = client.get("/open311/v2/requests.json", query)

    assert response.status_code == 400
    assert response.json()[0]["code"] == 400


def test_list_query_count_does_not_grow(
    client, post_body, django_assert_num_queries, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, post_body())
    with django_assert_num_queries(1):
        client.get("/open311/v2/requests.json")
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(4):
            _post(client, post_body(description=f"问题{n}"))
    with django_assert_num_queries(1):
        assert len(client.get("/open311/v2/requests.json").json()) == 5
    with django_assert_num_queries(0):  # from the cache until a public case changes
        assert len(client.get("/open311/v2/requests.json").json()) == 5


def test_cases_filed_by_staff_are_not_public_requests(client, post_body, report):
    staff_case = report()
    _post(client, post_body())

    listed = client.get("/open311/v2/requests.json").json()
    by_id = client.get(f"/open311/v2/requests/{staff_case.code}.json")

    assert staff_case.code not in {r["service_request_id"] for r in listed}
    assert len(listed) == 1
    assert by_id.status_code == 404
