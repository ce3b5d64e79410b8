"""Writes to the catalogue that span models."""

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from grids.models import Region
from incidents.models import Department, DispatchRule
from incidents.permissions import can_edit_town_catalogue
from members.models import User


def _check_town(actor: User | None, *regions: Region | None) -> None:
    if actor is None:
        return
    for region in regions:
        if region is not None and not can_edit_town_catalogue(actor, region.path):
            raise PermissionDenied(_("Only the town's own officials may change this."))


@transaction.atomic
def department_save(
    *,
    code: str,
    name: str,
    region: Region,
    is_active: bool = True,
    actor: User | None = None,
) -> Department:
    """Create or update a department; its handlers are the members of its own group,
    through which cases dispatched to it are shared (django-guardian group permission).

    ``actor``: the account saving it in the admin, refused outside its own town; None for
    the platform's own code (the demo, imports).
    """
    _check_town(actor, region)
    department = Department.objects.filter(region=region, code=code).first()
    if department is None:
        group, _created = Group.objects.get_or_create(name=f"dept:{region.code}:{code}")
        department = Department(code=code, region=region, handlers=group)
    department.name, department.is_active = name, is_active
    department.full_clean()
    department.save()
    return department


@transaction.atomic
def dispatch_rule_save(*, actor: User, rule: DispatchRule) -> DispatchRule:
    """Save a dispatch rule: every place and department it names lies in the actor's town."""
    department_region = rule.department.region if rule.department is not None else None
    if department_region is not None and rule.town.path.startswith(department_region.path):
        department_region = None  # a department of the county above the town serves it too
    _check_town(
        actor,
        rule.town,
        rule.village,
        rule.grid.village if rule.grid is not None else None,
        department_region,
    )
    rule.full_clean()
    rule.save()
    return rule
