"""Merging duplicates: the rules (self, loops, closed targets) and the reporters kept
informed of the surviving case."""

import pytest
from django.core.exceptions import ValidationError

from incidents.models import Incident, IncidentFollower
from incidents.services import transitions as t
from members.models import Notification
from tests.conftest import starter_reason
from tests.incidents.conftest import events_of

S = Incident.Status


@pytest.fixture
def two(report, cast):
    survivor = report()
    duplicate = report(actor=cast.resident, source=Incident.Source.RESIDENT)
    return survivor, duplicate


def test_refuses_a_merge_into_itself_with_a_message(two, cast):
    _survivor, duplicate = two

    with pytest.raises(ValidationError) as error:
        t.incident_merge(actor=cast.town_official, incident=duplicate, into=duplicate)

    assert error.value.message_dict["into"] == ["A case cannot be merged into itself."]
    assert events_of(duplicate) == ["report"]


def test_refuses_a_chain_that_leads_back(report, cast):
    a, b, c = report(), report(), report()
    t.incident_merge(actor=cast.town_official, incident=a, into=b)
    b = t.incident_accept(actor=cast.town_official, incident=b)
    t.incident_merge(actor=cast.town_official, incident=b, into=c)

    with pytest.raises(ValidationError) as error:
        t.incident_merge(actor=cast.town_official, incident=c, into=a)

    assert "loop" in error.value.message_dict["into"][0]
    assert Incident.objects.get(pk=c.pk).status == S.REPORTED


@pytest.mark.parametrize("target_status", ["closed", "rejected", "merged"])
def test_refuses_a_target_no_longer_handled(report, cast, target_status):
    target, duplicate = report(), report()
    if target_status == "rejected":
        t.incident_reject(
            actor=cast.town_official,
            incident=target,
            reason="不属实",
            reason_code=starter_reason("reject"),
        )
    elif target_status == "merged":
        t.incident_merge(actor=cast.town_official, incident=target, into=report())
    else:
        target = t.incident_accept(actor=cast.town_official, incident=target)
        target = t.incident_dispatch(actor=cast.town_official, incident=target, user=cast.member)
        target = t.incident_start(actor=cast.member, incident=target)
        target = t.incident_handle(actor=cast.member, incident=target, note="已处理")
        t.incident_verify(actor=cast.town_official, incident=target, passed=True)

    with pytest.raises(ValidationError) as error:
        t.incident_merge(actor=cast.town_official, incident=duplicate, into=target)

    assert "merge only into a case still being handled" in error.value.message_dict["into"][0]
    assert events_of(duplicate) == ["report"]


def test_the_merged_reporter_follows_and_hears_of_the_survivor(two, cast):
    survivor, duplicate = two

    t.incident_merge(actor=cast.town_official, incident=duplicate, into=survivor)
    Notification.objects.all().delete()
    t.incident_accept(actor=cast.town_official, incident=survivor)

    follower = IncidentFollower.objects.get(incident=survivor)
    assert (follower.user, follower.joined_from) == (cast.resident, duplicate)
    told = set(
        Notification.objects.filter(title__contains="accepted").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {cast.member.username, cast.resident.username}


def test_an_anonymous_reporter_is_kept_by_phone(report, cast):
    survivor = report()
    duplicate = report(
        actor=None,
        source=Incident.Source.RESIDENT,
        reporter_name="李四",
        reporter_phone="13912345678",
    )

    t.incident_merge(actor=cast.town_official, incident=duplicate, into=survivor)

    follower = IncidentFollower.objects.get(incident=survivor)
    assert (follower.name, follower.phone_masked) == ("李四", duplicate.reporter_phone_masked)
    assert follower.phone_hash == duplicate.reporter_phone_hash
