"""Results: arithmetic on a small known set, cross-tabs, case satisfaction, scoping, the
two-round comparison and the query count."""

import datetime
import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard.satisfaction import survey_case_satisfaction
from grids.models import Grid
from incidents.models import Category, Incident
from surveys.models import Audience, Response
from surveys.permissions import ResultsScope
from surveys.selectors import rounds_compare, survey_results
from surveys.services import response_submit, survey_copy
from tests.surveys.conftest import add_questions, make_survey


@pytest.fixture(autouse=True)
def _english_pages(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def _answer(survey, q, key, *, grid=None, role=Response.Role.RESIDENT, **values):
    """values: single ('knows'/'doesnt'), likert, rating, number, multiple (texts), long."""
    choice = q.knows if values.get("single", "knows") == "knows" else q.doesnt_know
    multiple = {c.text: c.pk for c in q.multiple.choices.all()}
    raw = {
        q.single.pk: [str(choice.pk)],
        q.likert.pk: [str(values["likert"])] if "likert" in values else [],
        q.rating.pk: [str(values["rating"])],
        q.number.pk: [str(values["number"])] if "number" in values else [],
        q.multiple.pk: [str(multiple[text]) for text in values.get("multiple", [])],
        q.long.pk: [values.get("long", "")],
    }
    return response_submit(survey=survey, raw=raw, role=role, key=key, grid=grid)


@pytest.fixture
def known(ladder, cast):
    """Four responses with figures worked out by hand in the tests below."""
    Grid.objects.filter(pk__in=[ladder.a1.pk, ladder.a2.pk]).update(households=10)
    Grid.objects.filter(pk=ladder.a3.pk).update(households=20)
    survey = make_survey(ladder.town, audience=Audience.BOTH)
    q = add_questions(survey)
    _answer(
        survey,
        q,
        "1",
        grid=ladder.a1,
        likert=5,
        rating=8,
        number=2,
        multiple=["宣传", "调解"],
        long="多来走访",
    )
    _answer(survey, q, "2", grid=ladder.a2, likert=3, rating=6, number=4, multiple=["宣传"])
    _answer(
        survey,
        q,
        "3",
        grid=ladder.a3,
        role=Response.Role.MEMBER,
        single="doesnt",
        rating=10,
        number=6,
    )
    _answer(survey, q, "4", likert=4, rating=0)
    return survey, q


def _results(survey, **kwargs):
    return survey_results(survey, ResultsScope(path=survey.region.path, whole=True), **kwargs)


def _item(results, question):
    return next(item for item in results["questions"] if item["question"].pk == question.pk)


def test_counts_responses_and_rates(known):
    survey, _q = known

    responses = _results(survey)["responses"]

    total = responses["total"]
    assert (total["total"], total["resident"], total["member"]) == (4, 3, 1)
    assert (total["households"], total["members"]) == (40, 3)
    assert total["resident_rate"] == pytest.approx(3 / 40)
    assert total["member_rate"] == pytest.approx(1 / 3)
    assert responses["unattributed"] == 1
    villages = {line["name"]: line for line in responses["villages"]}
    assert (villages["东山村"]["resident"], villages["东山村"]["households"]) == (2, 20)
    assert villages["东山村"]["resident_rate"] == pytest.approx(0.1)
    assert (villages["西山村"]["member"], villages["西山村"]["members"]) == (1, 0)
    assert villages["西山村"]["member_rate"] is None


def test_choice_distribution_and_shares(known):
    survey, q = known
    results = _results(survey)

    single = _item(results, q.single)
    multiple = _item(results, q.multiple)

    assert [(e["label"], e["count"], e["share"]) for e in single["distribution"]] == [
        ("知道", 3, 0.75),
        ("不知道", 1, 0.25),
    ]
    assert multiple["respondents"] == 2
    assert [(e["label"], e["count"], e["share"]) for e in multiple["distribution"]] == [
        ("宣传", 2, 1.0),
        ("调解", 1, 0.5),
        ("代办", 0, 0.0),
    ]


def test_scale_and_number_means_and_spread(known):
    survey, q = known
    results = _results(survey)

    likert, rating, number = (_item(results, x)["numbers"] for x in (q.likert, q.rating, q.number))

    assert (likert["count"], likert["mean"], likert["deviation"]) == (3, 4.0, 1.0)
    assert [e["count"] for e in _item(results, q.likert)["distribution"]] == [0, 0, 1, 1, 1]
    assert (rating["count"], rating["mean"]) == (4, 6.0)
    assert rating["deviation"] == pytest.approx(math.sqrt(56 / 3))
    assert (rating["low"], rating["high"]) == (0, 10)
    assert (number["count"], number["mean"], number["deviation"]) == (3, 4.0, 2.0)


def test_crosstabs_by_village_grid_and_audience(known, ladder):
    survey, q = known
    results = _results(survey)

    rating = _item(results, q.rating)["crosstabs"]
    single = _item(results, q.single)["crosstabs"]

    by_village = {line["name"]: (line["count"], line["mean"]) for line in rating["village"]}
    assert by_village == {"东山村": (2, 7.0), "西山村": (1, 10.0), "": (1, 0.0)}
    by_grid = {line["name"]: line["mean"] for line in rating["grid"]}
    assert by_grid == {"东山一网格": 8.0, "东山二网格": 6.0, "西山一网格": 10.0, "": 0.0}
    by_role = {str(line["name"]): line["counts"] for line in single["role"]}
    assert by_role == {"Resident": [3, 0], "Grid member": [0, 1]}


def test_lists_free_text_answers(known):
    survey, q = known

    texts = _item(_results(survey), q.long)["texts"]

    assert [row["text"] for row in texts] == ["多来走访"]
    assert texts[0]["response__grid__name"] == "东山一网格"


def test_survey_satisfaction_beside_case_satisfaction(known, ladder):
    survey, _q = known
    category = Category.objects.first()
    now = timezone.now()

    def case(code, grid, satisfaction, closed_at):
        return Incident(
            code=code,
            title="-",
            description="-",
            category=category,
            town=grid.village.parent,
            grid=grid,
            source=Incident.Source.PATROL,
            level=6,
            handling_region=grid.village,
            status="evaluated",
            satisfaction=satisfaction,
            created_at=closed_at,
            closed_at=closed_at,
            deadline=closed_at,
        )

    Incident.objects.bulk_create(
        [
            case("S1", ladder.a1, "satisfied", now - datetime.timedelta(hours=2)),
            case("S2", ladder.a3, "basically_satisfied", now - datetime.timedelta(hours=2)),
            case("S3", ladder.a1, "dissatisfied", now - datetime.timedelta(hours=2)),
            case("S4", ladder.a1, "", now - datetime.timedelta(hours=2)),
            case("S5", ladder.a1, "dissatisfied", now - datetime.timedelta(days=5)),  # before
            case("S6", ladder.b1, "dissatisfied", now - datetime.timedelta(hours=2)),  # elsewhere
        ]
    )

    results = _results(survey)

    assert results["satisfaction"] == {
        "measured": True,
        "answers": 3,
        "satisfied": 2,
        "rate": pytest.approx(2 / 3),
    }
    cases = survey_case_satisfaction(survey, results["scope"])
    assert (cases["rated"], cases["satisfied"]) == (3, 2)
    assert cases["rate"] == pytest.approx(2 / 3)


def test_the_page_runs_as_many_queries_for_ten_times_the_responses(client, cast, known):
    survey, q = known
    client.force_login(cast.town_official)
    url = reverse("surveys:results", args=[survey.pk])

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    small = count()
    for n in range(36):
        _answer(
            survey,
            q,
            f"more-{n}",
            grid=[None, *Grid.objects.filter(village__parent=survey.region)][n % 4],
            likert=1 + n % 5,
            rating=n % 11,
            number=n % 50,
            multiple=["代办"],
            long=f"意见{n}",
        )
    large = count()

    assert Response.objects.filter(survey=survey).count() == 40
    assert large == small
    assert small <= 25


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("town_official", 200),
        ("county_official", 200),
        ("admin", 200),
        ("village_staff", 200),
        ("other_official", 404),
        ("member", 404),
        ("leader", 404),
        ("resident", 404),
    ],
)
def test_who_sees_the_results(client, cast, known, who, status):
    survey, _q = known
    client.force_login(getattr(cast, who))

    results = client.get(reverse("surveys:results", args=[survey.pk]))
    export = client.get(reverse("surveys:export", args=[survey.pk, "csv"]))

    assert results.status_code == status
    assert export.status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client, known):
    survey, _q = known

    response = client.get(reverse("surveys:results", args=[survey.pk]))

    assert response.status_code == 302


def test_village_staff_see_only_their_villages_responses(client, cast, known):
    survey, _q = known
    client.force_login(cast.village_staff)

    response = client.get(reverse("surveys:results", args=[survey.pk]))

    results = response.context["results"]
    assert results["responses"]["total"]["total"] == 2
    assert [line["name"] for line in results["responses"]["villages"]] == ["东山村"]
    assert "You see the responses from your own jurisdiction only." in response.content.decode()


def test_compares_two_rounds_question_by_question(known, cast, ladder):
    first, q = known
    second = survey_copy(survey=first, actor=cast.town_official)
    second.opens_at, second.closes_at = first.opens_at, first.closes_at
    second.save()
    q2 = add_questions_map(second)
    for n, (likert, single) in enumerate([(2, "knows"), (2, "doesnt"), (5, "knows")]):
        raw = {
            q2["single"].pk: [str(q2["single_choices"][single].pk)],
            q2["likert"].pk: [str(likert)] if single == "knows" else [],
            q2["rating"].pk: ["5"],
        }
        response_submit(survey=second, raw=raw, role="resident", key=f"r2-{n}")

    rows = rounds_compare(_results(second), _results(first))

    by_text = {row["question"].text: row for row in rows}
    assert second.round_number == 2
    assert by_text["满意吗？"]["means"] == (4.0, 3.5)
    assert by_text["满意吗？"]["change"] == -0.5
    assert by_text["打几分？"]["means"] == (6.0, 5.0)
    assert by_text["您知道网格员吗？"]["choices"] == [
        {"label": "知道", "before": 0.75, "after": pytest.approx(2 / 3)},
        {"label": "不知道", "before": 0.25, "after": pytest.approx(1 / 3)},
    ]
    assert "建议" not in by_text  # free text is listed, not compared


def add_questions_map(survey) -> dict:
    questions = {question.text: question for question in survey.questions.all()}
    single = questions["您知道网格员吗？"]
    return {
        "single": single,
        "single_choices": {
            "knows": single.choices.get(text="知道"),
            "doesnt": single.choices.get(text="不知道"),
        },
        "likert": questions["满意吗？"],
        "rating": questions["打几分？"],
    }


def test_the_results_page_offers_and_renders_the_comparison(client, cast, known):
    first, _q = known
    second = survey_copy(survey=first, actor=cast.town_official)
    client.force_login(cast.town_official)

    response = client.get(
        reverse("surveys:results", args=[second.pk]), {"compare": first.pk, "by": "grid"}
    )

    assert response.status_code == 200
    assert response.context["other"] == first
    assert 'id="survey-comparison"' in response.content.decode()


def test_a_round_of_another_town_cannot_be_compared(client, cast, known, ladder):
    first, _q = known
    foreign = survey_copy(survey=first, actor=cast.other_official, region=ladder.other_town)
    client.force_login(cast.town_official)

    response = client.get(reverse("surveys:results", args=[first.pk]), {"compare": foreign.pk})

    assert response.context["other"] is None
    assert foreign not in response.context["candidates"]
