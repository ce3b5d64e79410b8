"""manage.py rebuild_case_facts [--days N | --since DATE] [--check]: recompute the
cockpit's facts (incidents.services.facts) from the cases and events, or with --check
recount them and compare, exiting with status 1 on any difference."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from incidents.services.facts import (
    FIRST_DAYS,
    case_facts_differences,
    case_facts_rebuild,
    facts_kept,
)


class Command(BaseCommand):
    help = "Recompute the cockpit's facts, or check them against a recount."

    def add_arguments(self, parser):
        span = parser.add_mutually_exclusive_group()
        span.add_argument(
            "--days", type=int, help=f"The last N days (default {FIRST_DAYS}), whole months."
        )
        span.add_argument("--since", type=datetime.date.fromisoformat, help="From this date.")
        parser.add_argument(
            "--check", action="store_true", help="Change nothing; fail on any difference."
        )

    def handle(self, *args, days=None, since=None, check=False, **options):
        if not facts_kept():
            self.stdout.write(
                "No facts are kept on this database (PostgreSQL only): the cockpit counts"
                " from the cases."
            )
            return
        today = timezone.localdate()
        if since is None:
            since = today - datetime.timedelta(days=FIRST_DAYS if days is None else days)
        if since > today:
            raise CommandError("--since is in the future.")
        if check:
            self._check(since, today)
            return
        rebuilt = case_facts_rebuild(since=since, progress=self._progress)
        self.stdout.write(f"rebuilt {rebuilt} days from {since.replace(day=1)}")

    def _progress(self, first: datetime.date, last: datetime.date) -> None:
        self.stdout.write(f"  {first} .. {last}")

    def _check(self, since: datetime.date, today: datetime.date) -> None:
        differences = case_facts_differences(since=since, until=today)
        for line in differences:
            self.stdout.write(line)
        if differences:
            raise CommandError(f"facts differ from a recount since {since}")
        self.stdout.write(f"facts equal a recount from {since} to {today}")
