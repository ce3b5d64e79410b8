"""Shared fixtures: a small ladder with two towns, the cast of users of style.md, and the
tests' fixed "now"."""

import datetime
import importlib
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.db.models.signals import post_migrate
from django.dispatch import receiver
from django.utils import translation

from core.roles import Role
from grids.models import Grid, Region
from grids.services import grid_save, region_save
from incidents.models import Category, ReasonCode
from members.models import GridMember, User
from members.services import grid_assign_member, resident_save
from tests.factories import HouseholdFactory, box

PASSWORD = "pw-for-tests-1"

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A test whose answer depends on the day freezes the clock at NOW and counts its times from
# it, so that it means the same on whichever day the suite runs (make test's second pass
# moves the whole process to another day):
#     pytestmark = pytest.mark.time_machine(NOW, tick=False)   # a module
#     @pytest.mark.time_machine(NOW, tick=False)                # a test
# NOW is Monday 23 November 2026, 17:00 in Shanghai: a working day inside the packaged
# working calendar, whose next year (2027) has not been entered.
NOW = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)
TODAY = NOW.astimezone(SHANGHAI).date()
# The cast's assignments start here: before NOW and before any day the clock is moved to.
ASSIGNED_SINCE = datetime.date(2026, 1, 1)


DATA_MIGRATIONS = [
    ("members.migrations.0002_roles", "create_roles"),
    ("members.migrations.0010_field_register", "set_frequencies"),
    ("incidents.migrations.0002_catalogue_and_calendar", "load"),
    ("incidents.migrations.0003_role_permissions", "grant"),
    ("incidents.migrations.0010_reason_codes", "load"),
    ("incidents.migrations.0014_supervision_records", "load"),
    ("incidents.migrations.0019_category_publication", "mark"),
    ("incidents.migrations.0020_catalogue_for_platform_admins", "revoke"),
    ("incidents.migrations.0023_hotline_operator_role", "create"),
    ("surveys.migrations.0002_templates", "load"),
]


@receiver(post_migrate)
def _reload_data_migrations(sender, **kwargs):
    """Transactional tests (live server, concurrency, Celery) end with a flush that empties
    every table, the rows of data migrations too; the flush then sends post_migrate, and
    this puts roles, catalogue and calendar back, whichever connection the next test uses.
    """
    if sender.label != "incidents" or Category.objects.exists():
        return
    for module, function in DATA_MIGRATIONS:
        getattr(importlib.import_module(module), function)(django_apps, None)


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """PBKDF2 at production strength costs ~0.3 s a user; uploads go to a temporary folder."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    """The cache is Redis and outlives a test (and a run): each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english():
    """Code outside a request speaks English, the language the tests assert in.

    Pages follow the request as in production: LANGUAGE_CODE (zh-hans) unless the test asks
    for another language, and the language a request activated ends with its test.
    """
    with translation.override("en"):
        yield


@pytest.fixture
def ladder(db):
    """Taizhou → T City → S Town (villages V1, V2) and R Town (village W1).

    Grids: A1 and A2 side by side in V1, A3 in V2, B1 in W1 (the other town).
    """
    city = region_save(code="331000", name="台州市", level=Region.Level.PREFECTURE, parent=None)
    county = region_save(code="331081", name="温岭市", level=Region.Level.COUNTY, parent=city)
    town = region_save(code="331081112", name="石塘镇", level=Region.Level.TOWN, parent=county)
    other_town = region_save(
        code="331081113", name="箬横镇", level=Region.Level.TOWN, parent=county
    )
    v1 = region_save(
        code="331081112001",
        name="东山村",
        level=Region.Level.VILLAGE,
        parent=town,
        boundary=box(121.00, 28.00, 121.02, 28.01),
    )
    v2 = region_save(
        code="331081112002",
        name="西山村",
        level=Region.Level.VILLAGE,
        parent=town,
        boundary=box(121.02, 28.00, 121.04, 28.01),
    )
    w1 = region_save(
        code="331081113001",
        name="南湾村",
        level=Region.Level.VILLAGE,
        parent=other_town,
        boundary=box(121.10, 28.00, 121.12, 28.01),
    )

    def grid(code, name, village, bounds):
        return grid_save(
            code=code, name=name, kind=Grid.Kind.RURAL, village=village, boundary=box(*bounds)
        )

    return SimpleNamespace(
        city=city,
        county=county,
        town=town,
        other_town=other_town,
        v1=v1,
        v2=v2,
        w1=w1,
        a1=grid("331081112001001", "东山一网格", v1, (121.00, 28.00, 121.01, 28.01)),
        a2=grid("331081112001002", "东山二网格", v1, (121.01, 28.00, 121.02, 28.01)),
        a3=grid("331081112002001", "西山一网格", v2, (121.02, 28.00, 121.04, 28.01)),
        b1=grid("331081113001001", "南湾一网格", w1, (121.10, 28.00, 121.12, 28.01)),
    )


def make_user(username: str, role: str | None, jurisdiction: Region | None = None) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    user.jurisdiction = jurisdiction
    user.save(update_fields=["jurisdiction"])
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def make_member(username: str, grid: Grid, *, leader: bool = False) -> GridMember:
    user = make_user(username, Role.GRID_LEADER if leader else Role.GRID_MEMBER)
    member = GridMember.objects.create(user=user, employment=GridMember.Employment.FULL_TIME)
    grid_assign_member(member=member, grid=grid, is_leader=leader, starts_on=ASSIGNED_SINCE)
    return member


@pytest.fixture
def cast(ladder):
    """One user of each kind that style.md asks every permission test to try."""
    resident_user = make_user("resident", Role.RESIDENT)
    household = HouseholdFactory(grid=ladder.a1, code="3310811120010010001")
    resident = resident_save(
        household=household,
        name="王小明",
        gender="male",
        id_number="331081198001010019",
        phone="13812345678",
    )
    resident.user = resident_user
    resident.save(update_fields=["user"])
    return SimpleNamespace(
        anonymous=None,
        resident=resident_user,
        resident_record=resident,
        member=make_member("member_a1", ladder.a1).user,
        other_member=make_member("member_a2", ladder.a2).user,
        leader=make_member("leader_a1", ladder.a1, leader=True).user,
        village_staff=make_user("village_v1", Role.VILLAGE_STAFF, ladder.v1),
        town_official=make_user("official_s", Role.TOWN_OFFICIAL, ladder.town),
        other_official=make_user("official_r", Role.TOWN_OFFICIAL, ladder.other_town),
        county_official=make_user("official_t", Role.COUNTY_OFFICIAL, ladder.county),
        admin=make_user("platform_admin", Role.PLATFORM_ADMIN),
    )


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """Debian's Chromium; Playwright must never download a browser of its own."""
    return {
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def point_in_a1():
    return Point(121.005, 28.005, srid=4326)


def starter_reason(kind: str, code: str | None = None) -> ReasonCode:
    """A starter reason code of a kind (loaded by migration 0010_reason_codes)."""
    reasons = ReasonCode.objects.filter(kind=kind).order_by("order", "pk")
    return reasons.get(code=code) if code else reasons.first()


@pytest.fixture
def reason(db):
    return starter_reason
