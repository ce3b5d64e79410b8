"""Opening a notification, or the case it points to, reads it: the count in the menu drops
without "mark all as read" (issue 16)."""

import pytest
from django.urls import reverse

from incidents.models import Incident
from incidents.services.reporting import incident_report
from members.models import Notification

INBOX = reverse("members:notifications")
QUEUE = reverse("incidents:queue")


@pytest.fixture
def case(category, ladder):
    reported = incident_report(
        actor=None,
        category=category,
        title="路灯不亮",
        description="村道三盏路灯不亮",
        source=Incident.Source.RESIDENT,
        grid=ladder.a1,
        reporter_name="李阿姨",
        reporter_phone="13900001111",
    )
    Notification.objects.all().delete()  # the new-case notices: each test writes its own
    return reported


@pytest.fixture
def other_case(category, ladder):
    reported = incident_report(
        actor=None,
        category=category,
        title="占道摆摊",
        description="早市占道",
        source=Incident.Source.RESIDENT,
        grid=ladder.b1,
        reporter_name="陈先生",
        reporter_phone="13900002222",
    )
    Notification.objects.all().delete()
    return reported


def notify(user, case=None, title="已派遣给您", **fields) -> Notification:
    url = fields.pop("url", reverse("incidents:detail", args=[case.pk]) if case else "")
    return Notification.objects.create(
        recipient=user, kind=fields.pop("kind", "incident"), title=title, url=url, **fields
    )


def open_url(notification: Notification) -> str:
    return reverse("members:notification_open", args=[notification.pk])


def nav_count(client) -> str | None:
    page = client.get(QUEUE).content.decode()
    marker = 'class="nav-count">'
    if marker not in page:
        return None
    return page.split(marker, 1)[1].split("<", 1)[0]


def test_opening_a_notification_reads_it_and_goes_to_its_case(client, cast, case):
    opened = notify(cast.town_official, case)
    notify(cast.town_official, title="另一条")
    client.force_login(cast.town_official)
    assert nav_count(client) == "2"

    response = client.get(open_url(opened))

    assert response.status_code == 302
    assert response.url == reverse("incidents:detail", args=[case.pk])
    opened.refresh_from_db()
    assert opened.read_at is not None
    assert Notification.objects.filter(read_at__isnull=True).count() == 1
    assert nav_count(client) == "1"


def test_the_inbox_links_each_notification_through_its_opening(client, cast, case):
    notification = notify(cast.village_staff, case)
    client.force_login(cast.village_staff)

    page = client.get(INBOX).content.decode()

    assert f'href="{open_url(notification)}"' in page


def test_opening_the_case_reads_the_notifications_that_point_to_it(client, cast, case, other_case):
    about_case = notify(cast.county_official, case)
    about_other = notify(cast.county_official, other_case)
    client.force_login(cast.county_official)

    response = client.get(reverse("incidents:detail", args=[case.pk]))

    assert response.status_code == 200
    about_case.refresh_from_db()
    about_other.refresh_from_db()
    assert about_case.read_at is not None
    assert about_other.read_at is None
    assert nav_count(client) == "1"


def test_a_case_the_user_may_not_see_reads_nothing(client, cast, other_case):
    notification = notify(cast.town_official, other_case)
    client.force_login(cast.town_official)

    response = client.get(reverse("incidents:detail", args=[other_case.pk]))

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_someone_elses_notification_cannot_be_opened(client, cast, case):
    theirs = notify(cast.other_official, case)
    client.force_login(cast.town_official)

    response = client.get(open_url(theirs))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_opening_needs_a_signed_in_user(client, cast, case):
    notification = notify(cast.town_official, case)

    response = client.get(open_url(notification))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    notification.refresh_from_db()
    assert notification.read_at is None


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x"])
def test_a_link_off_the_site_leads_back_to_the_inbox(client, cast, target):
    notification = notify(cast.town_official, url=target)
    client.force_login(cast.town_official)

    assert client.get(open_url(notification)).url == INBOX
    assert client.get(open_url(notification), {"next": target}).url == INBOX


def test_a_digest_lists_its_cases_as_links_that_read_it(client, cast, case):
    digest = notify(
        cast.county_official,
        title="1 个超期事件已上报至温岭市",
        kind="escalation_digest",
        body=f"{case.code}\n",
    )
    client.force_login(cast.county_official)
    by_code = reverse("incidents:by_code", args=[case.code])

    page = client.get(INBOX).content.decode()
    assert f'href="{open_url(digest)}?next={by_code.replace("/", "%2F")}"' in page
    response = client.get(open_url(digest), {"next": by_code})

    assert response.url == by_code
    assert client.get(by_code).url == reverse("incidents:detail", args=[case.pk])
    digest.refresh_from_db()
    assert digest.read_at is not None


def test_a_case_number_outside_the_jurisdiction_is_not_found(client, cast, other_case):
    client.force_login(cast.town_official)

    response = client.get(reverse("incidents:by_code", args=[other_case.code]))

    assert response.status_code == 404


def test_a_case_number_needs_a_signed_in_user(client, cast, case):
    response = client.get(reverse("incidents:by_code", args=[case.code]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
