"""manage.py anonymise [--dry-run]: remove the personal data whose retention has ended
(settings RETENTION_*_DAYS; README "Security"). A dry run prints the same counts that the
real run would, and changes nothing."""

from dataclasses import asdict

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from incidents.services.retention import incidents_anonymise_expired
from members.services.retention import access_log_purge


class Command(BaseCommand):
    help = "Anonymise the personal data whose retention period has ended."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would change; change nothing."
        )

    def handle(self, *args, dry_run: bool = False, **options):
        now = timezone.now()
        with transaction.atomic():
            counts = asdict(incidents_anonymise_expired(now=now, dry_run=dry_run))
            counts["access_log"] = access_log_purge(now=now, dry_run=dry_run)
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count}")
        if dry_run:
            self.stdout.write("dry run: nothing changed")
