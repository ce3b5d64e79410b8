import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from incidents.models import Incident
from incidents.services import transitions
from incidents.services.catalogue import department_save
from incidents.services.reporting import incident_report
from incidents.templatetags import case_tags
from members.models import Notification
from tests.conftest import NOW, make_user

WORKSPACE = reverse("members:workspace")


@pytest.fixture
def file_case(cast, garbage, ladder):
    def _file(grid, title, actor=None):
        return incident_report(
            actor=actor or cast.town_official,
            category=garbage,
            title=title,
            description="描述",
            source=Incident.Source.HOTLINE,
            grid=grid,
        )

    return _file


def handled(incident, cast, ladder):
    """Take a case round the loop to "handled" (waiting for the grid's check)."""
    department = department_save(code="um", name="执法队", region=ladder.town)
    handler = cast.town_official
    handler.groups.add(department.handlers)
    transitions.incident_accept(actor=cast.town_official, incident=incident)
    transitions.incident_dispatch(
        actor=cast.town_official, incident=incident, user=None, department=department
    )
    transitions.incident_start(actor=handler, incident=incident)
    return transitions.incident_handle(actor=handler, incident=incident, note="已处理")


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(WORKSPACE)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={WORKSPACE}"


@pytest.mark.parametrize("who", ["resident", "town_official", "village_staff", "admin"])
def test_only_grid_members_have_a_workspace(client, cast, who):
    client.force_login(getattr(cast, who))

    assert client.get(WORKSPACE).status_code == 403


@pytest.mark.parametrize("who", ["member", "leader"])
def test_grid_members_land_on_their_workspace(client, cast, who):
    client.force_login(getattr(cast, who))

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url == WORKSPACE


@pytest.mark.time_machine(NOW, tick=False)
def test_lists_the_members_open_cases_soonest_due_first(client, cast, ladder, file_case):
    later = file_case(ladder.a1, "后到期")
    sooner = file_case(ladder.a1, "先到期")
    Incident.objects.filter(pk=later.pk).update(deadline=NOW + datetime.timedelta(days=3))
    Incident.objects.filter(pk=sooner.pk).update(deadline=NOW + datetime.timedelta(days=1))
    file_case(ladder.a2, "别的网格")
    file_case(ladder.b1, "别的镇", actor=cast.other_official)
    client.force_login(cast.member)

    response = client.get(WORKSPACE)

    assert [i.title for i in response.context["open_cases"]] == ["先到期", "后到期"]
    assert response.context["to_verify"] == []
    assert "别的网格" not in response.content.decode()


def test_lists_handled_cases_of_the_members_grids_for_checking(client, cast, ladder, file_case):
    mine = handled(file_case(ladder.a1, "待核查"), cast, ladder)
    handled(file_case(ladder.a2, "别人的待核查"), cast, ladder)
    client.force_login(cast.member)

    response = client.get(WORKSPACE)

    assert [i.pk for i in response.context["to_verify"]] == [mine.pk]
    assert response.context["open_cases"] == []
    assert 'id="verify-cases"' in response.content.decode()


def test_shows_only_the_users_unread_notifications(client, cast):
    Notification.objects.create(recipient=cast.member, kind="incident", title="新事件")
    Notification.objects.create(
        recipient=cast.member, kind="incident", title="已读", read_at=timezone.now()
    )
    Notification.objects.create(recipient=cast.other_member, kind="incident", title="别人的")
    client.force_login(cast.member)

    response = client.get(WORKSPACE)

    assert [n.title for n in response.context["notifications"]] == ["新事件"]
    assert response.context["unread"] == 1


def test_marks_one_notification_read(client, cast):
    first = Notification.objects.create(recipient=cast.member, kind="k", title="一")
    second = Notification.objects.create(recipient=cast.member, kind="k", title="二")
    client.force_login(cast.member)

    response = client.post(reverse("members:notifications_read"), {"id": first.pk})

    assert response.status_code == 302
    assert response.url == reverse("members:notifications")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None


def test_marks_all_read(client, cast):
    for title in ("一", "二"):
        Notification.objects.create(recipient=cast.member, kind="k", title=title)
    client.force_login(cast.member)

    client.post(reverse("members:notifications_read"))

    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_cannot_mark_someone_elses_notification(client, cast):
    theirs = Notification.objects.create(recipient=cast.other_member, kind="k", title="别人的")
    client.force_login(cast.member)

    client.post(reverse("members:notifications_read"), {"id": theirs.pk})

    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize("bad", ["abc", "-1", "1 OR 1=1"])
def test_a_bad_notification_id_is_not_found(client, cast, bad):
    client.force_login(cast.member)

    assert client.post(reverse("members:notifications_read"), {"id": bad}).status_code == 404


def test_refuses_an_outside_next_address(client, cast):
    client.force_login(cast.member)

    response = client.post(
        reverse("members:notifications_read"), {"next": "https://evil.example/"}
    )

    assert response.url == reverse("members:notifications")


def test_the_notifications_page_lists_only_ones_own(client, cast):
    Notification.objects.create(recipient=cast.member, kind="k", title="我的")
    Notification.objects.create(recipient=cast.other_member, kind="k", title="别人的")
    client.force_login(cast.member)

    response = client.get(reverse("members:notifications"))

    assert [n.title for n in response.context["page"].object_list] == ["我的"]


def test_the_workspace_runs_the_same_queries_whatever_the_data(client, cast, ladder, file_case):
    client.force_login(cast.member)
    client.get(WORKSPACE)  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(WORKSPACE)
    for number in range(4):
        handled(file_case(ladder.a1, f"核查{number}"), cast, ladder)
        file_case(ladder.a1, f"事件{number}")
        Notification.objects.create(recipient=cast.member, kind="k", title=f"通知{number}")

    with CaptureQueriesContext(connection) as many:
        response = client.get(WORKSPACE)

    assert len(response.context["open_cases"]) == 4
    assert len(response.context["to_verify"]) == 4
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_long_case_list_is_cut_and_says_how_many_it_shows(
    client, cast, ladder, file_case, monkeypatch
):
    monkeypatch.setattr(case_tags, "CASES_SHOWN", 2)
    for number in range(3):
        file_case(ladder.a1, f"事件{number}")
    client.force_login(cast.member)

    response = client.get(WORKSPACE, HTTP_ACCEPT_LANGUAGE="en")

    assert len(response.context["open_cases"]) == 2
    assert response.context["more_open"] is True
    assert "Only the first 2 are shown" in response.content.decode()


def test_the_menu_shows_grid_members_their_pages_only(client, cast):
    client.force_login(cast.member)

    menu = client.get(WORKSPACE).content.decode().split("</nav>")[0]

    for name in ("members:patrol", "incidents:quick_report", "members:households"):
        assert f'href="{reverse(name)}"' in menu
    assert f'href="{reverse("members:resident_list")}"' not in menu
    assert f'href="{reverse("grids:map")}"' not in menu
    assert f'href="{reverse("password_change")}"' in client.get(WORKSPACE).content.decode()


def test_officials_menu_has_no_workspace(client, cast):
    client.force_login(cast.town_official)

    page = client.get(reverse("grids:map")).content.decode()

    assert f'href="{WORKSPACE}"' not in page
    assert f'href="{reverse("grids:map")}"' in page


def test_the_service_worker_is_served_from_the_root(client):
    response = client.get(reverse("service_worker"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    body = response.content.decode()
    assert reverse("members:workspace") in body
    assert '"/static/js/outbox.js"' in body


@pytest.mark.parametrize("page", ["members:workspace", "members:patrol", "incidents:quick_report"])
def test_the_service_worker_keeps_every_file_the_offline_pages_load(client, cast, page):
    """A script or style missing from the worker's list breaks the page without signal."""
    client.force_login(cast.member)
    html = client.get(reverse(page)).content.decode()
    loaded = set(re.findall(r'(?:src|href)="(/static/[^"]+\.(?:js|css))"', html))
    kept = client.get(reverse("service_worker")).content.decode()

    assert loaded
    assert sorted(url for url in loaded if f'"{url}"' not in kept) == []


def test_an_inactive_member_record_has_no_workspace(client, cast):
    member = cast.member.grid_member
    member.is_active = False
    member.save(update_fields=["is_active"])
    client.force_login(cast.member)

    assert client.get(WORKSPACE).status_code == 403


def test_a_grid_role_without_a_member_record_has_no_workspace(client, db):
    user = make_user("no_record", Role.GRID_MEMBER)
    assert Group.objects.get(name=Role.GRID_MEMBER) in user.groups.all()
    client.force_login(user)

    assert client.get(WORKSPACE).status_code == 403
