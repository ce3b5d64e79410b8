import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from incidents.models import Attachment, Incident
from incidents.services.reporting import incident_report

REPORT = reverse("incidents:quick_report")
KEY = uuid.UUID("5d2e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f")
OUTBOX = {"HTTP_X_OUTBOX": "1"}


def jpeg(name="photo.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), "green").save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def data(category):
    return {
        "category": category.pk,
        "description": "村口垃圾堆放三天无人清理",
        "urgency": "ordinary",
        "latitude": "28.005",
        "longitude": "121.005",
        "client_key": str(KEY),
    }


def test_anonymous_users_are_sent_to_log_in(client):
    assert client.get(REPORT).url.startswith(reverse("login"))


@pytest.mark.parametrize("who", ["resident", "town_official"])
def test_only_grid_members_use_the_quick_report(client, cast, data, who):
    client.force_login(getattr(cast, who))

    assert client.post(REPORT, data).status_code == 403
    assert not Incident.objects.exists()


def test_the_form_preselects_the_only_grid_and_takes_a_finding(client, cast, ladder):
    client.force_login(cast.member)

    response = client.get(REPORT, {"description": "路灯坏了"})

    form = response.context["form"]
    assert form.initial == {"grid": ladder.a1.pk, "description": "路灯坏了"}
    page = response.content.decode()
    assert 'capture="environment"' in page
    assert 'accept="image/*"' in page


def test_files_a_patrol_case_with_its_photo(client, cast, ladder, data):
    client.force_login(cast.member)

    response = client.post(REPORT, {**data, "photo": jpeg()})

    assert response.status_code == 302
    incident = Incident.objects.get()
    assert response.url == reverse("incidents:detail", args=[incident.pk])
    assert incident.source == Incident.Source.PATROL
    assert (incident.grid, incident.reporter, incident.client_key) == (ladder.a1, cast.member, KEY)
    assert incident.title == data["description"][:30]
    assert Attachment.objects.get().incident == incident


def test_a_resend_with_the_same_key_files_nothing_new(client, cast, data):
    client.force_login(cast.member)

    first = client.post(REPORT, data, **OUTBOX)
    second = client.post(REPORT, data, **OUTBOX)

    assert first.status_code == second.status_code == 200
    assert first.json()["code"] == second.json()["code"] == Incident.objects.get().code


def test_a_grid_without_a_location_is_enough(client, cast, ladder, data):
    client.force_login(cast.member)

    client.post(REPORT, {**data, "latitude": "", "longitude": "", "grid": ladder.a1.pk})

    assert Incident.objects.get().grid == ladder.a1


def test_refuses_a_place_in_another_grid(client, cast, data):
    client.force_login(cast.member)

    response = client.post(REPORT, {**data, "longitude": "121.015"})  # in grid A2

    assert response.status_code == 400
    assert "latitude" in response.context["form"].errors
    assert data["description"] in response.content.decode()
    assert not Incident.objects.exists()


def test_refuses_a_grid_outside_the_members(client, cast, ladder, data):
    client.force_login(cast.member)

    response = client.post(REPORT, {**data, "latitude": "", "longitude": "", "grid": ladder.a2.pk})

    assert response.status_code == 400
    assert "grid" in response.context["form"].errors
    assert not Incident.objects.exists()


def test_a_place_outside_every_grid_asks_for_the_grid(client, cast, data):
    client.force_login(cast.member)

    response = client.post(REPORT, {**data, "latitude": "30.0", "longitude": "100.0"})

    assert response.status_code == 400
    assert "latitude" in response.context["form"].errors
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"description": "  "}, "description"),
        ({"category": "999999"}, "category"),
        ({"category": "abc"}, "category"),
        ({"urgency": "extreme"}, "urgency"),
        ({"latitude": "95"}, "latitude"),
        ({"longitude": ""}, "latitude"),
        ({"client_key": "not-a-key"}, "client_key"),
        (
            {"photo": SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")},
            "photo",
        ),
    ],
    ids=[
        "description",
        "category",
        "category-text",
        "urgency",
        "latitude",
        "half-place",
        "key",
        "photo",
    ],
)
def test_bad_input_is_shown_beside_the_field_and_nothing_is_saved(
    client, cast, data, change, field
):
    client.force_login(cast.member)

    response = client.post(REPORT, {**data, **change})

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Incident.objects.exists()


def test_the_outbox_gets_errors_as_json(client, cast, data):
    client.force_login(cast.member)

    response = client.post(REPORT, {**data, "description": ""}, **OUTBOX)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["description"]


def test_a_key_of_another_members_report_is_refused(client, cast, ladder, data):
    client.force_login(cast.leader)
    client.post(REPORT, data)
    client.force_login(cast.member)

    response = client.post(REPORT, data, **OUTBOX)

    assert response.status_code == 400
    assert "__all__" in response.json()["errors"]
    assert Incident.objects.get().reporter == cast.leader


def test_a_member_cannot_open_a_case_of_another_grid(client, cast, ladder, category):
    theirs = incident_report(
        actor=cast.other_member,
        category=category,
        title="二网格的事",
        description="别人的",
        source=Incident.Source.PATROL,
        grid=ladder.a2,
    )
    client.force_login(cast.member)

    response = client.get(reverse("incidents:detail", args=[theirs.pk]))

    assert response.status_code == 404
    assert "二网格的事" not in response.content.decode()
