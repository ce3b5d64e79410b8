import datetime
import io
import uuid

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from incidents.models import Attachment, Incident, Level
from incidents.services.attachments import attachment_add
from members import personal_data
from members.models import Notification
from tests.conftest import NOW
from tests.incidents.conftest import events_of


@time_machine.travel(NOW)
def test_a_grid_member_files_a_case_at_the_grid_rung_with_an_acceptance_clock(
    report, cast, ladder
):
    case = report()

    assert case.code == "331081112-2026-00001"
    assert (case.level, case.handling_region, case.town, case.grid) == (
        Level.GRID,
        ladder.v1,
        ladder.town,
        ladder.a1,
    )
    assert case.status == Incident.Status.REPORTED
    # Ordinary garbage case: one working day to accept, from Monday 17:00 in Shanghai.
    assert case.deadline == datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.UTC)
    assert events_of(case) == ["report"]
    assert Notification.objects.get().recipient == cast.leader


def test_case_numbers_run_per_town(report):
    first, second = report(), report()

    assert first.code.rsplit("-", 1)[1] == "00001"
    assert second.code.rsplit("-", 1)[1] == "00002"


def test_the_grid_is_found_from_the_location(report, ladder):
    case = report(
        grid=None,
        location=Point(121.015, 28.005, srid=4326),
        actor=None,
        source=Incident.Source.RESIDENT,
        reporter_name="李女士",
        reporter_phone="13900001234",
    )

    assert case.grid == ladder.a2
    assert case.reporter is None
    assert case.reporter_phone_masked == "139****1234"
    assert personal_data.decrypt(case.reporter_phone_encrypted) == "13900001234"


def test_a_place_outside_every_grid_is_refused(report):
    with pytest.raises(ValidationError) as error:
        report(grid=None, location=Point(120.0, 27.0, srid=4326))

    assert "location" in error.value.message_dict
    assert not Incident.objects.exists()


def test_a_member_cannot_file_in_another_members_grid(report, ladder, cast):
    with pytest.raises(PermissionDenied):
        report(grid=ladder.b1)

    assert not Incident.objects.exists()


def test_an_anonymous_resident_must_leave_a_name_and_phone(report):
    with pytest.raises(ValidationError):
        report(actor=AnonymousUser(), source=Incident.Source.RESIDENT)

    assert not Incident.objects.exists()


def test_only_residents_report_without_signing_in(report):
    with pytest.raises(PermissionDenied):
        report(
            actor=None,
            source=Incident.Source.PATROL,
            reporter_name="x",
            reporter_phone="13900001234",
        )


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), "red")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (28.0, 0.0, 18.0), 3: "E", 4: (121.0, 0.0, 18.0)}
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_a_photo_is_stored_without_its_location_metadata(report, cast):
    case = report()
    upload = SimpleUploadedFile("IMG_0001.jpg", jpeg_with_gps(), content_type="image/jpeg")
    assert Image.open(io.BytesIO(upload.read())).getexif().get_ifd(0x8825)

    attachment = attachment_add(actor=cast.member, incident=case, upload=upload, kind="report")

    with Image.open(attachment.image.path) as stored:
        assert not stored.getexif().get_ifd(0x8825)
        assert stored.format == "JPEG"
    assert not attachment.image.name.endswith("IMG_0001.jpg")
    assert (attachment.width, attachment.height) == (64, 48)


def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(report, cast):
    case = report()
    upload = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")

    with pytest.raises(ValidationError) as error:
        attachment_add(actor=cast.member, incident=case, upload=upload, kind="report")

    assert error.value.message_dict == {"image": ["This file is not a readable image."]}
    assert not Attachment.objects.exists()


def test_an_oversized_photo_is_refused(report, cast, settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    case = report()
    upload = SimpleUploadedFile("big.jpg", jpeg_with_gps(), content_type="image/jpeg")

    with pytest.raises(ValidationError):
        attachment_add(actor=cast.member, incident=case, upload=upload, kind="report")

    assert not Attachment.objects.exists()


def test_a_stranger_cannot_add_photos(report, cast):
    case = report()
    upload = SimpleUploadedFile("a.jpg", jpeg_with_gps(), content_type="image/jpeg")

    with pytest.raises(PermissionDenied):
        attachment_add(actor=cast.other_official, incident=case, upload=upload, kind="report")

    assert not Attachment.objects.exists()


def test_an_anonymous_caller_cannot_add_photos_to_an_anonymous_report(report):
    case = report(
        actor=None,
        source=Incident.Source.RESIDENT,
        reporter_name="李女士",
        reporter_phone="13900001234",
    )
    upload = SimpleUploadedFile("a.jpg", jpeg_with_gps(), content_type="image/jpeg")

    with pytest.raises(PermissionDenied):
        attachment_add(actor=AnonymousUser(), incident=case, upload=upload, kind="report")

    assert not Attachment.objects.exists()


def test_photos_given_at_report_are_stored_with_the_case(report):
    upload = SimpleUploadedFile("a.jpg", jpeg_with_gps(), content_type="image/jpeg")

    case = report(photos=[upload])

    assert case.attachments.get().kind == "report"


def test_an_unreadable_photo_at_report_leaves_no_case(report):
    upload = SimpleUploadedFile("a.jpg", b"not an image", content_type="image/jpeg")

    with pytest.raises(ValidationError):
        report(photos=[upload])

    assert not Incident.objects.exists()


def test_a_resent_report_with_the_same_client_key_files_one_case(report):
    key = uuid.uuid4()

    first = report(client_key=key)
    again = report(client_key=key, title="重复发送")

    assert again.pk == first.pk
    assert Incident.objects.count() == 1
    assert events_of(first) == ["report"]


def test_a_client_key_cannot_be_reused_by_another_reporter(report, cast):
    key = uuid.uuid4()
    report(client_key=key)

    with pytest.raises(ValidationError) as refused:
        report(client_key=key, actor=cast.leader)

    assert "client_key" in refused.value.message_dict
    assert Incident.objects.count() == 1
