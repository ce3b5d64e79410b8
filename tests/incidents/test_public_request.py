"""The public request form: errors beside fields, abuse limits, and exactly one case."""

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import gettext as _
from PIL import Image

from incidents.models import Attachment, Category, Incident
from incidents.services.reporting import incident_report
from incidents.services.tracking import tracking_link
from members.models import Notification

TOO_MANY = (
    "Too many requests have been sent from here or for this phone. Please try again in an "
    "hour, or call the town service hotline."
)
DESCRIPTION = "村口的路灯已经坏了一个星期，晚上很黑，老人出门不方便，请尽快修理"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def form_data(cast, category):
    def _data(**overrides):
        data = {
            "reporter_name": "李阿姨",
            "reporter_phone": "13900001111",
            "category": str(category.pk),
            "description": DESCRIPTION,
            "title": "",
            "latitude": "28.005",
            "longitude": "121.005",
            "address": "",
            "grid": "",
            "website": "",
        }
        data.update(overrides)
        return data

    return _data


def post(client, data, ip="10.0.0.1"):
    return client.post(reverse("public:new"), data, REMOTE_ADDR=ip)


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, format="JPEG")
    return buffer.getvalue()


def assert_nothing_saved():
    assert Incident.objects.count() == 0
    assert Notification.objects.count() == 0
    assert Attachment.objects.count() == 0


def test_shows_the_form_with_categories_grouped_and_active_grids(client, ladder, category):
    response = client.get(reverse("public:new"))

    assert response.status_code == 200
    content = response.content.decode()
    assert f'<optgroup label="{category.group.name}">' in content
    assert f'<optgroup label="{ladder.v1.name}">' in content
    assert ladder.a1.name in content
    assert 'name="website"' in content


def test_files_one_resident_case_in_the_grid_that_holds_the_point(client, form_data, ladder):
    response = post(client, form_data())

    assert response.status_code == 302
    assert response.url == reverse("public:done")
    incident = Incident.objects.get()
    assert incident.source == Incident.Source.RESIDENT
    assert incident.grid == ladder.a1
    assert incident.reporter is None
    assert incident.reporter_name == "李阿姨"
    assert incident.reporter_phone_masked == "139****1111"
    assert incident.title == DESCRIPTION[:30]
    assert incident.description == DESCRIPTION
    assert (incident.location.x, incident.location.y) == (121.005, 28.005)
    done = client.get(response.url)
    assert done.status_code == 200
    assert incident.code in done.content.decode()
    assert f'href="{tracking_link(incident.code)}"' in done.content.decode()


def test_uses_the_short_title_when_given(client, form_data):
    post(client, form_data(title="路灯坏了"))

    assert Incident.objects.get().title == "路灯坏了"


def test_files_in_the_chosen_grid_when_no_point_is_given(client, form_data, ladder):
    response = post(client, form_data(latitude="", longitude="", grid=str(ladder.a3.pk)))

    assert response.status_code == 302
    assert Incident.objects.get().grid == ladder.a3


def test_a_signed_in_resident_files_as_themselves(client, form_data, cast):
    client.force_login(cast.resident)

    post(client, form_data())

    assert Incident.objects.get().reporter == cast.resident


@pytest.mark.parametrize("field", ["reporter_name", "reporter_phone", "description", "category"])
def test_refuses_a_missing_field_and_keeps_what_was_typed(client, form_data, field):
    response = post(client, form_data(**{field: ""}))

    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    content = response.content.decode()
    assert 'class="field-error"' in content
    if field != "description":
        assert DESCRIPTION in content
    assert_nothing_saved()


def test_refuses_a_bad_phone_beside_the_field(client, form_data):
    response = post(client, form_data(reporter_phone="12345"))

    assert response.context["form"].errors["reporter_phone"] == [
        _("Enter an 11-digit mobile number or a landline with area code.")
    ]
    assert DESCRIPTION in response.content.decode()
    assert_nothing_saved()


def test_refuses_an_unknown_category(client, form_data):
    response = post(client, form_data(category="999999"))

    assert list(response.context["form"].errors) == ["category"]
    assert_nothing_saved()


def test_refuses_an_inactive_category(client, form_data, category):
    Category.objects.filter(pk=category.pk).update(is_active=False)

    response = post(client, form_data())

    assert list(response.context["form"].errors) == ["category"]
    assert_nothing_saved()


def test_shows_the_services_error_beside_the_map_for_a_point_outside_every_grid(client, form_data):
    response = post(client, form_data(latitude="29.5", longitude="122.5"))

    assert response.status_code == 400
    assert response.context["form"].errors["latitude"] == [
        _("This place is outside every grid; choose the grid.")
    ]
    assert DESCRIPTION in response.content.decode()
    assert_nothing_saved()


def test_asks_for_the_grid_when_neither_point_nor_grid_is_given(client, form_data):
    response = post(client, form_data(latitude="", longitude="", address="东山村村口"))

    assert response.context["form"].errors["grid"] == [
        _("Give the place on the map or choose the grid.")
    ]
    assert "东山村村口" in response.content.decode()
    assert_nothing_saved()


def test_refuses_half_a_point(client, form_data):
    response = post(client, form_data(longitude=""))

    assert list(response.context["form"].errors) == ["latitude"]
    assert_nothing_saved()


def test_keeps_a_good_photo_with_the_case(client, form_data):
    photo = SimpleUploadedFile("lamp.jpg", jpeg(), content_type="image/jpeg")

    response = post(client, {**form_data(), "photo": photo})

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.incident == Incident.objects.get()
    assert attachment.kind == Attachment.Kind.REPORT
    assert (attachment.width, attachment.height) == (40, 30)


def test_a_bad_photo_is_a_field_error_and_saves_nothing(client, form_data):
    photo = SimpleUploadedFile("lamp.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")

    response = post(client, {**form_data(), "photo": photo})

    assert response.status_code == 400
    assert response.context["form"].errors["photo"] == [_("This file is not a readable image.")]
    assert DESCRIPTION in response.content.decode()
    assert_nothing_saved()


def test_a_filled_honeypot_answers_400_and_saves_nothing(client, form_data):
    response = post(client, form_data(website="http://spam.example"))

    assert response.status_code == 400
    assert _("Your request could not be sent. Please try again.") in response.content.decode()
    assert_nothing_saved()


def test_limits_requests_per_address_and_keeps_the_text(client, form_data):
    for number in range(5):
        assert post(client, form_data(reporter_phone=f"1390000000{number}")).status_code == 302

    response = post(client, form_data(reporter_phone="13900000009"))

    assert response.status_code == 429
    assert _(TOO_MANY) in response.content.decode()
    assert DESCRIPTION in response.content.decode()
    assert Incident.objects.count() == 5
    assert post(client, form_data(reporter_phone="13900000008"), ip="10.0.0.2").status_code == 302


def test_limits_requests_per_phone_whatever_the_address(client, form_data):
    for number in range(3):
        assert post(client, form_data(), ip=f"10.0.1.{number}").status_code == 302

    response = post(client, form_data(), ip="10.0.1.9")

    assert response.status_code == 429
    assert Incident.objects.count() == 3


def test_a_refused_request_does_not_use_up_the_limit(client, form_data):
    for _attempt in range(6):
        post(client, form_data(latitude="29.5", longitude="122.5"))

    assert post(client, form_data()).status_code == 302


def test_the_sent_page_without_a_request_sends_back_to_the_form(client, db):
    response = client.get(reverse("public:done"))

    assert response.status_code == 302
    assert response.url == reverse("public:new")


def test_my_requests_lists_only_my_cases_in_constant_queries(
    client, cast, category, ladder, django_assert_num_queries
):
    def file(actor, title):
        return incident_report(
            actor=actor,
            category=category,
            title=title,
            description="描述",
            source=Incident.Source.RESIDENT,
            grid=ladder.a1,
            reporter_name="王小明",
            reporter_phone="13812345678",
        )

    file(None, "别人的请求")
    mine = [file(cast.resident, f"我的请求{number}") for number in range(3)]
    client.force_login(cast.resident)
    client.get(reverse("public:mine"))  # warm the session and the user's groups

    # session, user, count, the menu's roles and permissions (3), cases with categories
    with django_assert_num_queries(7):
        response = client.get(reverse("public:mine"))
    file(cast.resident, "又一个")
    with django_assert_num_queries(7):
        client.get(reverse("public:mine"))

    content = response.content.decode()
    assert [incident.code for incident in response.context["page"].object_list] == [
        incident.code for incident in reversed(mine)
    ]
    assert "别人的请求" not in content


def test_my_requests_asks_for_a_sign_in(client, db):
    response = client.get(reverse("public:mine"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
