"""One case per fact: reporters who join an existing case, and the reporters a merged
case hands on to its survivor. Followers hear of progress as the first reporter does
(incidents.services.notify.notify_reporter)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from incidents import permissions
from incidents.models import Incident, IncidentEvent, IncidentFollower
from incidents.services.errors import IncidentActionRefused
from incidents.services.events import record_event
from members import personal_data
from members.models import User

Status = Incident.Status
NOT_FOLLOWABLE = frozenset({Status.MERGED, Status.REJECTED})


def _follower_for(
    actor: User | None, incident: Incident, name: str, phone: str
) -> IncidentFollower:
    if actor is not None and getattr(actor, "is_authenticated", False):
        if incident.reporter_id == actor.pk:
            raise PermissionDenied(_("You report this case already; you hear of it anyway."))
        if not permissions.can_follow(actor, incident):
            raise PermissionDenied(_("You may not follow this case."))
        return IncidentFollower(incident=incident, user=actor, name=actor.get_full_name())
    name = (name or "").strip()
    if not name or not (phone or "").strip():
        raise ValidationError(_("Give your name and phone so that we can reach you."))
    phone = personal_data.normalise_phone(phone)
    if incident.reporter_phone_hash == personal_data.lookup_hash(phone):
        raise IncidentActionRefused(_("You reported this case already."), "unchanged")
    return IncidentFollower(
        incident=incident,
        name=name[:50],
        phone_encrypted=personal_data.encrypt(phone),
        phone_hash=personal_data.lookup_hash(phone),
        phone_masked=personal_data.mask_phone(phone),
    )


@transaction.atomic
def incident_follow(
    *, actor: User | None, incident: Incident, name: str = "", phone: str = ""
) -> IncidentFollower:
    """Join a case instead of filing the same fact again.

    A signed-in user follows with the account; anyone else with a name and phone, which
    then finds the case on the residents' tracking page with the case's code. Writes one
    ``follow`` event; following twice is refused without change.
    """
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    # The permission first: a refusal by status would tell someone without access whether
    # the case was merged or rejected.
    follower = _follower_for(actor, locked, name, phone)
    if locked.status in NOT_FOLLOWABLE:
        raise IncidentActionRefused(
            _("This case is no longer handled on its own: follow the case it was merged into.")
            if locked.status == Status.MERGED
            else _("This case was not accepted; report the problem as a new case."),
            "not_followable",
        )
    try:
        with transaction.atomic():
            follower.save()
    except IntegrityError as error:
        raise IncidentActionRefused(_("You follow this case already."), "unchanged") from error
    record_event(locked, actor=follower.user, action=IncidentEvent.Action.FOLLOW)
    return follower


def followers_move(*, merged: Incident, survivor: Incident) -> int:
    """The merged case's reporter and followers follow the survivor from now on.

    One read and one insert; conflicts (someone following both) are skipped.
    """
    rows = []
    if merged.reporter_id:
        if merged.reporter_id != survivor.reporter_id:
            rows.append(IncidentFollower(incident=survivor, user_id=merged.reporter_id))
    elif merged.reporter_phone_hash and merged.reporter_phone_hash != survivor.reporter_phone_hash:
        rows.append(
            IncidentFollower(
                incident=survivor,
                name=merged.reporter_name,
                phone_encrypted=merged.reporter_phone_encrypted,
                phone_hash=merged.reporter_phone_hash,
                phone_masked=merged.reporter_phone_masked,
            )
        )
    for follower in IncidentFollower.objects.filter(incident=merged):
        if follower.user_id and follower.user_id == survivor.reporter_id:
            continue
        follower.pk, follower.incident = None, survivor
        rows.append(follower)
    for row in rows:
        row.joined_from = merged
    created = IncidentFollower.objects.bulk_create(rows, ignore_conflicts=True)
    return len(created)
