"""factory_boy factories and small geometry helpers shared by the tests."""

import factory
from django.contrib.auth.models import Group
from django.contrib.gis.geos import MultiPolygon, Polygon

from core.roles import Role
from grids.models import Grid, Region
from members.models import GridMember, Household, User


def box(x0: float, y0: float, x1: float, y1: float) -> MultiPolygon:
    """A rectangle in WGS84 degrees, as a MultiPolygon."""
    return MultiPolygon(Polygon.from_bbox((x0, y0, x1, y1)), srid=4326)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{331081100 + n}")
    name = factory.Sequence(lambda n: f"区域{n}")
    level = Region.Level.TOWN
    parent = None
    path = factory.LazyAttribute(lambda o: f"{o.parent.path if o.parent else ''}{o.code}/")


class GridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grid

    code = factory.Sequence(lambda n: f"331081112001{n:03d}")
    name = factory.Sequence(lambda n: f"第{n}网格")
    kind = Grid.Kind.RURAL
    boundary = factory.Sequence(
        lambda n: box(122.0 + n * 0.01, 29.0, 122.0 + n * 0.01 + 0.009, 29.009)
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or "pw-for-tests-1")
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or ():
            self.groups.add(Group.objects.get(name=role))


class GridMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GridMember

    user = factory.SubFactory(UserFactory, roles=[Role.GRID_MEMBER])
    employment = GridMember.Employment.FULL_TIME
    phone = "13800001111"


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    code = factory.Sequence(lambda n: f"H{n:08d}")
    address = factory.Sequence(lambda n: f"东山村{n}号")
