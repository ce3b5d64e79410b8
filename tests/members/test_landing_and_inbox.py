"""Each role lands on its own work, and every signed-in role reads its inbox."""

import pytest
from django.urls import reverse

from core.roles import Role
from members.models import Notification
from tests.conftest import make_user

QUEUE = reverse("incidents:queue")


@pytest.mark.parametrize(
    ("who", "landing"),
    [
        ("member", reverse("members:workspace")),
        ("town_official", QUEUE),
        ("village_staff", QUEUE),
        ("county_official", QUEUE),
        ("admin", QUEUE),
        ("resident", reverse("public:mine")),
    ],
)
def test_each_role_lands_on_its_own_work(client, cast, who, landing):
    client.force_login(getattr(cast, who))

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url == landing


def test_a_department_handler_lands_on_its_open_cases(client, ladder):
    handler = make_user("handler", Role.DEPARTMENT_HANDLER, ladder.town)
    client.force_login(handler)

    assert client.get(reverse("home")).url == f"{QUEUE}?open=true"


def test_an_account_without_a_role_gets_the_page_of_links(client, db):
    user = make_user("nobody", None)
    client.force_login(user)

    assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize("who", ["town_official", "village_staff", "admin", "county_official"])
def test_every_staff_role_reads_its_own_inbox(client, cast, who):
    user = getattr(cast, who)
    Notification.objects.create(recipient=user, kind="dispatched", title="已派遣给您")
    Notification.objects.create(recipient=cast.other_official, kind="k", title="别人的")
    client.force_login(user)

    response = client.get(reverse("members:notifications"))

    assert response.status_code == 200
    assert [n.title for n in response.context["page"].object_list] == ["已派遣给您"]


def test_the_menu_counts_the_unread_notifications(client, cast):
    Notification.objects.create(recipient=cast.town_official, kind="k", title="一")
    Notification.objects.create(recipient=cast.town_official, kind="k", title="二")
    client.force_login(cast.town_official)

    page = client.get(QUEUE).content.decode()

    assert 'class="nav-count">2<' in page


def test_reading_all_empties_the_count_and_returns_to_the_inbox(client, cast):
    Notification.objects.create(recipient=cast.town_official, kind="k", title="一")
    client.force_login(cast.town_official)

    response = client.post(reverse("members:notifications_read"))

    assert response.url == reverse("members:notifications")
    assert 'class="nav-count"' not in client.get(QUEUE).content.decode()


def test_a_resident_without_staff_work_sees_no_inbox_link(client, cast):
    client.force_login(cast.resident)

    page = client.get(reverse("public:mine")).content.decode()

    assert reverse("members:notifications") not in page
