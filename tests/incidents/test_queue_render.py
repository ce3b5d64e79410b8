"""The queue page's lighter rendering: selects written in Python with Django's own markup,
the traffic light without an include per row, and the first page's bounded counts per
status (incidents.selectors.STATUS_COUNT_CAP)."""

import datetime
from pathlib import Path

import pytest
from django import forms
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.widgets import PlainSelect
from incidents import selectors
from incidents.models import Incident
from incidents.templatetags.case_tags import light_badge
from tests.conftest import NOW

QUEUE = reverse("incidents:queue")
CHOICES = [
    ("", "All <statuses>"),
    ("a", 'A "quoted" & <b>'),
    ("Group & co", [(1, "one"), (2, "two")]),
    (3, "three"),
]

# Dates in these tests are the suite's fixed NOW's, whatever day the suite runs.
pytestmark = pytest.mark.time_machine(NOW, tick=False)
DAY = datetime.timedelta(days=1)


@pytest.mark.parametrize("value", [None, "", "a", 2, [3]])
@pytest.mark.parametrize(
    "attrs", [None, {"id": "id_x", "class": "wide", "required": True, "disabled": False}]
)
def test_plain_select_writes_what_djangos_select_template_writes(value, attrs):
    ours = PlainSelect(attrs=attrs, choices=CHOICES).render("x<y", value)
    theirs = forms.Select(attrs=attrs, choices=CHOICES).render("x<y", value)

    assert str(ours) == str(theirs)


@pytest.mark.django_db
def test_plain_select_writes_a_model_choice_field_as_django_does(category):
    field = forms.ModelChoiceField(queryset=type(category).objects.all())
    ours = PlainSelect(choices=field.choices).render("category", category.pk)
    theirs = forms.Select(choices=field.choices).render("category", category.pk)

    assert f'<option value="{category.pk}" selected>' in str(ours)
    assert str(ours) == str(theirs)


@pytest.mark.parametrize("light", ["", None, "green", "yellow", "red"])
def test_the_light_tag_writes_what_the_light_template_writes(light):
    assert str(light_badge(light)) == render_to_string(
        "incidents/_light.html", {"light": light}
    ).strip("\n")


@pytest.mark.django_db
class TestBoundedStatusCounts:
    @pytest.fixture
    def six_reported(self, report):
        return [report(title=f"案件{number}") for number in range(6)]

    def test_a_count_stops_past_the_cap(self, six_reported):
        counts = selectors.incident_status_counts(Incident.objects.all(), cap=4)
        assert {value: count for value, _label, count in counts} == dict.fromkeys(
            Incident.Status.values, 0
        ) | {"reported": 5}

    def test_under_the_cap_a_count_is_exact(self, six_reported):
        counts = selectors.incident_status_counts(Incident.objects.all(), cap=6)
        assert {value: count for value, _l, count in counts}["reported"] == 6

    def test_the_counts_are_one_statement(self, six_reported):
        with CaptureQueriesContext(connection) as captured:
            selectors.incident_status_counts(Incident.objects.all(), cap=4)
        assert len(captured) == 1

    def test_a_filter_matching_nothing_counts_without_a_statement(self):
        with CaptureQueriesContext(connection) as captured:
            counts = selectors.incident_status_counts(Incident.objects.none())
        assert len(captured) == 0
        assert {count for _v, _l, count in counts} == {0}

    def test_the_page_shows_the_cap_with_a_plus(self, client, cast, six_reported, monkeypatch):
        monkeypatch.setattr(selectors, "STATUS_COUNT_CAP", 4)
        client.force_login(cast.town_official)

        response = client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="en")

        page = response.content.decode()
        assert '<strong class="status-count-number">4+</strong>' in page
        assert "More than 4 cases" in page
        assert response.context["total"] == 4

    def test_the_page_shows_exact_counts_under_the_cap(self, client, cast, six_reported):
        client.force_login(cast.town_official)

        response = client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="en")

        page = response.content.decode()
        assert '<strong class="status-count-number">6</strong>' in page
        assert "6 cases" in page
        assert "More than" not in page

    def test_the_counts_read_in_chinese(self, client, cast, six_reported, monkeypatch):
        monkeypatch.setattr(selectors, "STATUS_COUNT_CAP", 4)
        client.force_login(cast.town_official)

        response = client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="zh-hans")

        assert "超过 4 件事件" in response.content.decode()

    def test_others_cases_are_not_counted(self, client, cast, six_reported):
        client.force_login(cast.other_official)

        response = client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="en")

        assert {count for _v, _l, count in response.context["status_counts"]} == {0}

    def test_an_invalid_filter_answers_with_its_error_and_no_counts(self, client, cast):
        client.force_login(cast.town_official)

        response = client.get(QUEUE, {"created_from": "not a day"}, HTTP_ACCEPT_LANGUAGE="en")

        assert response.status_code == 200
        assert {count for _v, _l, count in response.context["status_counts"]} == {0}

    def test_the_first_page_costs_the_same_queries_for_more_cases(
        self, client, cast, report, six_reported
    ):
        client.force_login(cast.town_official)
        client.get(QUEUE)

        def first_page() -> int:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(QUEUE).status_code == 200
            return len(captured)

        with_six = first_page()
        for number in range(20):
            report(title=f"另一案件{number}")

        assert first_page() == with_six


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", [{}, {"q": "案件1"}, {"open": "true"}, {"status": "reported"}, {"region": "town"}]
)
def test_bounded_counts_under_the_cap_equal_exact_ones(client, cast, report, ladder, query):
    for number in range(4):
        report(title=f"案件{number}")
    if query.get("region") == "town":
        query = {"region": ladder.town.pk}
    client.force_login(cast.town_official)

    response = client.get(QUEUE, query)

    shown = {value: count for value, _l, count in response.context["status_counts"]}
    filterset = response.context["filter"]
    exact = dict.fromkeys(Incident.Status.values, 0)
    for status in filterset.qs.values_list("status", flat=True):
        exact[status] += 1
    assert shown == exact
    assert sum(shown.values()) == (1 if "q" in query else 4)


# The rows as incidents/_queue.html wrote them before the tag (whitespace aside).
OLD_ROWS = Path(__file__).with_name("old_queue_rows.html")


def _squeeze(html: str) -> str:
    return "".join(line.strip() for line in html.splitlines())


@pytest.mark.django_db
@pytest.mark.parametrize("selectable", [True, False])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_rows_tag_writes_what_the_row_template_wrote(cast, report, selectable, language):
    from django.template import engines
    from django.utils import timezone, translation

    from incidents.templatetags.case_tags import queue_rows

    cases = [report(title=f"<b>案件{number}</b> & co") for number in range(3)]
    Incident.objects.filter(pk=cases[0].pk).update(is_supervised=True)
    Incident.objects.filter(pk=cases[1].pk).update(deadline=None)
    rows = list(selectors.incident_queue(cast.town_official, timezone.now()))
    with translation.override(language):
        ours = queue_rows(rows, selectable)
        template = engines["django"].from_string(OLD_ROWS.read_text())
        theirs = template.render({"rows": rows, "bulk_form": selectable})

    assert _squeeze(ours) == _squeeze(theirs)
    assert "&lt;b&gt;案件0&lt;/b&gt; &amp; co" in ours


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, None),
        ({"status": "accepted"}, {"accepted"}),
        ({"open": "true"}, set(Incident.OPEN_STATUSES)),
        ({"overdue": "true", "status": "closed"}, set()),
        ({"closed_from": (NOW.date() - DAY * 20).isoformat()}, set(Incident.CLOSED_STATUSES)),
        ({"outcome": "on_time", "status": "evaluated"}, {"evaluated"}),
        ({"source": "hotline"}, set(Incident.Status.values)),
    ],
)
def test_the_filter_names_the_statuses_it_lets_through(query, expected):
    from incidents.filters import IncidentQueueFilter

    statuses = IncidentQueueFilter(query or None, queryset=Incident.objects.none()).statuses()

    assert statuses == (None if expected is None else frozenset(expected))


@pytest.mark.django_db
def test_statuses_the_filter_excludes_count_nothing_without_a_subquery(report):
    for number in range(3):
        report(title=f"案件{number}")

    with CaptureQueriesContext(connection) as captured:
        counts = selectors.incident_status_counts(
            Incident.objects.all(), statuses={"reported", "closed"}
        )

    assert {value: count for value, _l, count in counts if count} == {"reported": 3}
    assert captured[0]["sql"].count("SELECT COUNT(*)") == 2
