"""One UPDATE for many cases that each get their own values.

Django's ``bulk_update`` writes a CASE WHEN per field with a branch per row, which the
database evaluates row by row: its cost grows with the square of the batch. This sends the
values as a table instead (``WITH v (...) AS (VALUES ...) UPDATE ... FROM v``), which
PostgreSQL joins by primary key, and SQLite 3.33+ reads too.
"""

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Field

from incidents.models import Incident


def incidents_update_each(rows: Sequence[Sequence[Any]], fields: Sequence[str]) -> int:
    """``rows``: (id, value of each of ``fields``, in order) for each case."""
    if not rows:
        return 0
    meta = Incident._meta
    columns: list[Field] = []
    for name in fields:
        column = meta.get_field(name)
        if not isinstance(column, Field):
            raise TypeError(name)
        columns.append(column)
    names = ", ".join(["id", *(str(column.column) for column in columns)])
    placeholders = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
    params: list[Any] = []
    for pk, *values in rows:
        params.append(pk)
        params += [
            column.get_db_prep_save(value, connection)
            for column, value in zip(columns, values, strict=True)
        ]
    table = meta.db_table
    # A column whose values are all NULL would be text to PostgreSQL: cast each to its type.
    assignments = ", ".join(
        f"{column.column} = CAST(v.{column.column} AS {column.db_type(connection)})"
        for column in columns
    )
    # The names come from the model; every value is a parameter.
    statement = (
        f"WITH v ({names}) AS (VALUES {', '.join([placeholders] * len(rows))})"  # noqa: S608
        f" UPDATE {table} SET {assignments} FROM v WHERE {table}.id = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount
