"""Named generation counters in the shared cache: invalidating a family of cached answers
at once by putting the counter in their keys and bumping it.

Readers take the generation *before* they read the data they cache, and writers bump it
*after* their transaction commits (``generation_bump_on_commit``). So an answer computed
from data read before a commit is stored under the old generation, which nobody asks for
any more; no stale answer is ever stored under the new one. Old entries are not deleted:
they expire with their timeout.

The counter starts at the clock's nanoseconds, not at 1: a counter lost from the cache
(evicted, flushed) starts again at a number no cached answer has used.
"""

import time

from django.core.cache import cache
from django.db import transaction


def _key(name: str) -> str:
    return f"generation:{name}"


def generation(name: str) -> int:
    key = _key(name)
    value = cache.get(key)
    if value is None:
        cache.add(key, time.time_ns(), timeout=None)
        value = cache.get(key)
    return int(value) if value is not None else 0


def generation_bump(name: str) -> None:
    key = _key(name)
    cache.add(key, time.time_ns(), timeout=None)
    try:
        cache.incr(key)
    except ValueError:  # flushed between add() and incr(): a fresh start is a new value
        cache.set(key, time.time_ns(), timeout=None)


def generation_bump_on_commit(name: str) -> None:
    """Bump once the current transaction commits; never, if it rolls back."""
    transaction.on_commit(lambda: generation_bump(name))
