"""Every step of the loop: allowed for the right people, refused for the others."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from incidents.models import Incident, Level
from incidents.services import transitions as t
from incidents.services.errors import IncidentActionRefused
from tests.conftest import starter_reason
from tests.incidents.conftest import events_of

S = Incident.Status
EVERYONE = [
    "anonymous",
    "resident",
    "member",
    "other_member",
    "leader",
    "village_staff",
    "town_official",
    "other_official",
    "county_official",
    "admin",
    "handler",
]
MANAGERS = {"leader", "village_staff", "town_official", "county_official", "admin"}
VERIFIERS = MANAGERS | {"member"}


@pytest.fixture
def actors(cast, handler):
    def actor(name):
        if name == "anonymous":
            return AnonymousUser()
        return handler if name == "handler" else getattr(cast, name)

    return actor


def advance(incident, to_status, cast):
    """Walk a case (reported by the cast's resident) along the happy path."""
    path = [S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.HANDLED, S.CLOSED, S.EVALUATED]
    steps = {
        S.ACCEPTED: lambda i: t.incident_accept(actor=cast.admin, incident=i),
        S.DISPATCHED: lambda i: t.incident_dispatch(
            actor=cast.admin, incident=i, user=cast.member
        ),
        S.IN_PROGRESS: lambda i: t.incident_start(actor=cast.member, incident=i),
        S.HANDLED: lambda i: t.incident_handle(actor=cast.member, incident=i, note="已清理"),
        S.CLOSED: lambda i: t.incident_verify(actor=cast.admin, incident=i, passed=True),
        S.EVALUATED: lambda i: t.incident_evaluate(
            actor=cast.resident, incident=i, satisfaction="satisfied"
        ),
    }
    for status in path[: path.index(to_status) + 1] if to_status in path else []:
        incident = steps[status](incident)
    return incident


@pytest.fixture
def case_at(report, cast):
    def _case_at(status):
        incident = report(actor=cast.resident, source=Incident.Source.RESIDENT)
        return advance(incident, status, cast)

    return _case_at


ACTIONS = {
    # name: (status before, people allowed, call, status after)
    "accept": (
        S.REPORTED,
        MANAGERS,
        lambda a, i, c: t.incident_accept(actor=a, incident=i),
        S.ACCEPTED,
    ),
    "reject": (
        S.REPORTED,
        MANAGERS,
        lambda a, i, c: t.incident_reject(
            actor=a, incident=i, reason="不属实", reason_code=starter_reason("reject")
        ),
        S.REJECTED,
    ),
    "dispatch": (
        S.ACCEPTED,
        MANAGERS,
        lambda a, i, c: t.incident_dispatch(actor=a, incident=i, user=c.member),
        S.DISPATCHED,
    ),
    "start": (
        S.DISPATCHED,
        {"member"},
        lambda a, i, c: t.incident_start(actor=a, incident=i),
        S.IN_PROGRESS,
    ),
    "handle": (
        S.IN_PROGRESS,
        {"member"},
        lambda a, i, c: t.incident_handle(actor=a, incident=i, note="已处理"),
        S.HANDLED,
    ),
    "verify": (
        S.HANDLED,
        VERIFIERS,
        lambda a, i, c: t.incident_verify(actor=a, incident=i, passed=True),
        S.CLOSED,
    ),
    "rework": (
        S.HANDLED,
        VERIFIERS,
        lambda a, i, c: t.incident_verify(
            actor=a,
            incident=i,
            passed=False,
            reason="未清理干净",
            reason_code=starter_reason("rework"),
        ),
        S.IN_PROGRESS,
    ),
    "evaluate": (
        S.CLOSED,
        {"resident"},
        lambda a, i, c: t.incident_evaluate(actor=a, incident=i, satisfaction="satisfied"),
        S.EVALUATED,
    ),
}
CASES = [
    (action, name, name in allowed)
    for action, (_before, allowed, _call, _after) in ACTIONS.items()
    for name in EVERYONE
]


@pytest.mark.parametrize(("action", "name", "allowed"), CASES)
def test_each_step_is_open_only_to_its_people(case_at, cast, actors, action, name, allowed):
    before, _allowed, call, after = ACTIONS[action]
    incident = case_at(before)
    events_before = events_of(incident)

    if allowed:
        call(actors(name), incident, cast)
        incident.refresh_from_db()
        assert incident.status == after
        assert events_of(incident) == [*events_before, action]
    else:
        with pytest.raises(PermissionDenied):
            call(actors(name), incident, cast)
        incident.refresh_from_db()
        assert incident.status == before
        assert events_of(incident) == events_before


ILLEGAL = [
    ("accept", S.ACCEPTED),
    ("accept", S.CLOSED),
    ("reject", S.DISPATCHED),
    ("dispatch", S.REPORTED),
    ("dispatch", S.IN_PROGRESS),
    ("start", S.HANDLED),
    ("handle", S.DISPATCHED),
    ("verify", S.IN_PROGRESS),
    ("rework", S.CLOSED),
    ("rework", S.DISPATCHED),
    ("evaluate", S.HANDLED),
    ("evaluate", S.EVALUATED),
]


@pytest.mark.parametrize(("action", "status"), ILLEGAL)
def test_a_step_the_table_does_not_allow_is_refused_without_change(
    case_at, cast, actors, action, status
):
    incident = case_at(status)
    events_before = events_of(incident)
    _before, allowed, call, _after = ACTIONS[action]
    actor = actors("resident" if action == "evaluate" else "admin")
    if action in ("start", "handle"):
        actor = cast.member

    with pytest.raises(IncidentActionRefused) as error:
        call(actor, incident, cast)

    assert error.value.code == "illegal_transition"
    incident.refresh_from_db()
    assert incident.status == status
    assert events_of(incident) == events_before


def test_the_transition_table_names_every_status():
    assert set(Incident.TRANSITIONS) == set(S)


def test_rejection_and_rework_need_a_reason_code_and_a_note(case_at, cast):
    reported = case_at(S.REPORTED)
    handled = case_at(S.HANDLED)

    with pytest.raises(ValidationError):
        t.incident_reject(
            actor=cast.admin, incident=reported, reason=" ", reason_code=starter_reason("reject")
        )
    with pytest.raises(ValidationError) as no_code:
        t.incident_reject(actor=cast.admin, incident=reported, reason="不属实")
    assert "reason_code" in no_code.value.message_dict
    with pytest.raises(ValidationError):
        t.incident_verify(
            actor=cast.admin,
            incident=handled,
            passed=False,
            reason="",
            reason_code=starter_reason("rework"),
        )
    with pytest.raises(ValidationError) as no_code:
        t.incident_verify(actor=cast.admin, incident=handled, passed=False, reason="没清干净")
    assert "reason_code" in no_code.value.message_dict
    with pytest.raises(ValidationError):  # a code of another step's kind
        t.incident_reject(
            actor=cast.admin,
            incident=reported,
            reason="不属实",
            reason_code=starter_reason("rework"),
        )

    assert events_of(reported) == ["report"]
    assert Incident.objects.get(pk=handled.pk).status == S.HANDLED


def test_dispatch_to_a_department_lets_its_handlers_work_the_case(
    case_at, cast, department, handler
):
    incident = t.incident_dispatch(
        actor=cast.town_official, incident=case_at(S.ACCEPTED), department=department
    )

    t.incident_start(actor=handler, incident=incident)

    assert Incident.objects.get(pk=incident.pk).status == S.IN_PROGRESS
    with pytest.raises(PermissionDenied):
        t.incident_start(actor=cast.other_member, incident=incident)


def test_refuses_dispatch_to_someone_outside_the_case_area(case_at, cast):
    incident = case_at(S.ACCEPTED)

    with pytest.raises(ValidationError):
        t.incident_dispatch(actor=cast.town_official, incident=incident, user=cast.other_official)

    assert events_of(incident) == ["report", "accept"]


def test_merging_closes_the_case_with_a_link(case_at, cast):
    survivor, duplicate = case_at(S.ACCEPTED), case_at(S.REPORTED)

    t.incident_merge(actor=cast.town_official, incident=duplicate, into=survivor)

    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.duplicate_of) == (S.MERGED, survivor)
    assert events_of(duplicate) == ["report", "merge"]


def test_refuses_a_merge_into_itself_or_into_a_loop(case_at, cast):
    first, second = case_at(S.REPORTED), case_at(S.REPORTED)
    t.incident_merge(actor=cast.town_official, incident=first, into=second)
    first.refresh_from_db()

    with pytest.raises(ValidationError):
        t.incident_merge(actor=cast.town_official, incident=second, into=second)
    with pytest.raises(ValidationError):
        t.incident_merge(actor=cast.town_official, incident=second, into=first)

    assert Incident.objects.get(pk=second.pk).status == S.REPORTED


@pytest.mark.parametrize(
    ("name", "allowed"),
    [(n, n in MANAGERS | {"member"}) for n in EVERYONE],
)
def test_escalation_by_hand(case_at, cast, actors, name, allowed):
    incident = case_at(S.REPORTED)

    if allowed:
        t.incident_escalate(actor=actors(name), incident=incident, reason="超出网格处置能力")
        incident.refresh_from_db()
        assert (incident.level, incident.handling_region) == (Level.VILLAGE, incident.grid.village)
        assert events_of(incident) == ["report", "escalate"]
    else:
        with pytest.raises(PermissionDenied):
            t.incident_escalate(actor=actors(name), incident=incident, reason="超出网格处置能力")
        incident.refresh_from_db()
        assert incident.level == Level.GRID
        assert events_of(incident) == ["report"]


@pytest.mark.parametrize(("name", "allowed"), [(n, n in MANAGERS) for n in EVERYONE])
def test_supervision_on_and_off(case_at, actors, name, allowed):
    incident = case_at(S.DISPATCHED)

    if allowed:
        t.incident_supervise(actor=actors(name), incident=incident, on=True)
        t.incident_supervise(actor=actors(name), incident=incident, on=False)
        assert events_of(incident)[-2:] == ["supervise", "unsupervise"]
    else:
        with pytest.raises(PermissionDenied):
            t.incident_supervise(actor=actors(name), incident=incident, on=True)
        assert Incident.objects.get(pk=incident.pk).is_supervised is False
        assert events_of(incident)[-1] == "dispatch"


def test_supervising_twice_is_refused(case_at, cast):
    incident = t.incident_supervise(actor=cast.admin, incident=case_at(S.ACCEPTED), on=True)

    with pytest.raises(IncidentActionRefused):
        t.incident_supervise(actor=cast.admin, incident=incident, on=True)

    assert events_of(incident).count("supervise") == 1
