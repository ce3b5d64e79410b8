"""Named queries over the ladder and the grids."""

from django.contrib.gis.db import models
from django.contrib.gis.geos import Point


class RegionQuerySet(models.QuerySet):
    def within(self, region):
        """The region and everything under it: one prefix match on the indexed path."""
        return self.filter(path__startswith=region.path)


class GridQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def within(self, region):
        return self.filter(village__path__startswith=region.path)

    def containing(self, point: Point):
        """Grids whose boundary holds the point, edges included, through the spatial index."""
        return self.filter(boundary__intersects=point)
