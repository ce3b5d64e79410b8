"""Masked ID numbers keep the first four digits only: the last four with the birth date
shown beside them left one possible number. The stored masks are cut in place (the
first four digits are the same in both masks; nothing is decrypted). One UPDATE, portable
to SpatiaLite."""

from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Concat, Left


def cut(apps, schema_editor):
    Resident = apps.get_model("members", "Resident")
    Resident.objects.exclude(id_number_masked="").update(
        id_number_masked=Concat(Left("id_number_masked", 4), Value("*" * 14))
    )


class Migration(migrations.Migration):
    dependencies = [("members", "0007_notification_to_a_phone")]

    operations = [migrations.RunPython(cut, migrations.RunPython.noop)]
