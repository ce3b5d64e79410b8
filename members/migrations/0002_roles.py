"""Create the role groups with their model permissions, and the key-group tags.

The permission lists are frozen here; a later migration that adds models adds their
permissions to the roles in the same way.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW_LADDER = ["grids.view_region", "grids.view_grid"]
VIEW_PEOPLE = [
    "members.view_gridmember",
    "members.view_gridassignment",
    "members.view_household",
    "members.view_resident",
    "members.view_patrollog",
]
KEEP_REGISTER = [
    "members.add_household",
    "members.change_household",
    "members.add_resident",
    "members.change_resident",
]
REVEAL = ["members.reveal_personal_data", "members.view_personaldataaccess"]
MANAGE_GRIDS = [
    "grids.add_grid",
    "grids.change_grid",
    "members.add_gridmember",
    "members.change_gridmember",
    "members.add_gridassignment",
    "members.change_gridassignment",
]

ROLE_PERMISSIONS = {
    "resident": [],
    "grid_member": [*VIEW_LADDER, *VIEW_PEOPLE, *KEEP_REGISTER, "members.add_patrollog"],
    "grid_leader": [
        *VIEW_LADDER,
        *VIEW_PEOPLE,
        *KEEP_REGISTER,
        "members.add_patrollog",
        "members.reveal_personal_data",
    ],
    "village_staff": [*VIEW_LADDER, *VIEW_PEOPLE, *KEEP_REGISTER, *REVEAL],
    "department_handler": [*VIEW_LADDER],
    "town_official": [*VIEW_LADDER, *VIEW_PEOPLE, *KEEP_REGISTER, *REVEAL, *MANAGE_GRIDS],
    "county_official": [*VIEW_LADDER, *VIEW_PEOPLE, *REVEAL, "grids.change_grid"],
    "city_official": [*VIEW_LADDER, *VIEW_PEOPLE, *REVEAL],
    "platform_admin": None,  # every permission of the platform's own apps
}
PLATFORM_APPS = ["grids", "members"]

TAGS = [
    ("elderly-alone", "独居老人"),
    ("empty-nest-elderly", "空巢老人"),
    ("disabled", "残疾人"),
    ("left-behind-child", "留守儿童"),
    ("low-income", "低保户"),
    ("veteran", "退役军人"),
    ("severe-mental-illness", "严重精神障碍患者"),
    ("community-correction", "社区矫正人员"),
]


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        if names is None:
            permissions = Permission.objects.filter(content_type__app_label__in=PLATFORM_APPS)
        else:
            pairs = [name.split(".") for name in names]
            permissions = [
                Permission.objects.get(content_type__app_label=app, codename=codename)
                for app, codename in pairs
            ]
        group.permissions.add(*permissions)
    ResidentTag = apps.get_model("members", "ResidentTag")
    for code, name in TAGS:
        ResidentTag.objects.update_or_create(code=code, defaults={"name": name})


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0001_initial"),
        ("grids", "0002_grid_object_permissions"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
