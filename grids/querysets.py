"""Named queries over the ladder and the grids."""

from django.contrib.gis.db import models
from django.contrib.gis.geos import GEOSGeometry


class RegionQuerySet(models.QuerySet):
    def within(self, region):
        """The region and everything under it: one prefix match on the indexed path."""
        return self.under(region.path)

    def under(self, path: str):
        """The regions whose path starts with ``path`` (a region's, or a jurisdiction's)."""
        return self.filter(path__startswith=path)


class GridQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def within(self, region):
        return self.under(region.path)

    def under(self, path: str):
        """The grids of the villages whose path starts with ``path``."""
        return self.filter(village__path__startswith=path)

    def containing(self, point: GEOSGeometry):
        """Grids whose boundary holds the point, edges included, through the spatial index."""
        return self.filter(boundary__intersects=point)
