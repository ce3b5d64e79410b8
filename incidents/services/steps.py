"""The steps a case page and the API take by name: one function per step, the same for both.

Each door checks who may take the step (incidents.selectors.incident_action_permitted) and
parses its input into the same keys (the page's forms, the API's serializers); the step
function hands them to the loop's service. A step behaves alike through either door, and a
door holds nothing but its HTTP.

Most steps pass their input to their service as it is (``_passing``); the three below it
do a little more.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from incidents.models import Attachment, DeadlineExtension, Incident, ReturnArbitration
from incidents.selectors import incident_pending_arbitration, incident_pending_extension
from incidents.services import handling, transitions
from incidents.services.attachments import attachment_add
from incidents.services.cohandling import incident_assist_report
from incidents.services.dispatch_rules import incident_accept_and_dispatch
from incidents.services.errors import IncidentActionRefused
from members.models import User

StepInput = Mapping[str, Any]
Outcome = Incident | DeadlineExtension | ReturnArbitration
Step = Callable[[User, Incident, StepInput], Outcome]


def _passing(service: Callable[..., Outcome], *keys: str) -> Step:
    """The step that calls ``service`` with these keys of its input, as they are."""

    def step(actor: User, incident: Incident, data: StepInput) -> Outcome:
        return service(actor=actor, incident=incident, **{key: data[key] for key in keys})

    step.__name__ = step.__qualname__ = f"step_{service.__name__}"
    step.__doc__ = f"{service.__name__}({', '.join(keys)})"
    return step


def step_accept(actor: User, incident: Incident, data: StepInput) -> Incident:
    """``note``; with ``apply_rules``, dispatch by the town's rules when one applies."""
    if data.get("apply_rules"):
        return incident_accept_and_dispatch(actor=actor, incident=incident, note=data["note"])
    return transitions.incident_accept(actor=actor, incident=incident, note=data["note"])


def step_handle(actor: User, incident: Incident, data: StepInput) -> Incident:
    """``note``, and an optional ``photo`` after handling (the page sends one with the step;
    the API adds photos on their own endpoint)."""
    # One transaction: a photo that fails its checks undoes the step it came with.
    with transaction.atomic():
        incident = transitions.incident_handle(actor=actor, incident=incident, note=data["note"])
        if data.get("photo"):
            attachment_add(
                actor=actor, incident=incident, upload=data["photo"], kind=Attachment.Kind.AFTER
            )
    return incident


def step_extend_decide(actor: User, incident: Incident, data: StepInput) -> DeadlineExtension:
    """``approve`` or not the extension waiting for a decision; ``note``."""
    extension = incident_pending_extension(incident)
    if extension is None:
        raise IncidentActionRefused(_("No extension is waiting for a decision."), "no_extension")
    return handling.incident_extension_decide(
        actor=actor, extension=extension, approve=data["approve"], note=data["note"]
    )


def step_arbitrate(actor: User, incident: Incident, data: StepInput) -> ReturnArbitration:
    """``uphold`` or not the second return waiting for arbitration; ``note``."""
    arbitration = incident_pending_arbitration(incident)
    if arbitration is None:
        raise IncidentActionRefused(_("No return is waiting for arbitration."), "no_arbitration")
    return handling.incident_arbitration_decide(
        actor=actor, arbitration=arbitration, uphold=data["uphold"], note=data["note"]
    )


def step_dispatch(actor: User, incident: Incident, data: StepInput) -> Incident:
    """``user`` or ``department``, ``note``; optionally ``assisting`` departments."""
    return transitions.incident_dispatch(
        actor=actor,
        incident=incident,
        user=data["user"],
        department=data["department"],
        note=data["note"],
        assisting=list(data.get("assisting") or []),
    )


def step_assist_report(actor: User, incident: Incident, data: StepInput) -> Incident:
    """``note``: an assisting unit's report of its part."""
    incident_assist_report(actor=actor, incident=incident, note=data["note"])
    return incident


def step_supervise(actor: User, incident: Incident, data: StepInput) -> Incident:
    """``on``, ``note``; to start, optionally ``level``, ``reason_code``, ``deadline``."""
    return transitions.incident_supervise(
        actor=actor,
        incident=incident,
        on=data["on"],
        note=data["note"],
        level=data.get("level"),
        reason_code=data.get("reason_code"),
        deadline=data.get("deadline"),
    )


STEPS: dict[str, Step] = {
    "accept": step_accept,
    "reject": _passing(transitions.incident_reject, "reason", "reason_code"),
    "dispatch": step_dispatch,
    "start": _passing(transitions.incident_start, "note"),
    "handle": step_handle,
    "verify": _passing(transitions.incident_verify, "passed", "reason", "reason_code"),
    "escalate": _passing(transitions.incident_escalate, "reason"),
    "supervise": step_supervise,
    "merge": _passing(transitions.incident_merge, "into", "note"),
    "evaluate": _passing(transitions.incident_evaluate, "satisfaction", "comment"),
    "return": _passing(handling.incident_return, "reason_code", "note"),
    "assist_report": step_assist_report,
    "extend": _passing(handling.incident_extension_request, "reason_code", "note", "new_deadline"),
    "extend_decide": step_extend_decide,
    "arbitrate": step_arbitrate,
    "suspend": _passing(handling.incident_suspend, "reason_code", "note", "review_on"),
    "resume": _passing(handling.incident_resume, "note"),
    "reopen": _passing(handling.incident_reopen, "reason_code", "note"),
}
