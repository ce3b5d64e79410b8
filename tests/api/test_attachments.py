"""/api/cases/{id}/attachments/: photos of a case, for those who may add and see them."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from incidents.models import Attachment

pytestmark = pytest.mark.django_db


def _jpeg(name="photo.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _url(incident) -> str:
    return f"/api/cases/{incident.pk}/attachments/"


def test_the_reporter_adds_a_photo_and_staff_download_it(api, cast, report):
    incident = report()

    added = api(cast.member).post(
        _url(incident), {"image": _jpeg(), "kind": "report"}, format="multipart"
    )
    listed = api(cast.town_official).get(_url(incident))
    image = api(cast.town_official).get(f"{_url(incident)}{added.json()['id']}/image/")

    assert added.status_code == 201, added.content
    assert [row["id"] for row in listed.json()] == [added.json()["id"]]
    assert image.status_code == 200
    assert image["Content-Type"] == "image/jpeg"


def test_someone_who_cannot_see_the_case_gets_404(api, cast, report):
    incident = report()

    response = api(cast.other_official).post(
        _url(incident), {"image": _jpeg(), "kind": "report"}, format="multipart"
    )

    assert response.status_code == 404
    assert not Attachment.objects.exists()


def test_a_manager_above_the_case_may_add_a_photo(api, cast, report):
    incident = report()

    response = api(cast.county_official).post(
        _url(incident), {"image": _jpeg(), "kind": "before"}, format="multipart"
    )

    assert response.status_code == 201
    assert Attachment.objects.get().uploaded_by == cast.county_official


def test_a_resident_who_did_not_report_it_gets_404(api, cast, report):
    incident = report()

    response = api(cast.resident).get(_url(incident))

    assert response.status_code == 404


def test_refuses_a_file_that_is_not_an_image(api, cast, report):
    incident = report()
    fake = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")

    response = api(cast.member).post(_url(incident), {"image": fake, "kind": "report"})

    assert response.status_code == 400
    assert "image" in response.json()
    assert not Attachment.objects.exists()


def test_refuses_an_oversized_upload(api, cast, report, settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    incident = report()

    response = api(cast.member).post(
        _url(incident), {"image": _jpeg(), "kind": "report"}, format="multipart"
    )

    assert response.status_code == 400
    assert "image" in response.json()
    assert not Attachment.objects.exists()
