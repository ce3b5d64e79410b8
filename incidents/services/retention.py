"""Retention of personal data in cases: what has been kept long enough is anonymised.

Each data class has its own period, counted from the day a case finished (closed, rated,
rejected or merged), in settings:

- ``RETENTION_REPORTER_CONTACT_DAYS``: the reporter's name and phone, the followers'
  (a follower without an account is removed);
- ``RETENTION_PHOTOS_DAYS``: the photos (files and rows);
- ``RETENTION_CLOSED_CASES_DAYS``: the case's own words and place: title (the category's
  name instead), description, address, the reporter's rating comment and the notes of its
  steps; the location snapped to a cell of about 500 m (incidents.publication).

Set-based: one count or one statement per class, whatever the number of cases. A dry run
counts exactly the rows that the real run changes.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.db.models.functions import SnapToGrid
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from incidents.models import Attachment, Category, Incident, IncidentEvent, IncidentFollower
from incidents.publication import COARSE_CELL_DEGREES, public_cases_changed

Status = Incident.Status
FINISHED = sorted({*Incident.CLOSED_STATUSES, Status.REJECTED, Status.MERGED})


@dataclass(frozen=True)
class RetentionCounts:
    reporter_contacts: int
    anonymous_followers: int
    follower_names: int
    photos: int
    cases: int
    step_notes: int


def _finished_before(days: int, now: datetime.datetime) -> QuerySet[Incident]:
    cutoff = now - datetime.timedelta(days=days)
    return (
        Incident.objects.filter(status__in=FINISHED)
        .alias(finished_at=Coalesce("closed_at", "updated_at"))
        .filter(finished_at__lt=cutoff)
    )


def _expired(now: datetime.datetime) -> dict[str, QuerySet]:
    contact_cases = _finished_before(settings.RETENTION_REPORTER_CONTACT_DAYS, now)
    photo_cases = _finished_before(settings.RETENTION_PHOTOS_DAYS, now)
    old_cases = _finished_before(settings.RETENTION_CLOSED_CASES_DAYS, now)
    return {
        "reporter_contacts": contact_cases.filter(
            ~Q(reporter_name="") | ~Q(reporter_phone_encrypted="")
        ),
        # A follower without an account is nothing but a name and a phone: the row goes.
        "anonymous_followers": IncidentFollower.objects.filter(
            incident__in=contact_cases.values("pk"), user__isnull=True
        ),
        "follower_names": IncidentFollower.objects.filter(
            incident__in=contact_cases.values("pk"), user__isnull=False
        ).exclude(name=""),
        "photos": Attachment.objects.filter(incident__in=photo_cases.values("pk")),
        "cases": old_cases.exclude(is_anonymised=True),
        "step_notes": IncidentEvent.objects.filter(incident__in=old_cases.values("pk")).exclude(
            note=""
        ),
    }


@transaction.atomic
def incidents_anonymise_expired(*, now: datetime.datetime, dry_run: bool) -> RetentionCounts:
    expired = _expired(now)
    if dry_run:
        return RetentionCounts(**{name: rows.count() for name, rows in expired.items()})
    photos = list(expired["photos"].values_list("image", flat=True))
    storage = Attachment._meta.get_field("image").storage

    def delete_files() -> None:
        for name in photos:
            if name:
                storage.delete(name)

    transaction.on_commit(delete_files)
    public_cases_changed()
    cell = COARSE_CELL_DEGREES
    return RetentionCounts(
        reporter_contacts=expired["reporter_contacts"].update(
            reporter_name="",
            reporter_phone_encrypted="",
            reporter_phone_hash="",
            reporter_phone_masked="",
        ),
        anonymous_followers=expired["anonymous_followers"].delete()[0],
        follower_names=expired["follower_names"].update(name=""),
        photos=expired["photos"].delete()[0],
        step_notes=expired["step_notes"].update(note=""),
        cases=expired["cases"].update(
            title=Subquery(Category.objects.filter(pk=OuterRef("category_id")).values("name")),
            description="",
            address="",
            evaluation_comment="",
            location=SnapToGrid("location", cell),
            is_anonymised=True,
        ),
    )
