"""Every write to people, assignments and personal data."""

import datetime
from collections.abc import Callable, Iterable

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Grid, GridUserObjectPermission
from members import personal_data
from members.models import (
    GridAssignment,
    GridMember,
    Household,
    PersonalDataAccess,
    Resident,
    ResidentTag,
    User,
)
from members.permissions import can_reveal_personal_data, can_reveal_phone

MEMBER_PERMISSION = "patrol_grid"
LEADER_PERMISSION = "lead_grid"


def _active_on(today: datetime.date) -> Q:
    """An assignment is active from its first day up to, not including, its end date."""
    return Q(starts_on__lte=today) & (Q(ends_on__isnull=True) | Q(ends_on__gt=today))


@transaction.atomic
def grid_assign_member(
    *,
    member: GridMember,
    grid: Grid,
    is_leader: bool = False,
    starts_on: datetime.date | None = None,
) -> GridAssignment:
    """Assign a member to a grid and, from its first day, grant the grid's permissions."""
    starts_on = starts_on or timezone.localdate()
    if not member.is_active:
        raise ValidationError(_("An inactive member cannot be assigned to a grid."))
    if not grid.is_active:
        raise ValidationError(_("A member cannot be assigned to an inactive grid."))
    assignment = GridAssignment(member=member, grid=grid, is_leader=is_leader, starts_on=starts_on)
    assignment.full_clean()
    assignment.save()
    grid_permissions_sync(today=timezone.localdate(), grid_ids=[grid.pk])
    return assignment


@transaction.atomic
def grid_unassign_member(
    *, assignment: GridAssignment, ends_on: datetime.date | None = None
) -> GridAssignment:
    """End an assignment; its permissions go the day it ends (today by default)."""
    assignment = GridAssignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.ends_on is not None and assignment.ends_on <= timezone.localdate():
        raise ValidationError(_("This assignment has already ended."))
    assignment.ends_on = ends_on or timezone.localdate()
    assignment.full_clean()
    assignment.save(update_fields=["ends_on"])
    grid_permissions_sync(today=timezone.localdate(), grid_ids=[assignment.grid_id])
    return assignment


@transaction.atomic
def grid_permissions_sync(*, today: datetime.date, grid_ids: list[int] | None = None) -> int:
    """Make the grid object permissions match the assignments active today.

    Set-based: one DELETE of the grants that no active assignment backs, one INSERT of
    the grants that are missing. Safe to run twice. Returns the number of rows changed.
    """
    permissions = {
        p.codename: p
        for p in Permission.objects.filter(
            content_type__app_label="grids", codename__in=[MEMBER_PERMISSION, LEADER_PERMISSION]
        )
    }
    active = GridAssignment.objects.filter(_active_on(today), member__is_active=True)
    if grid_ids is not None:
        active = active.filter(grid_id__in=grid_ids)
    wanted = set()
    for user_id, grid_id, is_leader in active.values_list(
        "member__user_id", "grid_id", "is_leader"
    ):
        wanted.add((user_id, grid_id, permissions[MEMBER_PERMISSION].pk))
        if is_leader:
            wanted.add((user_id, grid_id, permissions[LEADER_PERMISSION].pk))
    granted = GridUserObjectPermission.objects.filter(permission__in=permissions.values())
    if grid_ids is not None:
        granted = granted.filter(content_object_id__in=grid_ids)
    existing = {
        (row[1], row[2], row[3]): row[0]
        for row in granted.values_list("pk", "user_id", "content_object_id", "permission_id")
    }
    stale = [pk for key, pk in existing.items() if key not in wanted]
    missing = [
        GridUserObjectPermission(user_id=u, content_object_id=g, permission_id=p)
        for (u, g, p) in wanted - existing.keys()
    ]
    GridUserObjectPermission.objects.filter(pk__in=stale).delete()
    GridUserObjectPermission.objects.bulk_create(missing, ignore_conflicts=True)
    return len(stale) + len(missing)


def _encrypted_fields(prefix: str, value: str, masker: Callable[[str], str]) -> dict:
    if not value:
        return {f"{prefix}_encrypted": "", f"{prefix}_hash": None, f"{prefix}_masked": ""}
    return {
        f"{prefix}_encrypted": personal_data.encrypt(value),
        f"{prefix}_hash": personal_data.lookup_hash(value),
        f"{prefix}_masked": masker(value),
    }


@transaction.atomic
def resident_save(
    *,
    household: Household,
    name: str,
    gender: str,
    id_number: str = "",
    phone: str = "",
    birth_date: datetime.date | None = None,
    tags: Iterable[ResidentTag] = (),
    resident: Resident | None = None,
) -> Resident:
    """Create or update a resident, encrypting ID number and phone.

    An ID number already registered to another resident is refused: one person, one row.
    """
    errors = {}
    try:
        id_number = personal_data.normalise_id_number(id_number) if id_number else ""
    except ValidationError as error:
        errors["id_number"] = error.messages
    try:
        phone = personal_data.normalise_phone(phone) if phone else ""
    except ValidationError as error:
        errors["phone"] = error.messages
    if errors:
        raise ValidationError(errors)
    resident = resident or Resident()
    values = {
        **_encrypted_fields("id_number", id_number, personal_data.mask_id_number),
        **_encrypted_fields("phone", phone, personal_data.mask_phone),
    }
    values["phone_hash"] = values["phone_hash"] or ""
    if values["id_number_hash"]:
        duplicate = (
            Resident.objects.filter(id_number_hash=values["id_number_hash"])
            .exclude(pk=resident.pk)
            .select_related("household")
            .first()
        )
        if duplicate is not None:
            raise ValidationError(
                {
                    "id_number": _("This ID number is already registered (household %(code)s).")
                    % {"code": duplicate.household.code}
                }
            )
    resident.household, resident.name, resident.gender = household, name, gender
    resident.birth_date = birth_date
    for field, value in values.items():
        setattr(resident, field, value)
    resident.full_clean(exclude=["user"])
    resident.save()
    resident.tags.set(tags)
    return resident


@transaction.atomic
def resident_reveal(
    *,
    actor: User,
    resident: Resident,
    field: str,
    reason: str,
    ip_address: str | None = None,
) -> str:
    """Return one unmasked value of one resident and record the look in the access log.

    Grid members may reveal the phone of a resident of their grids (to call them), never
    an ID number."""
    allowed = (
        can_reveal_phone(actor, resident)
        if field == PersonalDataAccess.Field.PHONE
        else can_reveal_personal_data(actor, resident)
    )
    if not allowed:
        raise PermissionDenied(_("You may not see this resident's personal data."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you need to see it.")})
    if field not in PersonalDataAccess.Field.values:
        raise ValidationError({"field": _("Unknown field.")})
    PersonalDataAccess.objects.create(
        actor=actor,
        resident=resident,
        grid_id=resident.household.grid_id,
        field=field,
        reason=reason[:200],
        ip_address=ip_address,
    )
    return personal_data.decrypt(getattr(resident, f"{field}_encrypted"))
