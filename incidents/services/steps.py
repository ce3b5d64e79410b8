"""The steps a case page and the API take by name: one function per step, the same for both.

Each door checks who may take the step (incidents.selectors.incident_action_permitted) and
parses its input into the same keys (the page's forms, the API's serializers); the step
function here hands them to the loop's service. A step behaves alike through either door,
and a door holds nothing but its HTTP.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from incidents.models import Attachment, DeadlineExtension, Incident
from incidents.selectors import incident_pending_extension
from incidents.services import handling, transitions
from incidents.services.attachments import attachment_add
from incidents.services.dispatch_rules import incident_accept_and_dispatch
from incidents.services.errors import IncidentActionRefused
from members.models import User

StepInput = Mapping[str, Any]
Step = Callable[[User, Incident, StepInput], Incident | DeadlineExtension]


def step_accept(actor: User, incident: Incident, data: StepInput) -> Incident:
    """``note``; with ``apply_rules``, dispatch by the town's rules when one applies."""
    if data.get("apply_rules"):
        return incident_accept_and_dispatch(actor=actor, incident=incident, note=data["note"])
    return transitions.incident_accept(actor=actor, incident=incident, note=data["note"])


def step_reject(actor: User, incident: Incident, data: StepInput) -> Incident:
    """``reason`` (words) and ``reason_code``."""
    return transitions.incident_reject(
        actor=actor, incident=incident, reason=data["reason"], reason_code=data["reason_code"]
    )


def step_dispatch(actor: User, incident: Incident, data: StepInput) -> Incident:
    """``user`` or ``department``, and ``note``."""
    return transitions.incident_dispatch(
        actor=actor,
        incident=incident,
        user=data["user"],
        department=data["department"],
        note=data["note"],
    )


def step_start(actor: User, incident: Incident, data: StepInput) -> Incident:
    return transitions.incident_start(actor=actor, incident=incident, note=data["note"])


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


def step_verify(actor: User, incident: Incident, data: StepInput) -> Incident:
    """``passed`` (closes the case) or not (rework, with ``reason`` and ``reason_code``)."""
    return transitions.incident_verify(
        actor=actor,
        incident=incident,
        passed=data["passed"],
        reason=data["reason"],
        reason_code=data["reason_code"],
    )


def step_escalate(actor: User, incident: Incident, data: StepInput) -> Incident:
    return transitions.incident_escalate(actor=actor, incident=incident, reason=data["reason"])


def step_supervise(actor: User, incident: Incident, data: StepInput) -> Incident:
    """``on`` starts or ends supervision; ``note``."""
    return transitions.incident_supervise(
        actor=actor, incident=incident, on=data["on"], note=data["note"]
    )


def step_merge(actor: User, incident: Incident, data: StepInput) -> Incident:
    """``into``: the surviving case; ``note``."""
    return transitions.incident_merge(
        actor=actor, incident=incident, into=data["into"], note=data["note"]
    )


def step_evaluate(actor: User, incident: Incident, data: StepInput) -> Incident:
    """The reporter's ``satisfaction`` and ``comment``."""
    return transitions.incident_evaluate(
        actor=actor, incident=incident, satisfaction=data["satisfaction"], comment=data["comment"]
    )


def step_return(actor: User, incident: Incident, data: StepInput) -> Incident:
    return handling.incident_return(
        actor=actor, incident=incident, reason_code=data["reason_code"], note=data["note"]
    )


def step_extend(actor: User, incident: Incident, data: StepInput) -> DeadlineExtension:
    """``new_deadline`` asked for, ``reason_code`` and ``note``."""
    return handling.incident_extension_request(
        actor=actor,
        incident=incident,
        reason_code=data["reason_code"],
        note=data["note"],
        new_deadline=data["new_deadline"],
    )


def step_extend_decide(actor: User, incident: Incident, data: StepInput) -> DeadlineExtension:
    """``approve`` or not the extension waiting for a decision; ``note``."""
    extension = incident_pending_extension(incident)
    if extension is None:
        raise IncidentActionRefused(_("No extension is waiting for a decision."), "no_extension")
    return handling.incident_extension_decide(
        actor=actor, extension=extension, approve=data["approve"], note=data["note"]
    )


def step_suspend(actor: User, incident: Incident, data: StepInput) -> Incident:
    """Until ``review_on``, with ``reason_code`` and ``note``."""
    return handling.incident_suspend(
        actor=actor,
        incident=incident,
        reason_code=data["reason_code"],
        note=data["note"],
        review_on=data["review_on"],
    )


def step_resume(actor: User, incident: Incident, data: StepInput) -> Incident:
    return handling.incident_resume(actor=actor, incident=incident, note=data["note"])


def step_reopen(actor: User, incident: Incident, data: StepInput) -> Incident:
    return handling.incident_reopen(
        actor=actor, incident=incident, reason_code=data["reason_code"], note=data["note"]
    )


STEPS: dict[str, Step] = {
    "accept": step_accept,
    "reject": step_reject,
    "dispatch": step_dispatch,
    "start": step_start,
    "handle": step_handle,
    "verify": step_verify,
    "escalate": step_escalate,
    "supervise": step_supervise,
    "merge": step_merge,
    "evaluate": step_evaluate,
    "return": step_return,
    "extend": step_extend,
    "extend_decide": step_extend_decide,
    "suspend": step_suspend,
    "resume": step_resume,
    "reopen": step_reopen,
}
