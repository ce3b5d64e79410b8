"""The demo people: grid members, households and residents, and one account per role.

Each grid draws its people from a random generator seeded with the demo seed and the grid
code, so that the same options give the same names, ID numbers and phones on every run,
and a town keeps its people when more towns are added. Rows are written in bulk and
upserted on their natural keys (username, household code, ID number hash): a second run
updates what the first wrote instead of adding to it.
"""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import Group
from django.db.models import Count

from core.roles import Role
from demo.geography import DemoGeography, Progress
from demo.people import (
    PeopleFactory,
    Person,
    household_sizes,
    key_groups_tag,
)
from grids.models import Grid, Region
from members import personal_data
from members.models import GridAssignment, GridMember, Household, Resident, ResidentTag, User
from members.services import grid_assign_member

FLUSH_EVERY = 10  # grids per bulk write
STREETS = ["海滨路", "新街", "渔港路", "东海路", "石塘大道", "金沙路", "朝阳路", "船厂路"]


def demo_password_hash(password: str) -> str:
    """One hash for every demo account. The stored one is kept when it still matches, so
    that a second run leaves the accounts as they were (and hashes only once)."""
    stored = User.objects.filter(username="demo_admin").values_list("password", flat=True)
    stored = stored.first()
    return stored if stored and check_password(password, stored) else make_password(password)


def _users_upsert(users: list[User], *, role: str) -> dict[str, User]:
    """Create or update accounts by username and put them in the role's group."""
    users = User.objects.bulk_create(
        users,
        update_conflicts=True,
        unique_fields=["username"],
        update_fields=["first_name", "last_name", "password", "is_active", "jurisdiction"],
    )
    users = User.objects.filter(username__in=[user.username for user in users])
    users = {user.username: user for user in users}
    group = Group.objects.get(name=role)
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=user.pk, group_id=group.pk) for user in users.values()],
        ignore_conflicts=True,
    )
    return users


@dataclass(frozen=True)
class _MemberPlan:
    grid: Grid
    username: str
    employment: str
    person: Person
    starts_on: datetime.date


def _member_plans(grids: list[Grid], seed: int) -> list[_MemberPlan]:
    people, plans = PeopleFactory(), []
    full_time, part_time = GridMember.Employment.FULL_TIME, GridMember.Employment.PART_TIME
    for index, grid in enumerate(grids):
        rng = random.Random(f"{seed}/members/{grid.code}")  # noqa: S311 - demo data
        usernames = [(full_time, "demo_leader" if index == 0 else f"gm{grid.code}")]
        if index % 2 == 0:
            usernames.append((part_time, "demo_member" if index == 0 else f"gp{grid.code}"))
        for employment, username in usernames:
            gender = Resident.Gender.MALE if rng.random() < 0.6 else Resident.Gender.FEMALE
            person = people.person(
                rng, surname=people.surname(rng), gender=gender, age=rng.randint(26, 55)
            )
            person.phone = person.phone or people.mobile(rng)
            starts_on = datetime.date(2018, 1, 1) + datetime.timedelta(days=rng.randrange(2500))
            plans.append(_MemberPlan(grid, username, employment, person, starts_on))
    return plans


def members_seed(
    *, grids: list[Grid], seed: int, password_hash: str, progress: Progress | None = None
) -> int:
    """Every grid gets a full-time member who leads it; every other grid a part-timer too.

    The first grid's leader and part-timer are the demo accounts ``demo_leader`` and
    ``demo_member``. Returns the number of assignments made (none on a second run).
    """
    progress = progress or (lambda iterable, **kwargs: iterable)
    plans = _member_plans(grids, seed)
    members = {}
    for role, employment in [
        (Role.GRID_LEADER, GridMember.Employment.FULL_TIME),
        (Role.GRID_MEMBER, GridMember.Employment.PART_TIME),
    ]:
        chosen = [plan for plan in plans if plan.employment == employment]
        users = _users_upsert(
            [
                User(
                    username=plan.username,
                    first_name=plan.person.name[1:],
                    last_name=plan.person.name[0],
                    password=password_hash,
                )
                for plan in chosen
            ],
            role=role,
        )
        GridMember.objects.bulk_create(
            [
                GridMember(user=users[p.username], employment=employment, phone=p.person.phone)
                for p in chosen
            ],
            update_conflicts=True,
            unique_fields=["user"],
            update_fields=["employment", "phone", "is_active"],
        )
        members.update(
            (member.user.username, member)
            for member in GridMember.objects.filter(user__in=users.values()).select_related("user")
        )
    assigned = set(
        GridAssignment.objects.filter(grid__in=grids, ends_on__isnull=True).values_list(
            "member_id", "grid_id"
        )
    )
    made = 0
    for plan in progress(plans, desc="assignments", unit="member"):
        member = members[plan.username]
        if (member.pk, plan.grid.pk) in assigned:
            continue
        grid_assign_member(
            member=member,
            grid=plan.grid,
            is_leader=plan.employment == GridMember.Employment.FULL_TIME,
            starts_on=plan.starts_on,
        )
        made += 1
    return made


def _address(village_name: str, street: str, number: int, *, is_community: bool) -> str:
    return f"{village_name}{street}{number}号" if is_community else f"{village_name}{number}号"


def _resident_row(person: Person, household_id: int) -> Resident:
    return Resident(
        household_id=household_id,
        name=person.name,
        gender=person.gender,
        birth_date=person.birth_date,
        id_number_encrypted=personal_data.encrypt(person.id_number),
        id_number_hash=personal_data.lookup_hash(person.id_number),
        id_number_masked=personal_data.mask_id_number(person.id_number),
        phone_encrypted=personal_data.encrypt(person.phone),
        phone_hash=personal_data.lookup_hash(person.phone) if person.phone else "",
        phone_masked=personal_data.mask_phone(person.phone),
    )


class _RegisterBatch:
    """Households and residents of a few grids, written in a handful of statements."""

    def __init__(self, tags: dict[str, int]) -> None:
        self.tags = tags
        self.grid_count = 0
        self.households: list[Household] = []
        self.people: dict[str, list[Person]] = {}  # household code → its people

    def add(self, households: list[tuple[Household, list[Person]]]) -> None:
        self.grid_count += 1
        for household, people in households:
            self.households.append(household)
            self.people[household.code] = people

    def flush(self) -> None:
        if not self.households:
            return
        Household.objects.bulk_create(
            self.households,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["grid", "address", "updated_at"],
        )
        household_ids = dict(
            Household.objects.filter(code__in=self.people).values_list("code", "pk")
        )
        rows = [
            (_resident_row(person, household_ids[code]), person)
            for code, people in self.people.items()
            for person in people
        ]
        Resident.objects.bulk_create(
            [row for row, _ in rows],
            update_conflicts=True,
            unique_fields=["id_number_hash"],
            update_fields=[
                "household",
                "name",
                "gender",
                "birth_date",
                "id_number_encrypted",
                "id_number_masked",
                "phone_encrypted",
                "phone_hash",
                "phone_masked",
                "updated_at",
            ],
        )
        self._tags_sync(rows)
        self.grid_count, self.households, self.people = 0, [], {}

    def _tags_sync(self, rows: list[tuple[Resident, Person]]) -> None:
        """Make the batch's tag links exactly the planned ones: delete the rest, add the
        missing (nothing at all on a second run)."""
        resident_ids = dict(
            Resident.objects.filter(
                id_number_hash__in=[row.id_number_hash for row, _ in rows]
            ).values_list("id_number_hash", "pk")
        )
        wanted = {
            (resident_ids[row.id_number_hash], self.tags[tag])
            for row, person in rows
            for tag in person.tags
        }
        through = Resident.tags.through
        existing = {
            pk: (resident, tag)
            for pk, resident, tag in through.objects.filter(
                resident_id__in=resident_ids.values()
            ).values_list("pk", "resident_id", "residenttag_id")
        }
        through.objects.filter(
            pk__in=[pk for pk, pair in existing.items() if pair not in wanted]
        ).delete()
        through.objects.bulk_create(
            [
                through(resident_id=resident, residenttag_id=tag)
                for resident, tag in wanted - set(existing.values())
            ],
            ignore_conflicts=True,
        )


def register_seed(
    *,
    geography: DemoGeography,
    households_per_grid: int,
    residents_per_household: float,
    seed: int,
    progress: Progress | None = None,
) -> None:
    """``households_per_grid`` households in every grid with, on average,
    ``residents_per_household`` residents each; then the grids' counters.

    Households that an earlier run with a larger count made are left as they are.
    """
    progress = progress or (lambda iterable, **kwargs: iterable)
    people = PeopleFactory()
    batch = _RegisterBatch(dict(ResidentTag.objects.values_list("code", "pk")))
    residents_per_grid = max(
        households_per_grid, round(households_per_grid * residents_per_household)
    )
    for grid in progress(geography.grids, desc="households", unit="grid"):
        rng = random.Random(f"{seed}/register/{grid.code}")  # noqa: S311 - demo data
        village = grid.village
        is_community = village.name.endswith("社区")
        street = rng.choice(STREETS)
        first_number = (int(grid.code[-3:]) - 1) * households_per_grid + 1
        sizes = household_sizes(rng, households_per_grid, residents_per_grid)
        households = []
        for index, size in enumerate(sizes):
            household = Household(
                code=f"{grid.code}{index + 1:04d}",
                grid=grid,
                address=_address(
                    village.name, street, first_number + index, is_community=is_community
                ),
            )
            members = people.household(rng, size)
            key_groups_tag(rng, members, low_income=rng.random() < 0.03)
            households.append((household, members))
        batch.add(households)
        if batch.grid_count >= FLUSH_EVERY:
            batch.flush()
    batch.flush()
    grid_counters_refresh(geography.grids)


def grid_counters_refresh(grids: list[Grid]) -> None:
    """Copy each grid's household and resident counts from the register.

    Two grouped counts and one bulk UPDATE: a correlated subquery per grid would scan the
    residents once per grid while the planner's statistics still predate the bulk insert.
    """
    households = dict(
        Household.objects.filter(grid__in=grids)
        .values("grid")
        .annotate(count=Count("pk"))
        .values_list("grid", "count")
    )
    residents = dict(
        Resident.objects.filter(household__grid__in=grids)
        .values("household__grid")
        .annotate(count=Count("pk"))
        .values_list("household__grid", "count")
    )
    for grid in grids:
        grid.households = households.get(grid.pk, 0)
        grid.population = residents.get(grid.pk, 0)
    Grid.objects.bulk_update(grids, ["households", "population"], batch_size=500)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    where: str  # the jurisdiction, grid or household the account acts in


def _account_save(
    *,
    username: str,
    role: Role,
    name: str,
    password_hash: str,
    jurisdiction: Region | None = None,
    is_staff: bool = False,
) -> User:
    user, _ = User.objects.update_or_create(
        username=username,
        defaults={
            "first_name": name[1:],
            "last_name": name[0],
            "password": password_hash,
            "jurisdiction": jurisdiction,
            "is_staff": is_staff,
            "is_superuser": role == Role.PLATFORM_ADMIN,
            "is_active": True,
        },
    )
    user.groups.set([Group.objects.get(name=role)])
    return user


def accounts_seed(*, geography: DemoGeography, password_hash: str, seed: int) -> list[DemoAccount]:
    """One account per role. Town officials and above use the Django admin (is_staff).

    ``demo_leader`` and ``demo_member`` come from members_seed (they lead and walk the
    first grid); ``demo_resident`` is the head of the first household of that grid.
    """
    grid, town = geography.grids[0], geography.towns[0]
    staff = [
        ("demo_village", Role.VILLAGE_STAFF, grid.village, False),
        ("demo_department", Role.DEPARTMENT_HANDLER, town, False),
        ("demo_town", Role.TOWN_OFFICIAL, town, True),
        ("demo_county", Role.COUNTY_OFFICIAL, geography.county, True),
        ("demo_city", Role.CITY_OFFICIAL, geography.prefecture, True),
        ("demo_hotline", Role.HOTLINE_OPERATOR, geography.county, False),
        ("demo_admin", Role.PLATFORM_ADMIN, None, True),
    ]
    people = PeopleFactory()
    for username, role, region, is_staff in staff:
        rng = random.Random(f"{seed}/accounts/{username}")  # noqa: S311 - demo data
        name = people.surname(rng) + people.given_name(rng, rng.choice(Resident.Gender.values))
        _account_save(
            username=username,
            role=role,
            name=name,
            password_hash=password_hash,
            jurisdiction=region,
            is_staff=is_staff,
        )
    resident = (
        Resident.objects.filter(household__grid=grid)
        .select_related("household")
        .order_by("household__code", "pk")
        .first()
    )
    user = _account_save(
        username="demo_resident",
        role=Role.RESIDENT,
        name=resident.name,
        password_hash=password_hash,
    )
    Resident.objects.filter(user=user).exclude(pk=resident.pk).update(user=None)
    Resident.objects.filter(pk=resident.pk).update(user=user)
    return [
        DemoAccount("demo_resident", Role.RESIDENT, resident.household.address),
        DemoAccount("demo_member", Role.GRID_MEMBER, grid.name),
        DemoAccount("demo_leader", Role.GRID_LEADER, grid.name),
        *(
            DemoAccount(username, role, region.name if region else "—")
            for username, role, region, _ in staff
        ),
    ]
