"""Retention: manage.py anonymise removes what has been kept long enough, per data class,
and its dry run counts exactly what the real run changes."""

import datetime

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.db.models import Q

from incidents.models import Attachment, Incident, IncidentEvent, IncidentFollower
from incidents.services.followers import incident_follow
from members.models import PersonalDataAccess
from members.services import resident_reveal
from tests.conftest import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=False)]

SIX_YEARS = datetime.timedelta(days=6 * 365)
DOORSTEP = Point(121.00317, 28.00471, srid=4326)


def _finish(incident: Incident, when: datetime.datetime) -> None:
    Incident.objects.filter(pk=incident.pk).update(status=Incident.Status.CLOSED, closed_at=when)


def _run(*args) -> dict[str, int]:
    lines = []

    class Out:
        def write(self, text):
            lines.append(text)

    call_command("anonymise", *args, stdout=Out())
    return {
        name: int(value)
        for name, value in (line.strip().split(": ") for line in lines if ": " in line)
        if value.strip().isdigit()
    }


@pytest.fixture
def old_and_new(report, cast, time_machine):
    time_machine.move_to(NOW - SIX_YEARS, tick=False)
    old = report(
        actor=None,
        source=Incident.Source.RESIDENT,
        reporter_name="王小明",
        reporter_phone="13812345678",
        title="王小明家门口漏水",
        address="东山村12号",
        location=DOORSTEP,
    )
    incident_follow(actor=None, incident=old, name="李四", phone="13900001111")
    cast.other_member.first_name = "张三"
    cast.other_member.save(update_fields=["first_name"])
    incident_follow(actor=cast.other_member, incident=old)
    Attachment.objects.create(incident=old, kind="report", image="incidents/old.jpg")
    IncidentEvent.objects.filter(incident=old).update(note="电话13812345678")
    resident_reveal(
        actor=cast.town_official, resident=cast.resident_record, field="phone", reason="回访"
    )
    _finish(old, NOW - SIX_YEARS)
    time_machine.move_to(NOW, tick=False)
    new = report(
        actor=None,
        source=Incident.Source.RESIDENT,
        reporter_name="赵六",
        reporter_phone="13700002222",
    )
    _finish(new, NOW - datetime.timedelta(days=10))
    return old, new


def test_the_dry_run_counts_what_the_real_run_changes_and_changes_nothing(old_and_new):
    old, _new = old_and_new

    planned = _run("--dry-run")
    untouched = Incident.objects.get(pk=old.pk)
    done = _run()
    again = _run("--dry-run")

    assert untouched.reporter_name == "王小明"
    assert planned == done
    assert planned == {
        "reporter_contacts": 1,
        "anonymous_followers": 1,
        "follower_names": 1,
        "photos": 1,
        "cases": 1,
        "step_notes": 3,  # the report and the two joins
        "access_log": 1,
    }
    assert set(again.values()) == {0}


def test_an_expired_case_keeps_no_personal_data_and_a_recent_one_keeps_all(old_and_new):
    old, new = old_and_new

    _run()

    old = Incident.objects.get(pk=old.pk)
    assert (old.reporter_name, old.reporter_phone_encrypted, old.reporter_phone_masked) == (
        "",
        "",
        "",
    )
    assert (old.title, old.description, old.address) == (old.category.name, "", "")
    assert old.is_anonymised
    assert (round(old.location.x, 6), round(old.location.y, 6)) == (121.005, 28.005)
    assert not IncidentFollower.objects.filter(incident=old, user__isnull=True).exists()
    assert not Attachment.objects.filter(incident=old).exists()
    assert not IncidentEvent.objects.filter(incident=old).filter(~Q(note="")).exists()
    assert not PersonalDataAccess.objects.exists()
    new = Incident.objects.get(pk=new.pk)
    assert new.reporter_name == "赵六"
    assert not new.is_anonymised


def test_the_resident_form_tells_what_is_kept_why_how_long_and_who_sees_it(
    client, ladder, settings
):
    settings.RETENTION_REPORTER_CONTACT_DAYS = 123

    page = client.get("/request/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert 'id="privacy-notice"' in page
    assert "诉求办结 123 天后删除" in page
    assert "只有办理本诉求的工作人员能看到" in page
