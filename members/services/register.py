"""The register kept from the field (民情日记): households, residents and visits.

A grid member adds and edits the households and residents of their own grids from the
phone, often offline: the outbox replays a form when the signal returns, and may replay it
twice. So each write carries the client key the device generated, and lands once: the log
row (HouseholdEdit) or the visit holds the key under a unique constraint, written in the
same transaction as the change. A replay finds the key and returns what the first post
made; two posts racing with one key meet at the constraint, and the loser returns the
winner's result.

ID numbers and phones go through resident_save (encrypted, hashed, masked) exactly as in
the admin, and the log keeps only their masks.
"""

import datetime
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Grid
from members import personal_data
from members.models import (
    GridMember,
    Household,
    HouseholdEdit,
    HouseholdVisit,
    Resident,
    ResidentTag,
    User,
)
from members.services import resident_save

T = TypeVar("T")
ADDRESS_LIMIT = 200
NOTES_LIMIT = 4000
# A visit written down later, offline: within a month, never in the future.
OLDEST_VISIT = datetime.timedelta(days=31)


def _member_of(actor: User) -> GridMember:
    member = getattr(actor, "grid_member", None) if actor.is_authenticated else None
    if member is None or not member.is_active or not actor.is_active:
        raise PermissionDenied(_("Only an active grid member can keep the register."))
    return member


def _own_grid(actor: User, grid: Grid) -> None:
    if not actor.has_perm("grids.patrol_grid", grid):
        raise PermissionDenied(_("This household is not in one of your grids."))


def _once(client_key: uuid.UUID, replay: Callable[[], T | None], write: Callable[[], T]) -> T:
    """``write`` in a savepoint unless ``replay`` finds the key's earlier result; a
    concurrent post with the same key fails at the unique constraint, and then its
    winner's result is returned (READ COMMITTED sees it once the winner commits)."""
    earlier = replay()
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            return write()
    except IntegrityError:
        earlier = replay()
        if earlier is None:
            raise
        return earlier


def _edit_replay(actor: User, client_key: uuid.UUID) -> HouseholdEdit | None:
    edit = HouseholdEdit.objects.filter(client_key=client_key).first()
    if edit is not None and edit.actor_id != actor.pk:
        raise ValidationError({"client_key": _("This key belongs to another change.")})
    return edit


def _log(
    *,
    actor: User,
    household: Household,
    action: str,
    changes: dict[str, list[Any]],
    client_key: uuid.UUID,
    resident: Resident | None = None,
) -> HouseholdEdit:
    return HouseholdEdit.objects.create(
        household=household,
        resident=resident,
        actor=actor,
        action=action,
        changes=changes,
        client_key=client_key,
    )


def _clean_address(address: str) -> str:
    address = (address or "").strip()
    if not address:
        raise ValidationError({"address": _("Enter the address.")})
    if len(address) > ADDRESS_LIMIT:
        raise ValidationError({"address": _("At most %(limit)d characters.") % {"limit": 200}})
    return address


def _next_code(grid: Grid) -> str:
    """The grid's code and a four-digit sequence, as the register numbers households.
    The caller holds the grid's row lock, so two adds cannot take one number."""
    codes = Household.objects.filter(grid=grid, code__startswith=grid.code).values_list(
        "code", flat=True
    )
    numbers = [int(code[len(grid.code) :]) for code in codes if code[len(grid.code) :].isdigit()]
    return f"{grid.code}{max(numbers, default=0) + 1:04d}"


@transaction.atomic
def household_add(*, actor: User, grid: Grid, address: str, client_key: uuid.UUID) -> Household:
    """Register a new household in one of the member's grids; it gets the next code."""
    _member_of(actor)
    _own_grid(actor, grid)
    address = _clean_address(address)

    def replay() -> Household | None:
        edit = _edit_replay(actor, client_key)
        return edit.household if edit is not None else None

    def write() -> Household:
        locked = Grid.objects.select_for_update().only("code").get(pk=grid.pk)
        household = Household.objects.create(grid=locked, code=_next_code(locked), address=address)
        _log(
            actor=actor,
            household=household,
            action=HouseholdEdit.Action.ADD,
            changes={"code": ["", household.code], "address": ["", address]},
            client_key=client_key,
        )
        return household

    return _once(client_key, replay, write)


@transaction.atomic
def household_edit(
    *, actor: User, household: Household, address: str, client_key: uuid.UUID
) -> Household:
    """Change a household's address; an edit that changes nothing is not logged."""
    _member_of(actor)
    # The row lock orders edits of one household: a replay waits for its twin and then
    # finds its key.
    household = Household.objects.select_for_update().get(pk=household.pk)
    _own_grid(actor, household.grid)
    address = _clean_address(address)

    def replay() -> Household | None:
        edit = _edit_replay(actor, client_key)
        return edit.household if edit is not None else None

    def write() -> Household:
        if address != household.address:
            changes = {"address": [household.address, address]}
            household.address = address
            household.save(update_fields=["address", "updated_at"])
            _log(
                actor=actor,
                household=household,
                action=HouseholdEdit.Action.EDIT,
                changes=changes,
                client_key=client_key,
            )
        return household

    return _once(client_key, replay, write)


def _resident_facts(resident: Resident, today: datetime.date) -> dict[str, Any]:
    """What the log may say of a resident: ID number and phone masked, the birth date as
    an age band (it is half of an ID number)."""
    return {
        "name": resident.name,
        "gender": resident.gender,
        "birth_date": personal_data.age_band(resident.birth_date, today),
        "id_number": resident.id_number_masked,
        "phone": resident.phone_masked,
        "tags": sorted(tag.name for tag in resident.tags.all()),
    }


def _differences(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        field: [before[field], after[field]] for field in after if before[field] != after[field]
    }


def _resident_replay(actor: User, client_key: uuid.UUID) -> Callable[[], Resident | None]:
    def replay() -> Resident | None:
        edit = _edit_replay(actor, client_key)
        return edit.resident if edit is not None else None

    return replay


@transaction.atomic
def resident_add(
    *,
    actor: User,
    household: Household,
    name: str,
    gender: str,
    client_key: uuid.UUID,
    birth_date: datetime.date | None = None,
    id_number: str = "",
    phone: str = "",
    tags: Iterable[ResidentTag] = (),
) -> Resident:
    """Register a resident in a household of the member's grids."""
    _member_of(actor)
    household = Household.objects.select_for_update().get(pk=household.pk)
    _own_grid(actor, household.grid)
    tags = list(tags)

    def write() -> Resident:
        resident = resident_save(
            household=household,
            name=(name or "").strip(),
            gender=gender,
            birth_date=birth_date,
            id_number=id_number,
            phone=phone,
            tags=tags,
        )
        empty = dict.fromkeys(("name", "gender", "birth_date", "id_number", "phone"), "")
        after = _resident_facts(resident, timezone.localdate())
        _log(
            actor=actor,
            household=household,
            resident=resident,
            action=HouseholdEdit.Action.ADD,
            changes=_differences({**empty, "tags": []}, after),
            client_key=client_key,
        )
        return resident

    return _once(client_key, _resident_replay(actor, client_key), write)


@transaction.atomic
def resident_edit(
    *,
    actor: User,
    resident: Resident,
    name: str,
    gender: str,
    client_key: uuid.UUID,
    birth_date: datetime.date | None = None,
    id_number: str = "",
    phone: str = "",
    tags: Iterable[ResidentTag] = (),
) -> Resident:
    """Edit a resident of the member's grids. A blank ID number, phone or birth date keeps
    the stored one (the form never shows them), as in the admin."""
    _member_of(actor)
    resident = (
        Resident.objects.select_for_update().select_related("household__grid").get(pk=resident.pk)
    )
    _own_grid(actor, resident.household.grid)
    tags = list(tags)
    today = timezone.localdate()

    def write() -> Resident:
        before = _resident_facts(resident, today)
        id_hash, phone_hash = resident.id_number_hash, resident.phone_hash
        born = resident.birth_date  # resident_save writes on this very instance
        saved = resident_save(
            household=resident.household,
            name=(name or "").strip(),
            gender=gender,
            birth_date=birth_date or resident.birth_date,
            # Decrypted only to be encrypted again; never shown.
            id_number=id_number or personal_data.decrypt(resident.id_number_encrypted),
            phone=phone or personal_data.decrypt(resident.phone_encrypted),
            tags=tags,
            resident=resident,
        )
        saved = Resident.objects.prefetch_related("tags").get(pk=saved.pk)
        after = _resident_facts(saved, today)
        changes = _differences(before, after)
        # A new number may keep the mask: the hash tells that it changed.
        for field, old_hash in (("id_number", id_hash), ("phone", phone_hash)):
            if getattr(saved, f"{field}_hash") != old_hash and field not in changes:
                changes[field] = [before[field], after[field]]
        if birth_date and birth_date != born and "birth_date" not in changes:
            # Within one age band: logged as changed, never as the date.
            changes["birth_date"] = [before["birth_date"], after["birth_date"]]
        if changes:
            _log(
                actor=actor,
                household=saved.household,
                resident=saved,
                action=HouseholdEdit.Action.EDIT,
                changes=changes,
                client_key=client_key,
            )
        return saved

    return _once(client_key, _resident_replay(actor, client_key), write)


@transaction.atomic
def household_visit_record(
    *,
    actor: User,
    household: Household,
    visited_on: datetime.date,
    purpose: str,
    client_key: uuid.UUID,
    notes: str = "",
) -> HouseholdVisit:
    """Record a visit to a household of the member's grids."""
    member = _member_of(actor)
    _own_grid(actor, household.grid)
    today = timezone.localdate()
    if visited_on > today:
        raise ValidationError({"visited_on": _("This date is in the future.")})
    if visited_on < today - OLDEST_VISIT:
        raise ValidationError({"visited_on": _("This date is more than a month ago.")})
    if purpose not in HouseholdVisit.Purpose.values:
        raise ValidationError({"purpose": _("Choose a purpose.")})
    notes = (notes or "").strip()
    if len(notes) > NOTES_LIMIT:
        raise ValidationError({"notes": _("At most %(limit)d characters.") % {"limit": 4000}})

    def replay() -> HouseholdVisit | None:
        visit = HouseholdVisit.objects.filter(client_key=client_key).first()
        if visit is not None and visit.member_id != member.pk:
            raise ValidationError({"client_key": _("This key belongs to another visit.")})
        return visit

    def write() -> HouseholdVisit:
        return HouseholdVisit.objects.create(
            household=household,
            member=member,
            visited_on=visited_on,
            purpose=purpose,
            notes=notes,
            client_key=client_key,
        )

    return _once(client_key, replay, write)
