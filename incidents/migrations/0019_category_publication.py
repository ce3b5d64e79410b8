"""What the public may learn of each category's cases; the starter catalogue's sensitive
categories are marked (a town changes them in the admin)."""

from django.db import migrations, models

# Never on a public surface: gatherings that may turn into mass incidents, family matters,
# people in hardship, fraud leads (they name victims and suspects).
INTERNAL = ("group-incident-sign", "family-dispute", "hardship-assistance", "fraud-lead")
# Shown as an area only: disputes between named neighbours, over land or wages, and
# hazards to public order (a doorstep would point at a household).
COARSE = ("neighbour-dispute", "land-dispute", "wage-arrears", "order-hazard")


def mark(apps, schema_editor):
    Category = apps.get_model("incidents", "Category")
    Category.objects.filter(code__in=INTERNAL).update(publication="internal")
    Category.objects.filter(code__in=COARSE).update(publication="coarse")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0018_case_patrol")]

    operations = [
        migrations.AddField(
            model_name="category",
            name="publication",
            field=models.CharField(
                choices=[
                    ("public", "Public: place, address and description"),
                    ("coarse", "Coarse: an area, no address or description, a generic title"),
                    ("internal", "Internal: never shown to the public"),
                ],
                default="public",
                help_text=(
                    "What Open311, the duplicate suggestions and the tracking page show the "
                    "public of its cases."
                ),
                max_length=16,
                verbose_name="publication",
            ),
        ),
        migrations.RunPython(mark, migrations.RunPython.noop),
    ]
