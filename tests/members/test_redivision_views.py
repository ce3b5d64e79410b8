"""The workload page, the proposal page and its accept and discard: who may, and what
each shows or changes."""

import datetime

import pytest
from django.urls import reverse

from dashboard.workload import grid_workload
from grids.models import Grid, Region
from grids.services import grid_save, region_save
from incidents.models import Category, Incident
from incidents.services.reporting import incident_report
from members.models import GridSplitProposal, PatrolLog
from members.services.redivision import split_propose
from tests.conftest import NOW
from tests.factories import box

pytestmark = pytest.mark.time_machine(NOW, tick=False)

WORKLOAD = reverse("dashboard:workload")


def _client(client, user):
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("resident", 403),
        ("member", 403),
        ("leader", 403),
        ("village_staff", 200),
        ("town_official", 200),
        ("other_official", 200),
        ("county_official", 200),
    ],
)
def test_the_workload_page_is_for_officials(client, overloaded, cast, who, status):
    response = _client(client, getattr(cast, who)).get(WORKLOAD)
    assert response.status_code == status
    if status == 200:
        # Only the grids of the official's own jurisdiction are listed.
        assert (overloaded.code in response.content.decode()) is (who != "other_official")


def test_the_workload_shows_each_grid_s_figures_and_marks_the_overloaded(overloaded, cast, ladder):
    garbage = Category.objects.get(code="garbage")
    for days_ago in (1, 40, 80, 100):  # the last falls outside the three months
        case = incident_report(
            actor=cast.member,
            category=garbage,
            title="垃圾",
            description="村口垃圾",
            source=Incident.Source.PATROL,
            grid=overloaded,
        )
        Incident.objects.filter(pk=case.pk).update(
            created_at=NOW - datetime.timedelta(days=days_ago)
        )
    PatrolLog.objects.create(
        member=cast.member.grid_member,
        grid=overloaded,
        started_at=NOW - datetime.timedelta(days=2, hours=2),
        ended_at=NOW - datetime.timedelta(days=2),
    )

    rows = {row["code"]: row for row in grid_workload(cast.town_official, now=NOW)}

    assert list(rows) == [overloaded.code, ladder.a2.code, ladder.a3.code]  # overloaded first
    a1 = rows[overloaded.code]
    assert (a1["households"], a1["residents"]) == (100, overloaded.population)
    assert a1["cases_per_month"] == 1.0
    assert a1["patrol_hours"] == 2.0
    assert a1["members"] == 2  # member_a1 and leader_a1
    assert (a1["median"], a1["load"], a1["overloaded"]) == (40, 2.5, True)
    assert not rows[ladder.a2.code]["overloaded"]


def test_the_workload_takes_the_same_queries_however_many_grids(
    overloaded, cast, ladder, django_assert_num_queries
):
    grid_workload(cast.county_official, now=NOW)  # the official's roles, read once a user
    with django_assert_num_queries(2):
        before = grid_workload(cast.county_official, now=NOW)
    village = region_save(
        code="331081112003",
        name="南山村",
        level=Region.Level.VILLAGE,
        parent=ladder.town,
        boundary=box(121.04, 28.00, 121.06, 28.01),
    )
    for number in range(1, 7):
        west = 121.04 + (number - 1) * 0.003
        grid_save(
            code=f"33108111200300{number}",
            name=f"南山{number}网格",
            kind=Grid.Kind.RURAL,
            village=village,
            boundary=box(west, 28.00, west + 0.003, 28.01),
        )
    with django_assert_num_queries(2):
        after = grid_workload(cast.county_official, now=NOW)
    assert len(after) == len(before) + 6


def test_an_official_proposes_a_split_from_the_workload_page(client, overloaded, cast):
    page = _client(client, cast.town_official).get(WORKLOAD).content.decode()
    propose = reverse("members:split_propose", args=[overloaded.pk])
    assert propose in page

    response = client.post(propose)

    proposal = GridSplitProposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == proposal.get_absolute_url()
    assert reverse("members:split", args=[proposal.pk]) in client.get(WORKLOAD).content.decode()


def test_proposing_for_a_grid_below_the_bar_says_why(client, overloaded, cast, ladder):
    response = _client(client, cast.town_official).post(
        reverse("members:split_propose", args=[ladder.a2.pk]),
        follow=True,
        headers={"accept-language": "en"},
    )
    assert "Only an overloaded grid" in response.content.decode()
    assert not GridSplitProposal.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "resident", "member", "leader", "other_official"])
def test_refuses_a_proposal_from_anyone_else(client, overloaded, cast, who):
    response = _client(client, getattr(cast, who)).post(
        reverse("members:split_propose", args=[overloaded.pk])
    )
    assert response.status_code in (302, 404)
    if who != "anonymous":
        assert response.status_code == 404
    assert not GridSplitProposal.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("resident", 404),
        ("member", 404),
        ("leader", 404),
        ("other_official", 404),
        ("village_staff", 200),
        ("town_official", 200),
        ("admin", 200),
    ],
)
def test_the_proposal_page_is_for_officials_over_the_grid(client, overloaded, cast, who, status):
    proposal = split_propose(actor=cast.town_official, grid=overloaded)
    response = _client(client, getattr(cast, who)).get(proposal.get_absolute_url())
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert 'id="splitmap"' in body
        assert proposal.first_code in body
        assert "split-accept-form" in body


@pytest.mark.parametrize("who", ["resident", "member", "leader", "other_official"])
def test_refuses_accept_and_discard_from_anyone_else(client, overloaded, cast, who):
    proposal = split_propose(actor=cast.town_official, grid=overloaded)
    client = _client(client, getattr(cast, who))
    choices = {f"member_{m.grid_member.pk}": "first" for m in (cast.member, cast.leader)}
    assert (
        client.post(reverse("members:split_accept", args=[proposal.pk]), choices).status_code
        == 404
    )
    assert client.post(reverse("members:split_discard", args=[proposal.pk])).status_code == 404
    assert GridSplitProposal.objects.get().is_open
    assert Grid.objects.get(pk=overloaded.pk).is_active


def test_accepting_without_placing_every_member_shows_the_field_errors(client, overloaded, cast):
    proposal = split_propose(actor=cast.town_official, grid=overloaded)
    response = _client(client, cast.town_official).post(
        reverse("members:split_accept", args=[proposal.pk]),
        {f"member_{cast.member.grid_member.pk}": "first"},
    )
    assert response.status_code == 400
    assert "field-error" in response.content.decode()
    assert GridSplitProposal.objects.get().is_open


def test_accepting_through_the_page_splits_the_grid(client, overloaded, cast):
    proposal = split_propose(actor=cast.town_official, grid=overloaded)
    response = _client(client, cast.town_official).post(
        reverse("members:split_accept", args=[proposal.pk]),
        {
            f"member_{cast.member.grid_member.pk}": "first",
            f"member_{cast.leader.grid_member.pk}": "both",
        },
        follow=True,
    )
    assert response.status_code == 200
    proposal.refresh_from_db()
    assert proposal.status == GridSplitProposal.Status.ACCEPTED
    assert 'id="split-result"' in response.content.decode()
    assert not Grid.objects.get(pk=overloaded.pk).is_active
    # A second accept (a double click, another official) changes nothing.
    again = client.post(reverse("members:split_accept", args=[proposal.pk]), {})
    assert again.status_code == 302  # back to the decided proposal, with a message
    assert Grid.objects.filter(code__startswith="331081112001").count() == 4


def test_discarding_through_the_page_keeps_the_grid(client, overloaded, cast):
    proposal = split_propose(actor=cast.town_official, grid=overloaded)
    response = _client(client, cast.town_official).post(
        reverse("members:split_discard", args=[proposal.pk])
    )
    assert response.status_code == 302
    assert response["Location"] == WORKLOAD
    assert GridSplitProposal.objects.get().status == GridSplitProposal.Status.DISCARDED
    assert Grid.objects.get(pk=overloaded.pk).is_active


def test_the_proposal_page_speaks_chinese(client, overloaded, cast):
    proposal = split_propose(actor=cast.town_official, grid=overloaded)
    client.force_login(cast.town_official)
    body = client.get(proposal.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "接受拆分" in body
