"""The catalogue that governs every town (categories and their limits, escalation limits,
reason codes, the working calendar) is changed by platform administrators only; a town's
own departments and dispatch rules by that town's officials only."""

from django.db import migrations

CATALOGUE_WIDE = [
    "add_category",
    "change_category",
    "add_timelimit",
    "change_timelimit",
    "add_escalationlimit",
    "change_escalationlimit",
    "add_calendarday",
    "change_calendarday",
    "delete_calendarday",
    "add_calendaryear",
    "change_calendaryear",
    "add_reasoncode",
    "change_reasoncode",
]
TOWN_OBJECTS = ["add_department", "change_department", "add_dispatchrule", "change_dispatchrule"]
REVOKED = {
    "town_official": CATALOGUE_WIDE,
    "county_official": [*CATALOGUE_WIDE, *TOWN_OBJECTS],
}


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in REVOKED.items():
        group = Group.objects.filter(name=role).first()
        if group is not None:
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label="incidents", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [("incidents", "0019_category_publication")]

    operations = [migrations.RunPython(revoke, migrations.RunPython.noop)]
