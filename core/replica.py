"""Reads that may lag go to a streaming replica; everything else stays on the primary.

With ``DATABASE_REPLICA_URL`` set, settings add a ``replica`` database (a PostgreSQL hot
standby) and ``ReplicaRouter``. A read goes to the replica only inside ``reads_may_lag()``,
which the views of figures open: dashboards, the cockpit, exports, the public Open311
reads, survey results (``@lagging_reads``). Every write, and every read outside those
views, goes to the primary. So does a lagging view for a browser that wrote in the last
``REPLICA_PIN_SECONDS``: a write leaves a cookie (``PrimaryAfterWriteMiddleware``), so
that the person who just closed a case sees it counted at once.

Without a replica the router sends nothing anywhere (every alias is the default), and
``reads_may_lag`` changes nothing.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PIN_COOKIE = "primary_pin"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}

_lag_allowed: ContextVar[bool] = ContextVar("reads_may_lag", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def reads_may_lag() -> Iterator[None]:
    """Reads inside this block may be served by the replica."""
    token = _lag_allowed.set(True)
    try:
        yield
    finally:
        _lag_allowed.reset(token)


class ReplicaRouter:
    """Reads inside ``reads_may_lag()`` to the replica; writes and migrations never."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if _lag_allowed.get() and replica_configured():
            return REPLICA
        return None

    def db_for_write(self, model: type, **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # one database, two copies of it

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA


def pinned_to_primary(request: HttpRequest) -> bool:
    return PIN_COOKIE in request.COOKIES


def lagging_reads(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve this view's reads (GET, HEAD) from the replica unless the browser wrote a
    moment ago.

    Who the user is comes from the primary before the block opens (a session made a
    second ago may not have reached the replica yet)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if (
            not replica_configured()
            or request.method not in SAFE_METHODS
            or pinned_to_primary(request)
        ):
            return view(request, *args, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            user.is_authenticated  # noqa: B018 - loads the session and the user here
        with reads_may_lag():
            return view(request, *args, **kwargs)

    return wrapped


class PrimaryAfterWriteMiddleware:
    """A browser that wrote reads from the primary for ``REPLICA_PIN_SECONDS``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and replica_configured():
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
