"""The two questionnaires of the S Town study as templates, and the roles' permissions.

Towns copy a template (a new survey of their own, as a draft) and edit the copy. The
questions follow the study's two versions: grid members (workload, staffing, training, pay,
tools and the platform's usefulness, obstacles) and residents (knowing their grid member,
contact, services received, satisfaction with case handling, suggestions). ``load`` is
idempotent: tests/conftest.py runs it again after a flush.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

LIKERT_EASY = ("非常轻松", "非常繁重")
LIKERT_SATISFIED = ("非常不满意", "非常满意")
LIKERT_HELPFUL = ("完全没有帮助", "非常有帮助")

# (key, kind, text, options) ; options: choices, required, max, min/max, labels, condition
MEMBER_QUESTIONS = [
    ("employment", "single", "您的工作性质", {"choices": ["专职网格员", "兼职网格员（村社干部兼任）", "其他"]}),
    ("years", "single", "您担任网格员的年限", {"choices": ["不满1年", "1–3年", "3–5年", "5年以上"]}),
    ("hours", "number", "您平均每周用于网格工作的时间（小时）", {"min": 0, "max": 168}),
    ("households", "number", "您负责的网格大约有多少户？", {"min": 0, "max": 5000, "required": False}),
    ("workload", "likert", "您觉得目前的工作量如何？", {"labels": LIKERT_EASY}),
    ("staffing", "single", "您所在网格的人员配备是否充足？", {"choices": ["充足", "基本充足", "不足", "严重不足"]}),
    ("trained", "single", "过去一年您是否参加过网格业务培训？", {"choices": ["参加过", "没有参加过"]}),
    ("training_help", "likert", "培训对您开展工作的帮助有多大？", {"labels": LIKERT_HELPFUL, "if": ("trained", "参加过")}),
    ("pay", "likert", "您对目前的薪酬待遇满意吗？", {"labels": LIKERT_SATISFIED}),
    ("tools", "multiple", "您日常主要用哪些工具开展工作？（最多选3项）", {"choices": ["网格信息平台手机端", "微信群", "纸质台账", "电话", "其他"], "max": 3}),
    ("platform_useful", "rating", "网格信息平台对您的工作有多大用处？（0–10分）", {"labels": ("完全没用", "非常有用")}),
    ("obstacles", "multiple", "您在工作中遇到的主要困难是什么？（最多选3项）", {"choices": ["事务繁杂、任务过多", "人手不足", "重复填报、系统太多", "部门协同不畅", "居民不理解、不配合", "待遇偏低", "培训不足"], "max": 3}),
    ("suggestions", "long_text", "您对改进网格工作有什么意见和建议？", {"required": False}),
]

RESIDENT_QUESTIONS = [
    ("age", "single", "您的年龄段", {"choices": ["18岁以下", "18–35岁", "36–59岁", "60岁及以上"]}),
    ("household_size", "number", "您家常住人口有几人？", {"min": 1, "max": 30, "required": False}),
    ("knows_member", "single", "您知道您所在网格的网格员是谁吗？", {"choices": ["知道", "不知道"]}),
    ("contact", "single", "过去一年您与网格员联系的频率", {"choices": ["从未联系", "一年几次", "每月一次左右", "每周都有"], "if": ("knows_member", "知道")}),
    ("services", "multiple", "您接受过网格员提供的哪些服务？（可多选）", {"choices": ["政策宣传", "矛盾纠纷调解", "代办服务", "走访慰问", "安全隐患排查", "反映问题后跟进处理", "没有接受过"]}),
    ("reported", "single", "您是否通过网格员或平台反映过问题？", {"choices": ["反映过", "没有反映过"]}),
    ("case_satisfaction", "likert", "您对所反映问题的处理结果满意吗？", {"labels": LIKERT_SATISFIED, "if": ("reported", "反映过"), "satisfaction": True}),
    ("overall", "likert", "总体来看，您对网格化服务满意吗？", {"labels": LIKERT_SATISFIED, "satisfaction": True}),
    ("suggestions", "long_text", "您对网格化服务有什么意见和建议？", {"required": False}),
]

TEMPLATES = [
    (
        "网格员工作情况调查问卷（模板）",
        "本问卷了解网格员的工作量、人员配备、培训、待遇、工作工具和信息平台的实际用处，以及工作中的困难。匿名填写，结果仅用于改进网格工作。",
        "members",
        MEMBER_QUESTIONS,
    ),
    (
        "居民网格化服务满意度调查问卷（模板）",
        "本问卷了解您对所在网格网格员和网格化服务的认识与评价。匿名填写，约需3分钟。",
        "residents",
        RESIDENT_QUESTIONS,
    ),
]


def load(apps, schema_editor):
    Survey = apps.get_model("surveys", "Survey")
    Question = apps.get_model("surveys", "Question")
    Choice = apps.get_model("surveys", "Choice")
    for title, description, audience, questions in TEMPLATES:
        if Survey.objects.filter(is_template=True, title=title).exists():
            continue
        survey = Survey.objects.create(
            title=title, description=description, audience=audience, is_template=True,
            is_anonymous=True,
        )
        choices = {}
        for order, (key, kind, text, options) in enumerate(questions, start=1):
            low, high = options.get("labels", ("", ""))
            condition = options.get("if")
            question = Question.objects.create(
                survey=survey,
                order=order * 10,
                key=key,
                text=text,
                kind=kind,
                is_required=options.get("required", True),
                max_choices=options.get("max") if kind == "multiple" else None,
                min_value=options.get("min"),
                max_value=options.get("max") if kind == "number" else None,
                low_label=low,
                high_label=high,
                measures_satisfaction=options.get("satisfaction", False),
                show_if_choice=choices[condition] if condition else None,
            )
            for index, choice_text in enumerate(options.get("choices", [])):
                choices[(key, choice_text)] = Choice.objects.create(
                    question=question, order=index, text=choice_text
                )
    grant(apps, schema_editor)


def grant(apps, schema_editor):
    """Administrators run the surveys admin; builders work through the pages."""
    app_config = apps.get_app_config("surveys")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admins = Group.objects.filter(name="platform_admin").first()
    if admins is not None:
        admins.permissions.add(*Permission.objects.filter(content_type__app_label="surveys"))


def unload(apps, schema_editor):
    Survey = apps.get_model("surveys", "Survey")
    titles = [title for title, *_rest in TEMPLATES]
    for survey in Survey.objects.filter(is_template=True, title__in=titles):
        survey.questions.filter(show_if_choice__isnull=False).delete()
        survey.questions.all().delete()
        survey.delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial"), ("members", "0002_roles")]

    operations = [migrations.RunPython(load, unload)]
