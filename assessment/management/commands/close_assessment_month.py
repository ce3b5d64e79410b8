"""``manage.py close_assessment_month``: close a month into each county's bulletin.

Without options it closes last month for every county with towns that has not closed it
(what the beat entry does on the first days of a month); a closed month is left as it is,
so running it again changes nothing.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assessment.forms import parse_month
from assessment.selectors import previous_month
from assessment.services import assessment_month_close
from core.errors import ActionRefused
from grids.models import Region


class Command(BaseCommand):
    help = "Close a month (default: last month) into the assessment bulletin of each county."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="Year and month, e.g. 2026-10 (default: last month).")
        parser.add_argument("--county", help="Division code of one county (default: every one).")

    def handle(self, *args, **options):
        month = self._month(options["month"])
        counties = Region.objects.filter(
            level=Region.Level.COUNTY, children__level=Region.Level.TOWN
        ).distinct()
        if options["county"]:
            counties = counties.filter(code=options["county"])
            if not counties.exists():
                raise CommandError(f"No county with towns has the code {options['county']}.")
        for county in counties.order_by("code"):
            try:
                bulletin = assessment_month_close(county=county, month=month)
            except ActionRefused as refusal:
                self.stdout.write(f"{county.code} {county.name} {month:%Y-%m}: {refusal.message}")
                continue
            self.stdout.write(
                f"{county.code} {county.name} {month:%Y-%m}: closed "
                f"({bulletin.entries.count()} lines, scheme v{bulletin.scheme.version})"
            )

    def _month(self, text: str | None) -> datetime.date:
        if not text:
            return previous_month(timezone.localdate())
        try:
            return parse_month(text)
        except ValueError as bad:
            raise CommandError("--month must be year-month, e.g. 2026-10.") from bad
