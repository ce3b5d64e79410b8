"""Starter reason codes for the steps that need a reason, and who may edit them and the
dispatch rules. Towns edit both in the admin afterwards (Cases → Reason codes).

Names are Chinese, as towns write them; the English meaning is given by the code.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REASONS = {
    "reject": [
        ("not-true", "反映情况不属实"),
        ("duplicate", "重复上报"),
        ("out-of-scope", "不属于受理范围"),
        ("insufficient-information", "信息不全，无法核实"),
        ("already-solved", "问题已自行解决"),
    ],
    "rework": [
        ("not-solved", "问题未解决"),
        ("incomplete", "处置不彻底"),
        ("photo-mismatch", "处置照片与现场不符"),
        ("resident-objection", "群众对处置结果有异议"),
    ],
    "return": [
        ("not-competent", "不属于本单位职责"),
        ("outside-jurisdiction", "事发地不在本辖区"),
        ("wrong-category", "事件分类错误"),
        ("needs-joint-action", "需多部门联合处置"),
    ],
    "extension": [
        ("awaiting-materials", "等待材料或配件"),
        ("weather", "受天气影响无法施工"),
        ("third-party", "需第三方单位配合"),
        ("investigation", "情况复杂，需调查取证"),
    ],
    "suspension": [
        ("awaiting-budget", "等待资金预算"),
        ("litigation", "涉及诉讼或仲裁"),
        ("policy-unclear", "政策依据尚不明确"),
        ("awaiting-approval", "待规划或上级审批"),
        ("historical", "历史遗留问题"),
    ],
    "reopen": [
        ("recurred", "问题复发"),
        ("dissatisfied", "群众不满意"),
        ("wrongly-closed", "误结案"),
        ("wrongly-rejected", "误作不予受理"),
    ],
}

VIEW = ["view_reasoncode", "view_dispatchrule"]
EDIT = ["add_reasoncode", "change_reasoncode", "add_dispatchrule", "change_dispatchrule"]
ROLE_PERMISSIONS = {
    "grid_member": VIEW,
    "grid_leader": VIEW,
    "village_staff": VIEW,
    "department_handler": VIEW,
    "town_official": [*VIEW, *EDIT],
    "county_official": [*VIEW, *EDIT],
    "city_official": VIEW,
}
NEW_MODELS = ["reasoncode", "dispatchrule", "incidentfollower", "deadlineextension"]


def load(apps, schema_editor):
    ReasonCode = apps.get_model("incidents", "ReasonCode")
    for kind, reasons in REASONS.items():
        for order, (code, name) in enumerate(reasons):
            ReasonCode.objects.get_or_create(
                kind=kind, code=code, defaults={"name": name, "order": order * 10}
            )
    grant(apps)


def grant(apps):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    incidents = Permission.objects.filter(content_type__app_label="incidents")
    for role, codenames in ROLE_PERMISSIONS.items():
        group = Group.objects.filter(name=role).first()
        if group is not None:
            group.permissions.add(*incidents.filter(codename__in=codenames))
    admin = Group.objects.filter(name="platform_admin").first()
    if admin is not None:
        admin.permissions.add(*incidents.filter(content_type__model__in=NEW_MODELS))


class Migration(migrations.Migration):
    dependencies = [("incidents", "0009_case_handling"), ("members", "0002_roles")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
