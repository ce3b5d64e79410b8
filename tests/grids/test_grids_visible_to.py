import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from grids.permissions import grid_get_for_user, grids_visible_to, regions_visible_to

A1, A2, A3, B1 = "331081112001001", "331081112001002", "331081112002001", "331081113001001"

GRIDS_SEEN = {
    "anonymous": set(),
    "resident": set(),
    "member": {A1},
    "other_member": {A2},
    "leader": {A1},
    "village_staff": {A1, A2},
    "town_official": {A1, A2, A3},
    "other_official": {B1},
    "county_official": {A1, A2, A3, B1},
    "admin": {A1, A2, A3, B1},
}

REGIONS_SEEN = {
    "anonymous": set(),
    "resident": set(),
    "member": {"331081112001"},
    "village_staff": {"331081112001"},
    "town_official": {"331081112", "331081112001", "331081112002"},
    "other_official": {"331081113", "331081113001"},
    "county_official": {
        "331081",
        "331081112",
        "331081113",
        "331081112001",
        "331081112002",
        "331081113001",
    },
    "admin": {
        "331000",
        "331081",
        "331081112",
        "331081113",
        "331081112001",
        "331081112002",
        "331081113001",
    },
}


def user_of(cast, name):
    return getattr(cast, name) or AnonymousUser()


@pytest.mark.parametrize(("name", "codes"), GRIDS_SEEN.items())
def test_each_user_sees_the_grids_of_their_scope(cast, name, codes):
    user = user_of(cast, name)

    assert set(grids_visible_to(user).values_list("code", flat=True)) == codes


@pytest.mark.parametrize(("name", "codes"), REGIONS_SEEN.items())
def test_each_user_sees_the_regions_of_their_scope(cast, name, codes):
    user = user_of(cast, name)

    assert set(regions_visible_to(user).values_list("code", flat=True)) == codes


def test_a_staff_account_without_jurisdiction_sees_nothing(cast):
    cast.town_official.jurisdiction = None
    cast.town_official.save(update_fields=["jurisdiction"])
    cast.town_official.refresh_from_db()

    assert not grids_visible_to(cast.town_official).exists()


def test_an_inactive_account_sees_nothing(cast):
    cast.county_official.is_active = False

    assert not grids_visible_to(cast.county_official).exists()


def test_another_towns_grid_answers_404_like_a_missing_one(cast, ladder):
    with pytest.raises(Http404):
        grid_get_for_user(cast.other_official, ladder.a1.pk)
    with pytest.raises(Http404):
        grid_get_for_user(cast.other_official, 999_999)

    assert grid_get_for_user(cast.town_official, ladder.a1.pk) == ladder.a1


def test_subtree_scoping_is_one_query(cast, django_assert_num_queries):
    user = cast.town_official
    user._role_cache = frozenset({"town_official"})

    with django_assert_num_queries(1):
        list(grids_visible_to(user))


def test_grid_member_scoping_is_one_query(cast, django_assert_num_queries):
    user = cast.member
    user._role_cache = frozenset({"grid_member"})

    with django_assert_num_queries(1):
        list(grids_visible_to(user))
