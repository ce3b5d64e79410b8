from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from grids.models import Grid, Region


class RegionSerializer(serializers.ModelSerializer):
    level_label = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "level_label", "parent", "path"]


class GridSerializer(GeoFeatureModelSerializer):
    """A grid as a GeoJSON Feature; a list is a FeatureCollection."""

    village_code = serializers.CharField(source="village.code", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Grid
        geo_field = "boundary"
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "kind_label",
            "village",
            "village_code",
            "village_name",
            "households",
            "population",
            "is_active",
            "updated_at",
        ]


class GridImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    regions_created = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.CharField())
    dry_run = serializers.BooleanField()


FEATURE_COLLECTION_DESCRIPTION = (
    "The body is a GeoJSON FeatureCollection in WGS84, one Feature per grid, in the format "
    "that GET /api/grids/export/ writes (see grids/geojson.py): every grid is checked, and "
    "either all are saved or none."
)
