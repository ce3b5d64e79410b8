"""Masked ID numbers keep the first four digits only: the last four with the birth date
shown beside them left one possible number. The stored masks are cut in place (the
first four digits are the same in both masks; nothing is decrypted)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("members", "0006_workspace")]

    operations = [
        migrations.RunSQL(
            "UPDATE members_resident SET id_number_masked = "
            "left(id_number_masked, 4) || repeat('*', length(id_number_masked) - 4) "
            "WHERE length(id_number_masked) > 4",
            migrations.RunSQL.noop,
        )
    ]
