"""The hotline operator role (12345 接线员): files the calls it takes, within its
jurisdiction, and sees what it filed; platform administrators get the bridge's models."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE = "hotline_operator"
OPERATOR = {
    "grids": ["view_region", "view_grid"],
    "incidents": [
        "view_category",
        "view_categorygroup",
        "add_incident",
        "view_incident",
        "view_incidentevent",
        "add_hotlineorder",
        "view_hotlineorder",
    ],
}
BRIDGE_MODELS = ["hotlineorder", "hotlineupdate"]


def create(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=ROLE)
    for app, codenames in OPERATOR.items():
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label=app, codename__in=codenames)
        )
    admins = Group.objects.filter(name="platform_admin").first()
    if admins is not None:
        admins.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="incidents", content_type__model__in=BRIDGE_MODELS
            )
        )


def remove(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=ROLE).delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0022_hotline_bridge"), ("members", "0002_roles")]

    operations = [migrations.RunPython(create, remove)]
