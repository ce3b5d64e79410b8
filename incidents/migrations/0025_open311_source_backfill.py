"""Cases filed through Open311 before it was a source of its own (0024) were stored as
``resident``. They are the resident cases with a client key and no reporter account: the
web form files without a client key, and the API and the member's quick report with the
account that files. This gives them their own source, so that the cockpit's figures per
source count them where they belong; no other case is touched."""

from django.db import migrations


def open311_cases_get_their_source(apps, schema_editor):
    Incident = apps.get_model("incidents", "Incident")
    Incident.objects.filter(
        source="resident", client_key__isnull=False, reporter__isnull=True
    ).update(source="open311")


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0024_source_open311"),
    ]

    operations = [
        # Backwards: nothing to undo that 0024's own reversal needs (``resident`` and
        # ``open311`` cases are both valid under it), so the step is a no-op.
        migrations.RunPython(open311_cases_get_their_source, migrations.RunPython.noop),
    ]
