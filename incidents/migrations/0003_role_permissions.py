"""Give the roles their permissions on cases and the catalogue."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW_CATALOGUE = ["view_category", "view_categorygroup", "view_department", "view_timelimit",
                  "view_escalationlimit", "view_calendarday", "view_calendaryear"]
REPORT = ["add_incident", "view_incident", "view_incidentevent", "view_attachment",
          "add_attachment"]
MANAGE_CATALOGUE = ["add_category", "change_category", "add_timelimit", "change_timelimit",
                    "add_department", "change_department", "add_calendarday",
                    "change_calendarday", "delete_calendarday", "add_calendaryear",
                    "change_calendaryear", "change_escalationlimit", "add_escalationlimit"]

ROLE_PERMISSIONS = {
    "resident": ["add_incident"],
    "grid_member": [*VIEW_CATALOGUE, *REPORT],
    "grid_leader": [*VIEW_CATALOGUE, *REPORT],
    "village_staff": [*VIEW_CATALOGUE, *REPORT],
    "department_handler": [*VIEW_CATALOGUE, "view_incident", "view_incidentevent",
                           "view_attachment", "add_attachment"],
    "town_official": [*VIEW_CATALOGUE, *REPORT, *MANAGE_CATALOGUE],
    "county_official": [*VIEW_CATALOGUE, *REPORT, *MANAGE_CATALOGUE],
    "city_official": [*VIEW_CATALOGUE, *REPORT],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="incidents", codename__in=codenames)
        )
    Group.objects.get(name="platform_admin").permissions.add(
        *Permission.objects.filter(content_type__app_label="incidents")
    )


class Migration(migrations.Migration):
    dependencies = [("incidents", "0002_catalogue_and_calendar"), ("members", "0002_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
