"""``manage.py seed_demo``: the demo county, its people and one account per role.

Taizhou → T City (Wenling) → 3 towns by default (S Town (Shitang) and two neighbours, so
that the county's cockpit compares towns) → 8 villages and communities each → 40 grids,
60 grid members, 2,000 households and 5,000 residents per town (and one overloaded grid
in S Town with 50 more households and an open proposal to split it), and a residents' and a
grid members' survey round answered in S Town; options scale it up or down for
benchmarks. Every phase is one transaction, and a second run leaves the same state.
"""

import sys
import time
import unicodedata
from contextlib import contextmanager
from functools import partial

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from demo.cases import cases_seed, departments_seed
from demo.geography import MAX_GRIDS_PER_TOWN, MAX_TOWNS, geography_seed
from demo.members import accounts_seed, demo_password_hash, members_seed, register_seed
from demo.patrols import patrols_seed
from demo.redivision import overloaded_grid_seed, redivision_seed
from demo.surveys import surveys_seed
from demo.visits import visits_seed

DEFAULT_TOWNS = 3  # a county worth a cockpit: S Town and two neighbours
DEFAULT_PASSWORD = "Demo-2026-grid"  # noqa: S105 - printed on purpose: demo accounts only


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "Create or update the demo town, its grids, people and demo accounts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--towns", type=int, default=DEFAULT_TOWNS, help="Towns of the demo county."
        )
        parser.add_argument(
            "--grids-per-town", type=int, default=40, help="Grids in each town (8 villages)."
        )
        parser.add_argument("--households-per-grid", type=int, default=50)
        parser.add_argument(
            "--residents-per-household", type=float, default=2.5, help="The mean size."
        )
        parser.add_argument(
            "--password", default=DEFAULT_PASSWORD, help="Password of every demo account."
        )
        parser.add_argument(
            "--cases-per-grid",
            type=int,
            default=15,
            help="Demo cases in each grid (replaces the seeded towns' cases on every run).",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Seed of the generators.")

    def handle(self, *args, **options):
        self._check(options)
        progress = partial(
            tqdm, file=sys.stderr, disable=options["verbosity"] < 1, mininterval=0.5
        )
        seed = options["seed"]
        # The demo's histories run up to the start of this hour: a second run within the
        # hour leaves the same state (tests/test_seed_demo.py), whatever each phase takes.
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        with self._phase("geography"):
            geography = geography_seed(
                towns=options["towns"],
                grids_per_town=options["grids_per_town"],
                seed=seed,
                progress=progress,
            )
        with self._phase("grid members"):
            password_hash = demo_password_hash(options["password"])
            members_seed(
                grids=geography.grids,
                seed=seed,
                password_hash=password_hash,
                progress=progress,
            )
        with self._phase("households and residents"):
            register_seed(
                geography=geography,
                households_per_grid=options["households_per_grid"],
                residents_per_household=options["residents_per_household"],
                seed=seed,
                progress=progress,
            )
            overloaded_grid_seed(
                geography=geography,
                households_per_grid=options["households_per_grid"],
                residents_per_household=options["residents_per_household"],
                seed=seed,
            )
        with self._phase("accounts"):
            accounts = accounts_seed(geography=geography, password_hash=password_hash, seed=seed)
        with self._phase("re-division advisor"):
            redivision_seed(geography=geography, proposer="demo_town")
        with self._phase("departments and cases"):
            departments = departments_seed(
                towns=geography.towns, handler_username="demo_department"
            )
            cases = cases_seed(
                geography=geography,
                departments=departments,
                cases_per_grid=options["cases_per_grid"],
                seed=seed,
                progress=progress,
                now=now,
            )
        with self._phase("patrols"):
            patrols_seed(grids=geography.grids, seed=seed, now=now)
        with self._phase("household visits"):
            visits_seed(grids=geography.grids, seed=seed, now=now)
        with self._phase("surveys"):
            surveys = surveys_seed(geography=geography, seed=seed, progress=progress, now=now)
        with self._phase("assessment"):
            # The county's default scheme and last month's bulletin (a month already closed
            # by an earlier run stays as it was published). By name: the assessment app
            # sits beside the demo, which does not import it.
            call_command(
                "close_assessment_month", county=geography.county.code, stdout=self.stdout
            )
        if connection.vendor == "postgresql":
            with self._phase("planner statistics"), connection.cursor() as cursor:
                # A database filled in one go has no statistics until autovacuum comes by:
                # PostgreSQL then plans the register's subqueries as if a household had
                # 150 residents (a member's workspace took 20 ms instead of 1, and the
                # load test collapsed). ANALYZE gives the planner the demo's numbers.
                cursor.execute("ANALYZE")
        self.stdout.write(
            f"cases: {cases.created}, of which {cases.overdue_soon} fall due within two hours"
        )
        self.stdout.write(
            f"survey responses: {surveys.resident_responses} from residents, "
            f"{surveys.member_responses} from grid members"
        )
        self._print_accounts(accounts, options["password"])

    def _check(self, options) -> None:
        if not 1 <= options["towns"] <= MAX_TOWNS:
            raise CommandError(f"--towns must be between 1 and {MAX_TOWNS}.")
        if not 1 <= options["grids_per_town"] <= MAX_GRIDS_PER_TOWN:
            raise CommandError(f"--grids-per-town must be between 1 and {MAX_GRIDS_PER_TOWN}.")
        if not 1 <= options["households_per_grid"] <= 9999:
            raise CommandError("--households-per-grid must be between 1 and 9999.")
        if not 0 <= options["cases_per_grid"] <= 100_000:
            raise CommandError("--cases-per-grid must be between 0 and 100000.")
        if options["residents_per_household"] < 1:
            raise CommandError("--residents-per-household must be at least 1.")
        try:
            validate_password(options["password"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error

    @contextmanager
    def _phase(self, name: str):
        started = time.perf_counter()
        with transaction.atomic():
            yield
        self.stdout.write(f"{name}: {time.perf_counter() - started:.1f} s")

    def _print_accounts(self, accounts, password: str) -> None:
        rows = [("username", "role", "password", "jurisdiction")]
        rows += [(a.username, str(a.role.label), password, a.where) for a in accounts]
        widths = [max(_width(row[column]) for row in rows) for column in range(4)]
        self.stdout.write("")
        for row in rows:
            line = "  ".join(_pad(cell, width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write(line.rstrip())
