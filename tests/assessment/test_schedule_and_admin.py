"""The beat entry that closes last month, and the admin's read-only, scoped view."""

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.contrib import admin
from django.test import RequestFactory

from assessment.models import AssessmentScheme, Bulletin
from assessment.services import assessment_month_close, assessment_scheme_current
from assessment.tasks import assessment_months_close_due_task
from grids.models import Region
from grids.services import region_save
from tests.assessment.conftest import OCTOBER
from tests.conftest import NOW

pytestmark = pytest.mark.time_machine(NOW, tick=False)


def test_beat_closes_last_month_on_the_first_days_of_a_month():
    entry = settings.CELERY_BEAT_SCHEDULE["assessment-close-last-month"]

    assert entry["task"] == assessment_months_close_due_task.name
    assert entry["schedule"] == crontab(minute=30, hour=2, day_of_month="1-3")


def test_the_task_closes_last_month_once(ladder, october, scheme):
    assert assessment_months_close_due_task() == 1
    assert assessment_months_close_due_task() == 0
    assert Bulletin.objects.get().month == OCTOBER


@pytest.fixture
def two_counties(ladder, october, scheme):
    other = region_save(
        code="331082", name="临海市", level=Region.Level.COUNTY, parent=ladder.city
    )
    region_save(code="331082100", name="古城街道", level=Region.Level.TOWN, parent=other)
    return [
        assessment_month_close(county=ladder.county, month=OCTOBER),
        assessment_month_close(county=other, month=OCTOBER),
    ]


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


@pytest.mark.parametrize(
    ("who", "counties"),
    [
        ("county_official", ["331081"]),
        ("town_official", ["331081"]),
        ("member", []),
        ("admin", ["331081", "331082"]),
    ],
)
def test_the_admin_lists_the_bulletins_and_schemes_the_user_reads(
    cast, two_counties, who, counties
):
    request = _request(getattr(cast, who))
    bulletins = admin.site._registry[Bulletin].get_queryset(request)
    schemes = admin.site._registry[AssessmentScheme].get_queryset(request)

    assert sorted(b.county.code for b in bulletins) == counties
    assert sorted({s.county.code for s in schemes}) == counties


def test_the_admin_changes_nothing(cast, two_counties):
    request = _request(cast.admin)
    for model in (Bulletin, AssessmentScheme):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request, two_counties[0])
        assert not model_admin.has_delete_permission(request, two_counties[0])


def test_the_default_scheme_is_made_once(ladder):
    first = assessment_scheme_current(county=ladder.county)
    assert assessment_scheme_current(county=ladder.county) == first
    assert AssessmentScheme.objects.count() == 1
