"""``manage.py seed_demo`` with its default options, on PostGIS.

The seed runs once for the module inside a transaction that is rolled back at the end;
each test runs in a savepoint inside it, so that nothing leaks into other modules.
"""

import datetime
import re
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from assessment.models import Bulletin, BulletinEntry
from core.roles import Role
from dashboard.periods import Period
from dashboard.selectors import dashboard_figures
from demo.members import STREETS
from grids.models import Grid, Landmark, Region
from grids.validation import metric_area, validate_grid
from incidents.models import (
    CallBack,
    CategoryGroup,
    DeadlineExtension,
    DispatchRule,
    Incident,
    IncidentEvent,
    Level,
)
from members import personal_data
from members.models import (
    GridAssignment,
    GridMember,
    GridSplitProposal,
    Household,
    HouseholdVisit,
    Notification,
    PatrolFlag,
    PatrolLog,
    Resident,
    ResidentTag,
    User,
)
from members.redivision import is_overloaded, town_median_households
from members.selectors import visit_coverage_by_grid
from surveys.models import Answer, Audience, Response, Survey
from surveys.respondents import respondent_key
from tests.conftest import NOW, TODAY

PASSWORD = "Demo-2026-grid"
OVERLOADED = "331081112001002"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module", autouse=True)
def _clock():
    """The seed, its second run and the tests' checks of "now" fall on one fixed day (with
    the clock ticking, as the demo runs), so that no day of the run, a new year's eve say,
    changes what the seed makes."""
    with time_machine.travel(NOW):
        yield


# Every test asks for ``db`` (through ``town`` or directly): pytest-django runs such tests
# before the transactional ones, which empty the tables that data migrations fill.
@pytest.fixture(scope="module")
def seeded(_clock, django_db_setup, django_db_blocker):
    """The printed output of one default run (with the tests' fast password hasher, which
    conftest's autouse fixture sets for each test but cannot set for a module)."""
    fast_hashing = override_settings(PASSWORD_HASHERS=FAST_HASHERS)
    with django_db_blocker.unblock(), fast_hashing, transaction.atomic():
        output = StringIO()
        call_command("seed_demo", verbosity=0, stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def town(seeded, db):
    return Region.objects.get(code="331081112")


def _rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _content() -> dict:
    return {
        "regions": list(Region.objects.values_list("code", "name", "path").order_by("code")),
        "grids": list(Grid.objects.values_list("code", "name", "kind").order_by("code")),
        "members": list(
            GridAssignment.objects.values_list(
                "member__user__username", "grid__code", "is_leader", "starts_on"
            ).order_by("grid__code", "member__user__username")
        ),
        "households": list(Household.objects.values_list("code", "address").order_by("code")),
        "residents": list(
            Resident.objects.values_list(
                "household__code", "name", "id_number_hash", "phone_hash", "birth_date"
            ).order_by("id_number_hash")
        ),
        "tags": list(
            Resident.tags.through.objects.values_list(
                "resident__id_number_hash", "residenttag__code"
            ).order_by("resident__id_number_hash", "residenttag__code")
        ),
        "cases": list(
            Incident.objects.values_list(
                "code",
                "status",
                "level",
                "category__code",
                "grid__code",
                "urgency",
                "assignee_department__code",
                "duplicate_of__code",
            ).order_by("code")
        ),
        "users": list(
            User.objects.values_list("username", "password", "jurisdiction__code").order_by(
                "username"
            )
        ),
        "bulletins": list(
            BulletinEntry.objects.values_list(
                "bulletin__county__code", "bulletin__month", "name", "score", "rank", "parts"
            ).order_by("bulletin__month", "kind", "name")
        ),
        "surveys": list(
            Survey.objects.filter(is_template=False)
            .values_list("token", "title", "audience", "region__code", "is_anonymous")
            .order_by("token")
        ),
        "responses": list(
            Response.objects.values_list(
                "survey__token", "respondent_key", "role", "grid__code", "village__code"
            ).order_by("survey__token", "respondent_key")
        ),
        "visits": list(
            HouseholdVisit.objects.values_list(
                "household__code", "member__user__username", "visited_on", "purpose", "client_key"
            ).order_by("household__code", "visited_on", "client_key")
        ),
        "answers": list(
            Answer.objects.values_list(
                "response__respondent_key", "question__key", "choice__text", "number", "text"
            ).order_by("response__respondent_key", "question__key", "choice__text")
        ),
    }


def test_seeds_the_ladder_from_taizhou_down_to_a_county_of_three_towns(town):
    levels = {level: Region.objects.filter(level=level).count() for level in Region.Level}

    assert levels == {
        Region.Level.PREFECTURE: 1,
        Region.Level.COUNTY: 1,
        Region.Level.TOWN: 3,
        Region.Level.VILLAGE: 24,
    }
    assert Region.objects.get(level=Region.Level.PREFECTURE).name == "台州市"
    assert Region.objects.get(level=Region.Level.COUNTY).name == "温岭市"
    assert town.name == "石塘镇"
    assert town.path == "331000/331081/331081112/"
    villages = Region.objects.filter(parent=town)
    assert all(re.fullmatch(r"331081112\d{3}", v.code) for v in villages)
    assert {v.name[-2:] == "社区" or v.name[-1] == "村" for v in villages} == {True}


def test_seeds_forty_grids_of_every_kind(town):
    grids = Grid.objects.within(town)

    assert grids.count() == 40
    assert grids.filter(is_active=True).count() == 40
    assert grids.filter(kind=Grid.Kind.SPECIAL).count() == 2
    assert {g.kind for g in grids} == set(Grid.Kind.values)
    for grid in grids.select_related("village"):
        assert grid.code.startswith(grid.village.code)
        assert grid.village.name[-2:] == "社区" or grid.kind != Grid.Kind.RESIDENTIAL


def test_the_town_lies_at_shitang_on_the_taizhou_coast(town):
    x_min, y_min, x_max, y_max = town.boundary.extent

    assert 121.54 < x_min < x_max < 121.64
    assert 28.23 < y_min < y_max < 28.32


def test_grids_tile_the_town_without_overlap(town):
    overlaps = _rows(
        """
        SELECT a.code, b.code, ST_Area(ST_Intersection(a.boundary, b.boundary)::geography)
        FROM grids_grid a
        JOIN grids_grid b ON a.id < b.id AND ST_Intersects(a.boundary, b.boundary)
        WHERE ST_Area(ST_Intersection(a.boundary, b.boundary)::geography) > %s
        """,
        [settings.GRID_OVERLAP_TOLERANCE_M2],
    )
    [(grids_area, town_area, uncovered)] = _rows(
        """
        SELECT SUM(ST_Area(g.boundary::geography)), ST_Area(t.boundary::geography),
               ST_Area(ST_Difference(t.boundary, ST_Union(g.boundary))::geography)
        FROM grids_grid g JOIN grids_region v ON v.id = g.village_id, grids_region t
        WHERE t.code = '331081112' AND v.parent_id = t.id
        GROUP BY t.boundary
        """
    )

    assert overlaps == []
    assert grids_area == pytest.approx(town_area, rel=1e-6)
    assert uncovered < 1
    assert 20e6 < town_area < 40e6  # square metres: the size of a coastal town


def test_every_grid_lies_inside_its_village(town):
    outside = _rows(
        """
        SELECT g.code, ST_Area(ST_Difference(g.boundary, v.boundary)::geography)
        FROM grids_grid g JOIN grids_region v ON v.id = g.village_id
        WHERE ST_Area(ST_Difference(g.boundary, v.boundary)::geography) > %s
        """,
        [settings.GRID_OUTSIDE_VILLAGE_TOLERANCE_M2],
    )
    [(villages, parts, villages_area, town_area)] = _rows(
        """
        SELECT COUNT(*), SUM(ST_NumGeometries(v.boundary)), SUM(ST_Area(v.boundary::geography)),
               ST_Area(t.boundary::geography)
        FROM grids_region v JOIN grids_region t ON t.id = v.parent_id
        WHERE t.id = %s GROUP BY t.boundary
        """,
        [town.pk],
    )

    assert outside == []
    assert (villages, parts) == (8, 8)  # each village is one piece
    assert villages_area == pytest.approx(town_area, rel=1e-6)


def test_every_grid_has_a_full_time_leader_and_half_a_part_timer(town):
    assignments = GridAssignment.objects.filter(ends_on__isnull=True)

    assert GridMember.objects.count() == 180
    assert assignments.count() == 180
    assert assignments.filter(is_leader=True).count() == 120
    assert set(assignments.filter(is_leader=True).values_list("grid__code", flat=True)) == set(
        Grid.objects.values_list("code", flat=True)
    )
    assert (
        assignments.filter(
            is_leader=True, member__employment=GridMember.Employment.FULL_TIME
        ).count()
        == 120
    )
    assert GridMember.objects.filter(employment=GridMember.Employment.PART_TIME).count() == 60
    assert all(a.starts_on <= datetime.date(2026, 1, 1) for a in assignments)


def test_seeds_two_thousand_households_and_five_thousand_residents_a_town(town):
    grids = Grid.objects.all()

    # S Town's overloaded grid has 50 households and 125 residents more (a new estate).
    assert Household.objects.count() == 3 * 2000 + 50
    assert Resident.objects.count() == 3 * 5000 + 125
    assert sorted({g.households for g in grids}) == [50, 100]
    assert Grid.objects.get(households=100).code == OVERLOADED
    assert sum(g.population for g in grids) == 3 * 5000 + 125
    assert Household.objects.filter(grid__village__parent=town).count() == 2050
    household = Household.objects.order_by("code").first()
    assert re.fullmatch(r"331081112\d{6}\d{4}", household.code)
    assert household.code.startswith(household.grid.code)
    assert household.address in {f"新街社区{street}1号" for street in STREETS}


def test_the_overloaded_grid_gets_a_valid_proposed_split(town):
    """The issue's "done": a seeded overloaded grid gets a valid proposed split."""
    grid = Grid.objects.get(code=OVERLOADED)
    proposal = GridSplitProposal.objects.get(grid=grid)
    median = town_median_households(grid)

    assert median == 50
    assert is_overloaded(grid.households, median)
    assert proposal.status == GridSplitProposal.Status.PROPOSED
    assert proposal.proposed_by.username == "demo_town"
    assert proposal.first_households + proposal.second_households == 100
    assert abs(proposal.first_households - proposal.second_households) <= 1
    assert proposal.unlocated_households == 0
    # The next numbers of the first community, west (or north) first.
    last = max(
        int(code[-3:])
        for code in Grid.objects.filter(village=grid.village).values_list("code", flat=True)
    )
    village = grid.village.code
    assert (proposal.first_code, proposal.second_code) == (
        f"{village}{last + 1:03d}",
        f"{village}{last + 2:03d}",
    )
    first, second = proposal.first_boundary, proposal.second_boundary
    if proposal.axis == GridSplitProposal.Axis.VERTICAL:
        assert first.centroid.x < second.centroid.x
    else:
        assert first.centroid.y > second.centroid.y
    for code, boundary in ((proposal.first_code, first), (proposal.second_code, second)):
        half = Grid(code=code, name="半", kind=grid.kind, village=grid.village, boundary=boundary)
        validate_grid(half, replacing=grid)
    assert metric_area(first.union(second).sym_difference(grid.boundary)) < 1
    # Nothing is applied by itself.
    assert grid.is_active
    assert not Grid.objects.filter(code__in=[proposal.first_code, proposal.second_code]).exists()


def test_residents_have_valid_wenling_id_numbers_and_mobile_phones(town):
    residents = list(Resident.objects.all())
    id_numbers = [personal_data.decrypt(r.id_number_encrypted) for r in residents]
    phones = [personal_data.decrypt(r.phone_encrypted) for r in residents]

    assert len(set(id_numbers)) == 3 * 5000 + 125
    for resident, number, phone in zip(residents, id_numbers, phones, strict=True):
        assert personal_data.normalise_id_number(number) == number
        assert number.startswith("331081")
        assert number[6:14] == f"{resident.birth_date:%Y%m%d}"
        assert int(number[16]) % 2 == (resident.gender == Resident.Gender.MALE)
        assert resident.id_number_hash == personal_data.lookup_hash(number)
        assert resident.id_number_masked == personal_data.mask_id_number(number)
        assert re.fullmatch(r"(1[3-9]\d{9})?", phone)
        assert resident.phone_masked == personal_data.mask_phone(phone)
        assert 2 <= len(resident.name) <= 3
    assert sum(1 for phone in phones if phone) > 3 * 3000


def test_some_residents_carry_key_group_tags(town):
    counts = {tag.code: tag.residents.count() for tag in ResidentTag.objects.all()}

    assert counts["elderly-alone"] > 50
    assert counts["disabled"] > 20
    assert sum(counts.values()) < 3 * 2000
    for resident in Resident.objects.filter(tags__code="elderly-alone"):
        assert resident.household.residents.count() == 1


@pytest.mark.parametrize(
    ("username", "role", "jurisdiction", "is_staff"),
    [
        ("demo_resident", Role.RESIDENT, None, False),
        ("demo_member", Role.GRID_MEMBER, None, False),
        ("demo_leader", Role.GRID_LEADER, None, False),
        ("demo_village", Role.VILLAGE_STAFF, "331081112001", False),
        ("demo_department", Role.DEPARTMENT_HANDLER, "331081112", False),
        ("demo_town", Role.TOWN_OFFICIAL, "331081112", True),
        ("demo_county", Role.COUNTY_OFFICIAL, "331081", True),
        ("demo_city", Role.CITY_OFFICIAL, "331000", True),
        ("demo_hotline", Role.HOTLINE_OPERATOR, "331081", False),
        ("demo_admin", Role.PLATFORM_ADMIN, None, True),
    ],
)
def test_every_role_has_a_demo_account(town, username, role, jurisdiction, is_staff):
    user = User.objects.get(username=username)

    assert role in user.groups.values_list("name", flat=True)
    assert not user.groups.filter(name__in=Role.values).exclude(name=role).exists()
    assert (user.jurisdiction.code if user.jurisdiction else None) == jurisdiction
    assert user.is_staff is is_staff
    assert user.is_superuser is (role == Role.PLATFORM_ADMIN)
    assert user.is_active


def test_the_member_and_leader_accounts_walk_the_first_grid(town):
    grid = Grid.objects.order_by("code").first()
    member = User.objects.get(username="demo_member")
    leader = User.objects.get(username="demo_leader")

    assert member.grid_member.employment == GridMember.Employment.PART_TIME
    assert leader.grid_member.employment == GridMember.Employment.FULL_TIME
    assert GridAssignment.objects.get(member__user=leader, grid=grid).is_leader
    assert not GridAssignment.objects.get(member__user=member, grid=grid).is_leader
    assert member.has_perm("grids.patrol_grid", grid)
    assert not member.has_perm("grids.lead_grid", grid)
    assert leader.has_perm("grids.lead_grid", grid)


def test_the_resident_account_is_a_registered_resident(town):
    resident = Resident.objects.get(user__username="demo_resident")

    assert resident.household.code == "3310811120010010001"
    assert User.objects.get(username="demo_resident").get_full_name().replace(" ", "") in {
        resident.name,
        resident.name[1:] + resident.name[0],
    }


def test_prints_every_demo_account_with_its_password(seeded, db):
    lines = [line.split() for line in seeded.splitlines() if line.startswith("demo_")]

    assert [line[0] for line in lines] == [
        "demo_resident",
        "demo_member",
        "demo_leader",
        "demo_village",
        "demo_department",
        "demo_town",
        "demo_county",
        "demo_city",
        "demo_hotline",
        "demo_admin",
    ]
    assert all(PASSWORD in line for line in lines)
    assert re.search(r"^geography: \d+\.\d s$", seeded, re.MULTILINE)


def test_a_demo_account_logs_in_with_the_printed_password(town, client):
    # django-axes checks each sign-in against its request (the test client has none).
    assert client.login(request=HttpRequest(), username="demo_town", password=PASSWORD)
    assert {user.password for user in User.objects.filter(username__startswith="demo_")} == {
        User.objects.get(username="demo_town").password
    }  # one hash, so every demo account takes the same password
    assert check_password(PASSWORD, User.objects.get(username="demo_resident").password)


def test_seeds_cases_in_every_status_group_and_rung(town):
    cases = Incident.objects.filter(town=town)

    assert cases.count() == 600
    assert set(cases.values_list("status", flat=True)) == set(Incident.Status.values)
    assert set(cases.values_list("category__group__code", flat=True)) == set(
        CategoryGroup.objects.values_list("code", flat=True)
    )
    assert set(cases.values_list("level", flat=True)) >= {
        Level.GRID,
        Level.VILLAGE,
        Level.TOWN,
        Level.COUNTY,
    }
    assert cases.overdue(timezone.now()).exists(), "escalations happen as the demo runs"
    assert IncidentEvent.objects.filter(incident__town=town, action="report").count() == 600


def test_cases_dispatched_to_a_department_are_shared_with_its_handlers(town):
    handler = User.objects.get(username="demo_department")
    shared = Incident.objects.filter(assignee_department__handlers__user=handler)

    assert shared.exists()
    assert all(handler.has_perm("incidents.handle_incident", case) for case in shared[:5])


def test_most_key_households_are_visited_in_time_and_some_are_overdue(town):
    grids = Grid.objects.filter(village__parent=town)

    coverage = visit_coverage_by_grid(grids, TODAY)

    key = sum(row["key"] for row in coverage)
    covered = sum(row["covered"] for row in coverage)
    assert key > 100
    assert 0.75 < covered / key < 0.95
    assert HouseholdVisit.objects.filter(household__grid__in=grids).count() > key


def test_a_second_run_leaves_the_same_state(town):
    before = _content()

    call_command("seed_demo", verbosity=0, stdout=StringIO())

    after = _content()
    assert after == before
    assert len(after["residents"]) == 3 * 5000 + 125
    assert GridMember.objects.count() == 3 * 60
    assert len(after["cases"]) == 3 * 600
    assert len(after["surveys"]) == 2
    assert 250 < len(after["responses"]) < 400
    assert len(after["answers"]) > 8 * len(after["responses"])


def test_the_demo_county_has_last_months_bulletin(town, client):
    bulletin = Bulletin.objects.get()

    assert (bulletin.county.code, bulletin.month) == ("331081", datetime.date(2026, 10, 1))
    assert bulletin.scheme.version == 1
    # One line per town of the demo county, however many towns the seed made.
    lines = {line.name: line for line in bulletin.entries.filter(kind="town")}
    towns = Region.objects.filter(parent=bulletin.county, level=Region.Level.TOWN)
    assert set(lines) == set(towns.values_list("name", flat=True))
    assert lines["石塘镇"].rank is not None
    assert all(part["scored"] for part in lines["石塘镇"].parts)
    assert bulletin.entries.filter(kind="department", rank__isnull=False).exists()
    client.force_login(User.objects.get(username="demo_county"))
    page = client.get(reverse("assessment:bulletin", args=[bulletin.pk]))
    assert page.status_code == 200


def _demo_survey(town, audience: str) -> Survey:
    return Survey.objects.get(region=town, is_template=False, audience=audience)


def test_seeds_an_open_public_residents_survey_copied_from_the_template(town):
    survey = _demo_survey(town, Audience.RESIDENTS)
    template = Survey.objects.get(is_template=True, audience=Audience.RESIDENTS)
    responses = survey.responses.all()
    now = timezone.now()

    assert Survey.objects.filter(is_template=False).count() == 2
    assert survey.title == "石塘镇居民网格化服务满意度调查问卷"
    assert survey.state(now) == "open"
    assert survey.is_public
    assert survey.closes_at - survey.opens_at == datetime.timedelta(days=30)
    assert survey.created_by.username == "demo_town"
    assert list(survey.questions.values_list("key", "kind", "show_if_choice__text")) == list(
        template.questions.values_list("key", "kind", "show_if_choice__text")
    )
    assert 250 < responses.count() < 400
    assert set(responses.values_list("role", flat=True)) == {Response.Role.RESIDENT}
    assert responses.values("grid").distinct().count() > 30
    assert responses.values("village").exclude(village=None).distinct().count() == 8
    assert 0 < responses.filter(grid=None).count() < responses.count() / 10
    assert not responses.filter(respondent__isnull=False).exists()  # anonymous
    assert all(survey.opens_at <= r.submitted_at <= now for r in responses)
    assert responses.values("respondent_key").distinct().count() == responses.count()


def test_resident_answers_are_varied_and_keep_the_questionnaire_rules(town):
    survey = _demo_survey(town, Audience.RESIDENTS)
    answers = Answer.objects.filter(response__survey=survey)
    overall = list(answers.filter(question__key="overall").values_list("number", flat=True))
    unaware = answers.filter(question__key="knows_member", choice__text="不知道").values(
        "response"
    )
    silent = answers.filter(question__key="reported", choice__text="没有反映过").values("response")
    suggestions = list(answers.filter(question__key="suggestions").values_list("text", flat=True))

    assert len(overall) == survey.responses.count()  # required: everyone answered it
    assert len(set(overall)) == 5
    assert 3.2 < sum(overall) / len(overall) < 4.5
    assert unaware.exists()
    assert not answers.filter(question__key="contact", response__in=unaware).exists()
    assert not answers.filter(question__key="case_satisfaction", response__in=silent).exists()
    assert answers.filter(question__key="case_satisfaction").exists()
    assert 5 <= len(suggestions) < survey.responses.count() / 4
    assert all(re.search(r"[\u4e00-\u9fff]", text) for text in suggestions)
    assert (
        not answers.filter(question__key="age")
        .values("response")
        .annotate(n=models.Count("pk"))
        .filter(n__gt=1)
        .exists()
    )


def test_every_grid_member_answers_the_members_survey_once(town):
    survey = _demo_survey(town, Audience.MEMBERS)
    members = GridMember.objects.filter(
        pk__in=GridAssignment.objects.filter(grid__village__parent=town).values("member")
    ).select_related("user")
    responses = survey.responses.all()
    picks = (
        Answer.objects.filter(response__survey=survey, question__key__in=["tools", "obstacles"])
        .values("response", "question")
        .annotate(n=models.Count("pk"))
    )

    assert survey.title == "石塘镇网格员工作情况调查问卷"
    assert survey.state() == "open"
    assert not survey.is_public  # members answer with their accounts
    assert set(responses.values_list("respondent_key", flat=True)) == {
        respondent_key(survey=survey, user=member.user) for member in members
    }
    assert responses.count() == 60
    assert set(responses.values_list("role", flat=True)) == {Response.Role.MEMBER}
    assert not responses.filter(grid=None).exists()
    assert max(row["n"] for row in picks) == 3
    assert (
        Answer.objects.filter(
            response__survey=survey, question__key="employment", choice__text="专职网格员"
        ).count()
        == members.filter(employment=GridMember.Employment.FULL_TIME).count()
    )


def test_the_town_official_reads_the_demo_results(town, client):
    client.force_login(User.objects.get(username="demo_town"))
    pages = {
        audience: client.get(reverse("surveys:results", args=[_demo_survey(town, audience).pk]))
        for audience in (Audience.RESIDENTS, Audience.MEMBERS)
    }

    for audience, page in pages.items():
        survey = _demo_survey(town, audience)
        results = page.context["results"]
        assert page.status_code == 200
        assert results["responses"]["total"]["total"] == survey.responses.count() > 0
        assert all(item["respondents"] > 0 for item in results["questions"])
        assert survey.title in page.content.decode()
    residents = pages[Audience.RESIDENTS].context["results"]
    assert residents["satisfaction"]["answers"] > 0
    assert residents["responses"]["unattributed"] > 0
    assert len(residents["responses"]["villages"]) == 8
    assert all(line["resident"] > 0 for line in residents["responses"]["villages"])
    assert pages[Audience.MEMBERS].context["results"]["responses"]["total"]["member_rate"] == 1


@pytest.mark.parametrize("username", ["demo_member", "demo_leader", "demo_resident"])
def test_grid_members_and_residents_cannot_read_the_demo_results(town, client, username):
    client.force_login(User.objects.get(username=username))

    for audience in (Audience.RESIDENTS, Audience.MEMBERS):
        survey = _demo_survey(town, audience)
        assert client.get(reverse("surveys:results", args=[survey.pk])).status_code == 404


def test_the_demo_looks_like_a_working_town(town):
    """Titles that match their category, a spread of late, reworked and returned cases,
    a minority of hollow patrols, and figures that agree with each other."""
    assert not Incident.objects.filter(category__code="hardship-assistance", title="路灯不亮")
    official = User.objects.get(username="demo_town")
    period = Period.last_days(90)
    figures = dashboard_figures(official, period)
    headline = figures["headline"]
    assert 0.5 < headline["on_time_rate"] < 0.95
    assert 0 < headline["reworked"] < headline["closed"]
    assert IncidentEvent.objects.filter(action="return").exists()
    hollow = [row for row in figures["workload"] if row["hollow"]]
    assert 0 < len(hollow) < len(figures["workload"]) / 3
    assert PatrolLog.objects.filter(findings__gt="").exists()
    assert figures["kpis"]["closure_rate"] > 0.3
    assert CallBack.objects.filter(closed_at__isnull=False).exists()
    assert Landmark.objects.filter(town=town).count() >= 5


def test_the_demo_flags_a_minority_of_members_with_every_kind_of_doubt(town, client):
    """The demo's patrols are judged by the authenticity rules: each rule is at work, a
    minority of members is flagged, and each flagged member's review page agrees."""
    assert set(PatrolFlag.objects.values_list("kind", flat=True)) >= {
        "outside_grids",
        "little_movement",
        "key_households_skipped",
        "repeated_notes",
        "month_end_rush",
        "below_daily_norm",
    }
    assert not PatrolLog.objects.filter(ended_at__isnull=False, assessed_at__isnull=True)
    official = User.objects.get(username="demo_town")
    workload = dashboard_figures(official, Period.last_days(30))["workload"]
    flagged = [row for row in workload if row["hollow"]]
    assert 0 < len(flagged) <= len(workload) / 5
    client.force_login(official)
    for row in flagged:
        page = client.get(reverse("members:member_review", args=[row["id"]]))
        assert page.context["verdict"] == "flagged"
        assert page.context["flagged"] >= row["flagged"] - 1


def test_case_histories_spread_over_the_past_weeks_in_order(town):
    """Events, closures, ratings and call-backs carry the times of a case's history, not
    the moment of the seed."""
    now = timezone.now()
    cases = Incident.objects.filter(town=town)
    events = IncidentEvent.objects.filter(incident__town=town)
    assert events.filter(created_at__gt=now).count() == 0
    assert cases.filter(closed_at__gt=now).count() == 0
    days = {timezone.localdate(at) for at in events.values_list("created_at", flat=True)}
    assert len(days) > 60
    assert events.filter(created_at__lt=now - datetime.timedelta(days=60)).exists()
    # Every case's history starts at its report and never goes back in time.
    assert not events.filter(created_at__lt=models.F("incident__created_at")).exists()
    assert (
        not events.filter(action="report")
        .exclude(created_at=models.F("incident__created_at"))
        .exists()
    )
    closed = cases.filter(status__in=sorted(Incident.CLOSED_STATUSES))
    assert closed.count() > 200
    for case in closed.prefetch_related("events")[:50]:
        times = {event.action: event.created_at for event in case.events.all()}
        assert case.closed_at == times["verify"]
        dispatched = times.get("dispatch") or times["auto_dispatch"]
        assert times["report"] < times["accept"] < dispatched < times["verify"]
        if case.status == Incident.Status.EVALUATED:
            assert times["evaluate"] > case.closed_at
    # An open case's stage clock started at its last step, and its deadline follows.
    running = cases.filter(status__in=Incident.OPEN_STATUSES, clock_from__isnull=False)
    assert running.count() > 30
    for case in running.prefetch_related("events")[:30]:
        # (An extension asked for and not yet decided leaves the clock running.)
        steps = [e.created_at for e in case.events.all() if e.action != "extend_request"]
        assert case.clock_from == max(steps)
        assert case.clock_from < case.yellow_at < case.deadline
    for callback in CallBack.objects.filter(incident__town=town).select_related("incident"):
        rated = callback.incident.events.get(action="evaluate").created_at
        assert callback.created_at == rated
        assert callback.closed_at is None or rated < callback.closed_at < now


def test_the_dashboard_figures_of_the_demo_agree_with_each_other(town):
    """Issue 16: "结案率 2.3 %" beside "已结案 72", every on-time rate at 100 %."""
    official = User.objects.get(username="demo_town")
    figures = dashboard_figures(official, Period.last_days(30))
    headline, kpis = figures["headline"], figures["kpis"]

    assert 0.4 < kpis["closure_rate"] < 0.95
    assert 0 < kpis["registered_closed"] <= headline["closed"] < headline["opened"]
    assert 0.6 < headline["on_time_rate"] < 0.95
    assert {row["on_time_rate"] for row in figures["by_category"] if row["closed"]} - {1.0}
    assert datetime.timedelta(days=1) < headline["average_handling"] < datetime.timedelta(days=20)
    assert 0 < headline["escalation_rate"] < 0.3
    callbacks = figures["callbacks"]
    assert 0 < callbacks["on_time"] < callbacks["done"] <= callbacks["opened"]


def test_the_demo_extends_some_deadlines_and_its_rules_dispatch_most_of_their_cases(town):
    """Stop 23's walk: 延期率 and 自动派遣率 read 0 % on the demo's dashboard."""
    official = User.objects.get(username="demo_town")
    kpis = dashboard_figures(official, Period.last_days(90))["kpis"]

    assert 0 < kpis["extension_rate"] < 0.15
    assert 0.2 < kpis["auto_dispatch_rate"] < 0.8
    assert DispatchRule.objects.filter(town=town, note="示范规则").count() >= 3


def test_extensions_and_rule_dispatches_are_whole_records(town):
    """An approved extension has its request, its decision and the moved clock; a rule's
    dispatch names its rule, which sends the case's category to the case's department."""
    extensions = DeadlineExtension.objects.filter(incident__town=town).select_related("incident")
    approved = extensions.filter(status="approved")
    assert approved.exists()
    for extension in approved[:20]:
        actions = list(
            extension.incident.events.order_by("created_at", "pk").values_list(
                "action", "created_at", "reason_id"
            )
        )
        request = next(a for a in actions if a[0] == "extend_request")
        approval = next(a for a in actions if a[0] == "extend_approve")
        assert (request[1], approval[1]) == (extension.created_at, extension.decided_at)
        assert request[2] == approval[2] == extension.reason_id
        assert extension.previous_deadline < extension.requested_deadline
        assert extension.requested_by_id
        assert extension.decided_by_id
        if extension.incident.clock_source == "extension":
            assert extension.incident.deadline == extension.requested_deadline
    assert not extensions.filter(status="pending").exclude(
        incident__status__in=sorted(Incident.OPEN_STATUSES)
    )
    auto = IncidentEvent.objects.filter(incident__town=town, action="auto_dispatch")
    assert auto.exists()
    assert not auto.filter(dispatch_rule__isnull=True)
    for event in auto.select_related("dispatch_rule", "incident")[:50]:
        rule = event.dispatch_rule
        assert rule.town_id == event.incident.town_id
        assert rule.category_id == event.incident.category_id
        assert event.department_id == rule.department_id
    kept = Incident.objects.filter(town=town, dispatch_rule__isnull=False)
    assert kept.exists()
    assert not kept.exclude(assignee_department=models.F("dispatch_rule__department"))


def test_every_staff_inbox_holds_the_notices_of_the_last_weeks(town):
    """Dispatches, escalations and call-backs of the histories reached their recipients;
    the last two days' are unread (the demo's histories run to the start of the hour)."""
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for username in ("demo_village", "demo_town", "demo_county", "demo_department"):
        inbox = Notification.objects.filter(recipient__username=username)
        assert inbox.exists(), username
        assert not inbox.filter(created_at__gt=now).exists()
        assert not inbox.filter(
            read_at__isnull=True, created_at__lt=now - datetime.timedelta(days=2)
        ).exists()
    assert Notification.objects.filter(read_at__isnull=True).exists()
