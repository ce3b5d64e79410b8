"""Writes to the catalogue that span models."""

from django.contrib.auth.models import Group
from django.db import transaction

from grids.models import Region
from incidents.models import Department


@transaction.atomic
def department_save(*, code: str, name: str, region: Region, is_active: bool = True) -> Department:
    """Create or update a department; its handlers are the members of its own group,
    through which cases dispatched to it are shared (django-guardian group permission)."""
    department = Department.objects.filter(region=region, code=code).first()
    if department is None:
        group, _created = Group.objects.get_or_create(name=f"dept:{region.code}:{code}")
        department = Department(code=code, region=region, handlers=group)
    department.name, department.is_active = name, is_active
    department.full_clean()
    department.save()
    return department
