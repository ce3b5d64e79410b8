"""A partial GiST index on the open cases' locations, for the dashboard map's box queries
(dashboard.maps: open cases in the box in view).

PostGIS only, hence SQL rather than Meta.indexes: the embedded SpatiaLite database keeps
the spatial index every PointField has, and this migration does nothing there. Built
CONCURRENTLY, so that a large table keeps taking reports while it builds (the migration
is not atomic for that reason). The statuses are Incident.OPEN_STATUSES, written out: a
test compares them (tests/incidents/test_open_location_index.py).
"""

from django.db import migrations

INDEX = "incident_open_location_idx"
OPEN = ("reported", "accepted", "dispatched", "in_progress", "handled")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    statuses = ", ".join(f"'{status}'" for status in OPEN)
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON incidents_incident "
        f"USING gist (location) WHERE status IN ({statuses}) AND location IS NOT NULL"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("incidents", "0025_open311_source_backfill")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
