"""The 12345 bridge's back-sync against a fake hotline: every status change of a work
order's case is posted, signed, in order, through the outbox; retried with backoff while
the hotline fails or hangs; a repeat is harmless; nothing is lost."""

import datetime
import json

import pytest
from rest_framework.test import APIClient

from core.webhooks import signature
from incidents.models import HotlineUpdate, Incident
from incidents.services import handling, transitions
from incidents.services.escalation import incidents_escalate_overdue
from incidents.services.hotline import hotline_order_file
from incidents.services.hotline_sync import hotline_update_retry, hotline_updates_deliver
from tests.conftest import NOW, starter_reason
from tests.incidents.fake_hotline import SECRET, statuses_taken

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=False)]
S = Incident.Status


@pytest.fixture
def work_order(operator, category, point_in_a1):
    def _file(order_id="GD-0001"):
        incident, _created = hotline_order_file(
            actor=operator,
            order_id=order_id,
            category=category,
            description="村口垃圾堆放",
            caller_phone="13912345678",
            location=point_in_a1,
        )
        return incident

    return _file


def close(incident, cast, handler, department):
    """Accept, dispatch to the department, start, handle, verify: closed."""
    incident = transitions.incident_accept(actor=cast.town_official, incident=incident)
    incident = transitions.incident_dispatch(
        actor=cast.town_official, incident=incident, department=department
    )
    incident = transitions.incident_start(actor=handler, incident=incident)
    incident = transitions.incident_handle(actor=handler, incident=incident, note="已清运")
    return transitions.incident_verify(actor=cast.member, incident=incident, passed=True)


def deliver_until_quiet(time_machine, rounds=30):
    """The beat sweep, every few minutes, until nothing is pending or rounds run out."""
    now = NOW
    for _round in range(rounds):
        hotline_updates_deliver()
        if not HotlineUpdate.objects.filter(status="pending").exists():
            return
        now += datetime.timedelta(minutes=5)
        time_machine.move_to(now, tick=False)


def test_a_status_change_is_posted_signed_with_its_event_id(
    fake_hotline, work_order, cast, ladder
):
    incident = transitions.incident_accept(actor=cast.town_official, incident=work_order())

    assert hotline_updates_deliver() == 1

    request = fake_hotline.received[0]
    payload = json.loads(request["body"])
    update = HotlineUpdate.objects.get()
    assert payload == {
        "event_id": update.event_id,
        "order_id": "GD-0001",
        "case_code": incident.code,
        "action": "accept",
        "status": "accepted",
        "status_label": "已受理",
        "previous_status": "reported",
        "level": incident.level,
        "level_label": "网格",
        "previous_level": incident.level,
        "note": "",
        "occurred_at": NOW.isoformat(),
    }
    assert request["timestamp"] == str(int(NOW.timestamp()))
    assert request["signature"] == signature(SECRET, request["timestamp"], request["body"])
    assert request["key"] == f"grid-hotline-event-{update.event_id}"
    assert (update.status, update.attempts, update.sent_at) == ("sent", 1, NOW)


def test_done_a_work_order_sent_twice_makes_one_case_and_its_closure_reaches_the_hotline_once(
    fake_hotline, operator, cast, ladder, handler, department, time_machine
):
    """The hotline posts its work order twice and is down (500) for the first tries of the
    back-sync: one case, and the hotline takes its closure exactly once, every step in
    order."""
    client = APIClient()
    client.force_authenticate(operator)
    body = {
        "order_id": "GD-0001",
        "category": "garbage",
        "description": "村口垃圾堆放",
        "caller_phone": "13912345678",
        "location": {"type": "Point", "coordinates": [121.005, 28.005]},
    }
    answers = [client.post("/api/hotline/orders/", body, format="json") for _ in range(2)]
    assert [answer.status_code for answer in answers] == [201, 200]
    incident = Incident.objects.get()
    fake_hotline.script = ["fail", "fail", "fail"]

    close(incident, cast, handler, department)
    deliver_until_quiet(time_machine)

    assert statuses_taken(fake_hotline) == [
        S.ACCEPTED,
        S.DISPATCHED,
        S.IN_PROGRESS,
        S.HANDLED,
        S.CLOSED,
    ]
    closures = [r for r in fake_hotline.received if json.loads(r["body"])["status"] == "closed"]
    assert len(closures) == 1
    first = HotlineUpdate.objects.order_by("pk").first()
    assert (first.attempts, first.status) == (4, "sent")
    assert first.last_error.startswith("HTTP 500")


def test_a_failed_attempt_waits_its_backoff_before_the_next(fake_hotline, work_order, cast):
    transitions.incident_accept(actor=cast.town_official, incident=work_order())
    fake_hotline.script = ["fail", "fail"]

    assert hotline_updates_deliver() == 0
    assert hotline_updates_deliver() == 0  # too early: nothing is posted

    update = HotlineUpdate.objects.get()
    assert len(fake_hotline.received) == 1
    assert (update.attempts, update.next_attempt_at) == (1, NOW + datetime.timedelta(minutes=2))


def test_a_hotline_that_hangs_is_retried_and_the_repeat_is_harmless(
    fake_hotline, work_order, cast, time_machine
):
    """The hotline took the update but answered after our timeout: the next attempt
    carries the same event id and key, and the hotline keeps it once."""
    transitions.incident_accept(actor=cast.town_official, incident=work_order())
    fake_hotline.script = ["hang"]

    assert hotline_updates_deliver() == 0
    assert "Timeout" in HotlineUpdate.objects.get().last_error
    time_machine.move_to(NOW + datetime.timedelta(minutes=3), tick=False)
    assert hotline_updates_deliver() == 1

    assert len(fake_hotline.received) == 2
    assert fake_hotline.received[0]["key"] == fake_hotline.received[1]["key"]
    assert fake_hotline.received[0]["body"] == fake_hotline.received[1]["body"]
    assert statuses_taken(fake_hotline) == [S.ACCEPTED]


def test_the_hotline_answering_twice_for_one_update_changes_nothing(
    fake_hotline, work_order, cast
):
    transitions.incident_accept(actor=cast.town_official, incident=work_order())
    hotline_updates_deliver()

    assert hotline_updates_deliver() == 0  # sent: never posted again
    assert len(fake_hotline.received) == 1


def test_a_later_step_waits_while_an_earlier_one_is_pending(fake_hotline, work_order, cast):
    incident = transitions.incident_accept(actor=cast.town_official, incident=work_order())
    fake_hotline.script = ["fail"]
    assert hotline_updates_deliver() == 0

    transitions.incident_dispatch(actor=cast.town_official, incident=incident, user=cast.member)

    assert hotline_updates_deliver() == 0  # the acceptance is still waiting: so is this
    assert [json.loads(r["body"])["status"] for r in fake_hotline.received] == ["accepted"]


def test_the_updates_of_another_work_order_do_not_wait(fake_hotline, work_order, cast):
    transitions.incident_accept(actor=cast.town_official, incident=work_order("GD-0001"))
    transitions.incident_accept(actor=cast.town_official, incident=work_order("GD-0002"))
    fake_hotline.script = ["fail"]

    assert hotline_updates_deliver() == 0  # the first failure ends the sweep
    assert hotline_updates_deliver() == 1  # the other order's update goes on

    assert [p["order_id"] for p in fake_hotline.taken.values()] == ["GD-0002"]


def test_updates_wait_while_no_callback_url_is_set(fake_hotline, work_order, cast, settings):
    settings.HOTLINE_CALLBACK_URL = ""
    transitions.incident_accept(actor=cast.town_official, incident=work_order())

    assert hotline_updates_deliver() == 0

    update = HotlineUpdate.objects.get()
    assert (update.status, update.attempts) == ("pending", 0)
    assert fake_hotline.received == []


def test_an_update_is_given_up_after_the_last_attempt_and_can_be_sent_again(
    fake_hotline, work_order, cast, settings, time_machine
):
    settings.HOTLINE_MAX_ATTEMPTS = 2
    transitions.incident_accept(actor=cast.town_official, incident=work_order())
    fake_hotline.script = ["refuse", "refuse"]

    deliver_until_quiet(time_machine)
    update = HotlineUpdate.objects.get()
    assert (update.status, update.attempts) == ("failed", 2)
    assert update.last_error.startswith("HTTP 401")

    assert hotline_update_retry(ids=[update.pk]) == 1
    assert hotline_updates_deliver() == 1
    assert statuses_taken(fake_hotline) == [S.ACCEPTED]


def test_cases_that_did_not_come_as_work_orders_post_nothing(fake_hotline, report, cast):
    transitions.incident_accept(actor=cast.town_official, incident=report())
    transitions.incident_accept(
        actor=cast.town_official, incident=report(source=Incident.Source.HOTLINE)
    )

    assert not HotlineUpdate.objects.exists()


def test_the_update_is_written_with_the_step_and_queued_after_its_commit(
    work_order, cast, django_capture_on_commit_callbacks
):
    incident = work_order()
    with django_capture_on_commit_callbacks() as callbacks:
        transitions.incident_accept(actor=cast.town_official, incident=incident)

    assert HotlineUpdate.objects.get().payload["status"] == "accepted"
    assert len(callbacks) >= 1


def test_a_refused_step_writes_no_update(work_order, cast):
    incident = work_order()
    with pytest.raises(Exception, match="."):
        transitions.incident_start(actor=cast.town_official, incident=incident)

    assert not HotlineUpdate.objects.exists()


def test_the_review_date_sweep_posts_the_resumed_status(
    fake_hotline, work_order, cast, time_machine
):
    incident = transitions.incident_accept(actor=cast.town_official, incident=work_order())
    handling.incident_suspend(
        actor=cast.town_official,
        incident=incident,
        note="等待雨停",
        reason_code=starter_reason("suspension"),
        review_on=(NOW + datetime.timedelta(days=2)).date(),
    )
    time_machine.move_to(NOW + datetime.timedelta(days=3), tick=False)

    assert handling.incidents_resume_due() == 1
    deliver_until_quiet(time_machine)

    assert statuses_taken(fake_hotline) == [S.ACCEPTED, S.SUSPENDED, S.ACCEPTED]
    assert [u.payload["action"] for u in HotlineUpdate.objects.order_by("pk")] == [
        "accept",
        "suspend",
        "resume",
    ]


def test_an_escalation_by_hand_tells_the_hotline_the_new_level(fake_hotline, work_order, cast):
    incident = work_order()
    start = incident.level

    transitions.incident_escalate(actor=cast.town_official, incident=incident, reason="超出权限")
    assert hotline_updates_deliver() == 1

    payload = json.loads(fake_hotline.received[-1]["body"])
    assert (payload["action"], payload["previous_level"], payload["level"]) == (
        "escalate",
        start,
        start - 1,
    )
    assert payload["status"] == payload["previous_status"] == incident.status
    assert payload["level_label"] == "村（社区）"


def test_an_escalation_by_the_sweep_tells_the_hotline_the_new_level(
    fake_hotline, work_order, cast, report, time_machine
):
    """The sweep writes its events set-based; the hotline's work orders among the escalated
    cases get their outbox rows in the same batch, other cases none."""
    incident = work_order()
    other = report()
    start = incident.level
    later = max(incident.deadline, other.deadline) + datetime.timedelta(minutes=1)
    time_machine.move_to(later, tick=False)

    assert incidents_escalate_overdue(now=later).escalated == 2
    assert hotline_updates_deliver() == 1

    updates = list(HotlineUpdate.objects.select_related("event"))
    assert [(u.event.incident_id, u.event.action) for u in updates] == [
        (incident.pk, "auto_escalate")
    ]
    payload = json.loads(fake_hotline.received[-1]["body"])
    assert (payload["previous_level"], payload["level"]) == (start, start - 1)
    assert payload["order_id"] == "GD-0001"
    assert updates[0].status == "sent"
    # A second sweep has nothing to escalate and writes nothing more.
    assert incidents_escalate_overdue(now=later).escalated == 0
    assert HotlineUpdate.objects.count() == 1


def test_a_platform_administrator_sends_given_up_updates_again_from_the_admin(
    client, cast, work_order, settings
):
    settings.HOTLINE_CALLBACK_URL = ""
    transitions.incident_accept(actor=cast.town_official, incident=work_order())
    HotlineUpdate.objects.update(status="failed", attempts=20)
    cast.admin.is_staff = True
    cast.admin.save(update_fields=["is_staff"])
    client.force_login(cast.admin)
    update = HotlineUpdate.objects.get()

    listing = client.get("/admin/incidents/hotlineupdate/")
    client.post(
        "/admin/incidents/hotlineupdate/",
        {"action": "send_again", "_selected_action": [update.pk]},
    )

    assert listing.status_code == 200
    assert "已受理" in listing.text  # the case status the hotline was sent
    update.refresh_from_db()
    assert (update.status, update.attempts) == ("pending", 0)


def test_officials_do_not_see_the_back_sync_outbox_in_the_admin(client, cast):
    cast.county_official.is_staff = True
    cast.county_official.save(update_fields=["is_staff"])
    client.force_login(cast.county_official)

    assert client.get("/admin/incidents/hotlineupdate/").status_code == 403
