"""Keyset pagination: a page starts after the last row of the one before, not at an OFFSET.

An OFFSET makes the database read and throw away every row before the page, so page 2,000
of a million cases costs as much as reading 100,000 of them; a keyset page costs what page
1 costs. The position travels as an opaque cursor signed with ``SECRET_KEY``
(``django.core.signing``): the client can neither read nor forge it, and a changed cursor is
refused (``InvalidCursor``) instead of reaching the query.

An ``Ordering`` lists its keys; the last must be unique (the primary key), so every row
has exactly one place and a page never repeats or skips a row, even when rows change
between pages: a row that moves lands where its new values put it.
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db.models import F, Model, Q, QuerySet, Value
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce

SALT = "core.keyset"
FORWARD = "n"
BACKWARD = "p"


class InvalidCursor(ValueError):
    """A cursor that was not signed here, was changed, or belongs to another ordering."""


@dataclass(frozen=True)
class Key:
    """One key of an ordering. A nullable column sorts as ``null_as`` (a value beyond any
    real one, e.g. a far-future date for "no deadline last"): the key is then the
    expression COALESCE(column, null_as), which an index can hold, and a position is never
    NULL, so every comparison stays a plain range an index scan can start from."""

    field: str
    descending: bool = False
    boolean: bool = False
    null_as: Any = None

    @property
    def alias(self) -> str:
        return f"keyset_{self.field}" if self.null_as is not None else self.field

    def expression(self) -> Any:
        if self.null_as is None:
            return F(self.field)
        return Coalesce(F(self.field), Value(self.null_as))

    def order_by(self) -> OrderBy:
        expression = self.expression()
        return expression.desc() if self.descending else expression.asc()

    def reversed(self) -> "Key":
        return Key(self.field, not self.descending, self.boolean, self.null_as)

    def beyond(self, value: Any) -> Q | None:
        """Rows strictly after ``value`` on this key alone (None: no row can be)."""
        if self.boolean and bool(value) is not self.descending:
            return None  # nothing sorts after the last of two values
        return Q(**{f"{self.alias}__{'lt' if self.descending else 'gt'}": value})

    def at_or_beyond(self, value: Any) -> Q:
        return Q(**{f"{self.alias}__{'lte' if self.descending else 'gte'}": value})

    def equal(self, value: Any) -> Q:
        return Q(**{self.alias: value})

    def position(self, row: Model) -> Any:
        value = getattr(row, self.field)
        return self.null_as if value is None else value


@dataclass(frozen=True)
class Ordering:
    name: str
    keys: tuple[Key, ...]

    def order_by(self) -> list[OrderBy]:
        return [key.order_by() for key in self.keys]

    def aliases(self) -> dict[str, Any]:
        return {key.alias: key.expression() for key in self.keys if key.null_as is not None}

    def reversed(self) -> "Ordering":
        return Ordering(self.name, tuple(key.reversed() for key in self.keys))

    def beyond(self, values: list[Any]) -> Q:
        """Rows strictly after the position ``values`` in this order.

        Nested as k1 beyond v1 OR (k1 = v1 AND (k2 beyond v2 OR ...)), behind a bound an
        index scan can start from: equal on the leading keys nothing can sort beyond (a
        flag at its last value), then at-or-beyond on the next key.
        """
        pairs = list(zip(self.keys, values, strict=True))
        last, last_value = pairs[-1]
        condition = last.beyond(last_value) or Q(pk__in=[])  # unique: no tie to break
        for key, value in reversed(pairs[:-1]):
            strict = key.beyond(value)
            tie = key.equal(value) & condition
            condition = tie if strict is None else strict | tie
        bound = Q()
        for key, value in pairs:
            if key.beyond(value) is not None:
                bound &= key.at_or_beyond(value)
                break
            bound &= key.equal(value)
        return bound & condition

    def position(self, row: Model) -> list[Any]:
        return [_plain(key.position(row)) for key in self.keys]


def _plain(value: Any) -> Any:
    # Full microseconds: DjangoJSONEncoder would cut datetimes to milliseconds, and a
    # cursor must name the exact row.
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def encode(ordering: Ordering, row: Model, direction: str) -> str:
    payload = {"o": ordering.name, "d": direction, "v": ordering.position(row)}
    return signing.dumps(payload, salt=SALT, compress=True)


def decode(ordering: Ordering, cursor: str) -> tuple[str, list[Any]]:
    try:
        payload = signing.loads(cursor, salt=SALT)
    except signing.BadSignature as error:
        raise InvalidCursor(cursor) from error
    if (
        not isinstance(payload, dict)
        or payload.get("o") != ordering.name
        or payload.get("d") not in (FORWARD, BACKWARD)
        or not isinstance(payload.get("v"), list)
        or len(payload["v"]) != len(ordering.keys)
    ):
        raise InvalidCursor(cursor)
    return payload["d"], payload["v"]


@dataclass
class Page:
    object_list: list[Any]
    next_cursor: str | None
    previous_cursor: str | None
    is_first: bool

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return not self.is_first

    def __iter__(self) -> Iterator[Any]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def paginate(queryset: QuerySet, ordering: Ordering, *, cursor: str | None, size: int) -> Page:
    """One page of ``queryset`` in ``ordering``: the first without a cursor, else the page
    after (or before) the row the cursor names. Raises InvalidCursor. One query."""
    queryset = queryset.alias(**ordering.aliases())
    if not cursor:
        rows = list(queryset.order_by(*ordering.order_by())[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        following = encode(ordering, rows[-1], FORWARD) if more else None
        return Page(rows, following, None, is_first=True)
    direction, values = decode(ordering, cursor)
    if direction == FORWARD:
        rows = list(
            queryset.filter(ordering.beyond(values)).order_by(*ordering.order_by())[: size + 1]
        )
        more = len(rows) > size
        rows = rows[:size]
        following = encode(ordering, rows[-1], FORWARD) if more else None
        # The page before this one ends just before its first row.
        preceding = encode(ordering, rows[0], BACKWARD) if rows else _flip(cursor, ordering)
        return Page(rows, following, preceding, is_first=False)
    backwards = ordering.reversed()
    rows = list(
        queryset.filter(backwards.beyond(values)).order_by(*backwards.order_by())[: size + 1]
    )
    more = len(rows) > size
    rows = rows[:size][::-1]
    earlier = encode(ordering, rows[0], BACKWARD) if more else None
    later = encode(ordering, rows[-1], FORWARD) if rows else _flip(cursor, ordering)
    return Page(rows, later, earlier, is_first=not more)


def _flip(cursor: str, ordering: Ordering) -> str:
    """The same position, read the other way (a page emptied by changes between reads)."""
    direction, values = decode(ordering, cursor)
    payload = {"o": ordering.name, "d": BACKWARD if direction == FORWARD else FORWARD, "v": values}
    return signing.dumps(payload, salt=SALT, compress=True)
