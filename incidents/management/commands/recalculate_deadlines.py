"""Recount the deadlines of open cases on the calendar, limits and working hours as they are
now: after changing WORKING_HOURS, or to see what a calendar change would move."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from incidents.services.recalculation import incidents_recalculate_deadlines


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would move; change nothing."
        )
        parser.add_argument("--note", default="", help="The note of each case's event.")

    def handle(self, *args, dry_run, note, **options):
        result = incidents_recalculate_deadlines(dry_run=dry_run, note=note)
        for move in result.moved:
            before = (
                timezone.localtime(move.before).strftime("%Y-%m-%d %H:%M") if move.before else "-"
            )
            after = timezone.localtime(move.after).strftime("%Y-%m-%d %H:%M")
            self.stdout.write(f"{move.code}\t{before}\t{after}")
        verb = "would move" if dry_run else "moved"
        self.stdout.write(f"{result.checked} open cases checked, {len(result.moved)} {verb}.")
        if result.fallback_years:
            years = ", ".join(map(str, sorted(result.fallback_years)))
            self.stderr.write(
                f"No official calendar entered for {years}: counted Monday to Friday "
                "minus the fixed-date holidays."
            )
