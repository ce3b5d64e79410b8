"""Every builder page renders (in the default Chinese too), and the list's query count
does not grow with the surveys."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from surveys.models import Survey
from surveys.services import response_submit
from tests.surveys.conftest import add_questions, good_raw, make_survey


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_builder_page_renders(client, cast, survey, questions, language):
    response_submit(survey=survey, raw=good_raw(questions), role="resident", key="k")
    template = Survey.objects.filter(is_template=True).first()
    client.force_login(cast.town_official)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    urls = [
        reverse("surveys:list"),
        reverse("surveys:create"),
        reverse("surveys:detail", args=[survey.pk]),
        reverse("surveys:detail", args=[template.pk]),
        reverse("surveys:edit", args=[survey.pk]),
        reverse("surveys:question_create", args=[survey.pk]),
        reverse("surveys:question_edit", args=[survey.pk, questions.likert.pk]),
        reverse("surveys:results", args=[survey.pk]),
        reverse("survey_public:answer", args=[survey.token]),
        reverse("survey_public:done", args=[survey.token]),
    ]

    statuses = {url: client.get(url).status_code for url in urls}

    assert set(statuses.values()) == {200}, statuses


def test_a_template_is_edited_in_the_admin_by_administrators_only(client, cast):
    template = Survey.objects.filter(is_template=True).first()
    client.force_login(cast.town_official)
    assert client.get(reverse("surveys:edit", args=[template.pk])).status_code == 403

    client.force_login(cast.admin)
    cast.admin.is_staff = True
    cast.admin.save()
    response = client.get(reverse("surveys:edit", args=[template.pk]))

    assert response.url == reverse("admin:surveys_survey_change", args=[template.pk])
    assert client.get(response.url).status_code == 200


def test_the_admin_shows_an_answered_surveys_questions_read_only(client, cast, survey, questions):
    response_submit(survey=survey, raw=good_raw(questions), role="resident", key="k")
    cast.admin.is_staff = True
    cast.admin.save()
    client.force_login(cast.admin)

    page = client.get(reverse("admin:surveys_question_change", args=[questions.likert.pk]))

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False


def test_the_list_runs_as_many_queries_for_more_surveys(client, cast, ladder):
    client.force_login(cast.town_official)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("surveys:list")).status_code == 200
        return len(captured.captured_queries)

    make_survey(ladder.town)
    small = count()
    for _n in range(5):
        add_questions(make_survey(ladder.v1))
    large = count()

    assert large == small


def test_the_admin_pages_render_for_administrators(client, cast, survey, questions):
    cast.admin.is_staff = True
    cast.admin.save()
    client.force_login(cast.admin)

    for url in (
        reverse("admin:surveys_survey_changelist"),
        reverse("admin:surveys_survey_add"),
        reverse("admin:surveys_survey_change", args=[survey.pk]),
        reverse("admin:surveys_question_change", args=[questions.single.pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_the_admin_gives_a_new_question_the_next_free_key(client, cast, survey, questions):
    cast.admin.is_staff = True
    cast.admin.save()
    client.force_login(cast.admin)
    url = reverse("admin:surveys_survey_change", args=[survey.pk])
    page = client.get(url)
    data = dict(
        _form_values(page.context["adminform"].form, page.context["inline_admin_formsets"])
    )
    total = int(data["questions-TOTAL_FORMS"])
    data.update(
        {
            "questions-TOTAL_FORMS": str(total + 1),
            f"questions-{total}-order": "200",
            f"questions-{total}-text": "新增题",
            f"questions-{total}-kind": "short_text",
            f"questions-{total}-is_required": "on",
        }
    )

    response = client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    assert survey.questions.get(text="新增题").key == "q8"


@pytest.mark.parametrize(
    ("settings_", "field"),
    [
        ({"kind": "short_text", "max_choices": "2"}, "max_choices"),
        ({"kind": "likert", "min_value": "1"}, "min_value"),
        ({"kind": "short_text", "measures_satisfaction": "on"}, "measures_satisfaction"),
        ({"kind": "short_text", "show_if_choice": "other-survey"}, "show_if_choice"),
    ],
)
def test_the_admin_keeps_the_builders_rules(
    client, cast, ladder, survey, questions, settings_, field
):
    cast.admin.is_staff = True
    cast.admin.save()
    client.force_login(cast.admin)
    if settings_.get("show_if_choice") == "other-survey":
        other = add_questions(make_survey(ladder.town))
        settings_ = {**settings_, "show_if_choice": str(other.knows.pk)}
    url = reverse("admin:surveys_survey_change", args=[survey.pk])
    page = client.get(url)
    data = dict(
        _form_values(page.context["adminform"].form, page.context["inline_admin_formsets"])
    )
    total = int(data["questions-TOTAL_FORMS"])
    data.update(
        {
            "questions-TOTAL_FORMS": str(total + 1),
            f"questions-{total}-order": "200",
            f"questions-{total}-text": "规则不一致的题",
        }
    )
    data.update({f"questions-{total}-{name}": value for name, value in settings_.items()})

    response = client.post(url, data)

    assert response.status_code == 200
    [inline] = response.context["inline_admin_formsets"]
    assert field in inline.formset.forms[total].errors
    assert not survey.questions.filter(text="规则不一致的题").exists()


def _form_values(form, inline_formsets):
    """The values a browser would post back for the change form and its inlines."""
    for bound in form:
        value = bound.value()
        if value is None or value is False:
            continue
        yield bound.html_name, "on" if value is True else value
    for inline in inline_formsets:
        formset = inline.formset
        for bound in formset.management_form:
            yield bound.html_name, bound.value()
        for child in formset.forms:
            for bound in child:
                value = bound.value()
                if value is None or value is False:
                    continue
                yield bound.html_name, "on" if value is True else value
