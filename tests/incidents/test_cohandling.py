"""Lead and assisting units (主办/协办) and the arbitration of a second return (推诿)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from incidents.models import AssistingUnit, Incident, IncidentEvent, ReturnArbitration
from incidents.permissions import incidents_visible_to
from incidents.services import transitions as t
from incidents.services.catalogue import department_save
from incidents.services.cohandling import incident_assist_report
from incidents.services.errors import IncidentActionRefused
from incidents.services.handling import incident_arbitration_decide, incident_return
from tests.conftest import NOW, make_user
from tests.incidents.conftest import events_of

pytestmark = pytest.mark.time_machine(NOW, tick=False)
S = Incident.Status


@pytest.fixture
def helper_department(ladder):
    return department_save(code="market", name="市场监管所", region=ladder.town)


@pytest.fixture
def helper(helper_department):
    user = make_user("handler_market", "department_handler", helper_department.region)
    user.groups.add(helper_department.handlers)
    return user


@pytest.fixture
def co_handled(report, cast, department, helper_department, handler):
    incident = t.incident_accept(actor=cast.town_official, incident=report())
    incident = t.incident_dispatch(
        actor=cast.town_official,
        incident=incident,
        department=department,
        assisting=[helper_department],
    )
    return t.incident_start(actor=handler, incident=incident)


def test_a_dispatch_names_a_lead_and_assisting_units(co_handled, department, helper):
    assert co_handled.assignee_department == department
    part = AssistingUnit.objects.get()
    assert (part.department.code, part.status) == ("market", "pending")
    assert incidents_visible_to(helper).filter(pk=co_handled.pk).exists()


def test_a_co_handled_case_closes_only_after_the_parts_and_the_lead(co_handled, handler, helper):
    with pytest.raises(IncidentActionRefused):
        t.incident_handle(actor=handler, incident=co_handled, note="已处置")
    part = incident_assist_report(actor=helper, incident=co_handled, note="已查处无证摊贩")

    assert Incident.objects.get(pk=co_handled.pk).status == S.IN_PROGRESS  # the part alone
    handled = t.incident_handle(actor=handler, incident=co_handled, note="已处置")

    assert (part.status, handled.status) == ("reported", S.HANDLED)
    assert events_of(co_handled)[-2:] == ["assist_report", "handle"]


def test_an_assisting_unit_may_not_close_the_handling_stage(co_handled, helper):
    with pytest.raises(PermissionDenied):
        t.incident_handle(actor=helper, incident=co_handled, note="越权结案")

    assert Incident.objects.get(pk=co_handled.pk).status == S.IN_PROGRESS


def test_refuses_a_report_from_a_unit_that_does_not_assist(co_handled, handler, cast):
    for actor in (handler, cast.other_official):
        with pytest.raises(PermissionDenied):
            incident_assist_report(actor=actor, incident=co_handled, note="x")

    assert AssistingUnit.objects.get().status == "pending"


@pytest.fixture
def returned_once(report, cast, department, handler, reason):
    incident = t.incident_accept(actor=cast.town_official, incident=report())
    incident = t.incident_dispatch(
        actor=cast.town_official, incident=incident, department=department
    )
    incident = incident_return(
        actor=handler, incident=incident, reason_code=reason("return"), note="不属于本单位"
    )
    return t.incident_dispatch(actor=cast.town_official, incident=incident, department=department)


def return_again(handler, incident, reason):
    return incident_return(
        actor=handler, incident=incident, reason_code=reason("return"), note="仍不属于本单位"
    )


def test_a_second_return_by_the_same_unit_goes_to_arbitration(returned_once, handler, reason):
    incident = return_again(handler, returned_once, reason)

    assert (incident.status, incident.assignee_department) == (
        S.DISPATCHED,
        returned_once.assignee_department,
    )
    arbitration = ReturnArbitration.objects.get()
    assert arbitration.status == "pending"
    assert events_of(incident)[-1] == "arbitrate_ask"
    assert IncidentEvent.objects.filter(action="return").count() == 1


def test_the_arbitration_binds_the_unit_to_the_case(returned_once, handler, cast, reason):
    return_again(handler, returned_once, reason)
    arbitration = ReturnArbitration.objects.get()

    incident_arbitration_decide(
        actor=cast.town_official, arbitration=arbitration, uphold=False, note="属于执法队职责"
    )

    with pytest.raises(IncidentActionRefused):
        return_again(handler, returned_once, reason)
    incident = Incident.objects.get(pk=returned_once.pk)
    assert (incident.status, ReturnArbitration.objects.get().status) == (S.DISPATCHED, "refused")


def test_an_upheld_arbitration_returns_the_case_and_counts_the_return(
    returned_once, handler, cast, reason
):
    return_again(handler, returned_once, reason)

    incident_arbitration_decide(
        actor=cast.town_official, arbitration=ReturnArbitration.objects.get(), uphold=True
    )

    incident = Incident.objects.get(pk=returned_once.pk)
    assert (incident.status, incident.assignee_department) == (S.ACCEPTED, None)
    returns = IncidentEvent.objects.filter(action="return")
    assert list(returns.values_list("department__code", flat=True)) == ["urban-management"] * 2


@pytest.mark.parametrize("who", ["handler", "member", "other_official"])
def test_refuses_arbitration_by_anyone_but_the_official_above(
    returned_once, handler, cast, reason, who
):
    return_again(handler, returned_once, reason)
    actor = handler if who == "handler" else getattr(cast, who)

    with pytest.raises(PermissionDenied):
        incident_arbitration_decide(
            actor=actor, arbitration=ReturnArbitration.objects.get(), uphold=True
        )

    assert ReturnArbitration.objects.get().status == "pending"


def test_the_assisting_unit_reports_its_part_from_the_case_page(co_handled, helper, client):
    client.force_login(helper)

    page = client.get(reverse("incidents:detail", args=[co_handled.pk]))
    response = client.post(
        reverse("incidents:action", args=[co_handled.pk, "assist_report"]),
        {"assist_report-note": "已查处"},
    )

    assert "assist_report" in [form.action for form in page.context["action_forms"]]
    assert response.status_code == 302
    assert AssistingUnit.objects.get().status == "reported"


def test_the_official_above_arbitrates_from_the_case_page(
    returned_once, handler, cast, reason, client
):
    return_again(handler, returned_once, reason)
    url = reverse("incidents:action", args=[returned_once.pk, "arbitrate"])
    refusal = {"arbitrate-decision": "refuse", "arbitrate-note": "属于执法队职责"}
    client.force_login(handler)
    handler_page = client.get(reverse("incidents:detail", args=[returned_once.pk]))
    denied = client.post(url, refusal)
    client.force_login(cast.town_official)

    page = client.get(reverse("incidents:detail", args=[returned_once.pk]))
    without_note = client.post(url, {"arbitrate-decision": "refuse"})
    decided = client.post(url, refusal)

    assert "arbitrate" not in [form.action for form in handler_page.context["action_forms"]]
    assert denied.status_code == 403
    assert "arbitrate" in [form.action for form in page.context["action_forms"]]
    assert "仍不属于本单位" in page.content.decode()  # the department's reason, to decide on
    assert without_note.status_code == 400
    assert decided.status_code == 302
    arbitration = ReturnArbitration.objects.get()
    assert (arbitration.status, arbitration.decided_by) == ("refused", cast.town_official)
    assert events_of(returned_once)[-1] == "arbitrate"


def test_another_towns_official_cannot_arbitrate_from_the_page(
    returned_once, handler, cast, reason, client
):
    return_again(handler, returned_once, reason)
    client.force_login(cast.other_official)

    response = client.post(
        reverse("incidents:action", args=[returned_once.pk, "arbitrate"]),
        {"arbitrate-decision": "uphold"},
    )

    assert response.status_code == 404
    assert ReturnArbitration.objects.get().status == "pending"
