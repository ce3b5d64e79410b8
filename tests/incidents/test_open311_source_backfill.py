"""Migration 0025 gives the Open311 cases filed before ``open311`` was a source their own
source, and leaves every other case as it was."""

import importlib
import uuid

import pytest
from django.apps import apps as django_apps

from incidents.models import Incident
from tests.conftest import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=False)]
Source = Incident.Source
backfill = importlib.import_module("incidents.migrations.0025_open311_source_backfill")


def test_resident_cases_with_a_client_key_and_no_reporter_become_open311(report, cast):
    old_open311 = report(
        actor=None,
        source=Source.RESIDENT,
        reporter_name="王芳",
        reporter_phone="13912345678",
        client_key=uuid.uuid4(),
    )
    web_form = report(
        actor=None, source=Source.RESIDENT, reporter_name="李雷", reporter_phone="13812345678"
    )
    signed_in = report(actor=cast.resident, source=Source.RESIDENT, client_key=uuid.uuid4())
    patrol = report(client_key=uuid.uuid4())

    backfill.open311_cases_get_their_source(django_apps, None)

    sources = dict(Incident.objects.values_list("pk", "source"))
    assert sources == {
        old_open311.pk: Source.OPEN311,
        web_form.pk: Source.RESIDENT,
        signed_in.pk: Source.RESIDENT,
        patrol.pk: Source.PATROL,
    }
    # A second run (the migration applied to a database that has both) changes nothing.
    backfill.open311_cases_get_their_source(django_apps, None)
    assert dict(Incident.objects.values_list("pk", "source")) == sources
