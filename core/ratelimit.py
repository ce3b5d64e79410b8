"""Fixed-window rate limits in Django's cache, for the doors anyone may knock on.

A limit counts uses of a key (a client address, a phone) in a window of seconds. The
count is an atomic ``cache.incr``; the window starts with the first use (``cache.add``).
The cache is Redis (settings ``CACHES``), shared by every worker process, so a limit holds
whichever worker answers. Keys are hashed, so no phone sits in the cache.
"""

import contextlib
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


@dataclass(frozen=True)
class Limit:
    scope: str
    limit: int
    window: int  # seconds


def _cache_key(limit: Limit, key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"ratelimit:{limit.scope}:{digest}"


def limit_hit(limit: Limit, key: str) -> bool:
    """Count one use; True while the uses in this window stay within the limit."""
    cache_key = _cache_key(limit, key)
    cache.add(cache_key, 0, timeout=limit.window)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # the window ended between add() and incr()
        cache.set(cache_key, 1, timeout=limit.window)
        count = 1
    return count <= limit.limit


def limit_undo(limit: Limit, key: str) -> None:
    """Give back a use that did not happen (the request was refused for another reason)."""
    # A window that has ended has nothing to give back.
    with contextlib.suppress(ValueError):
        cache.decr(_cache_key(limit, key))


def limit_exceeded(limit: Limit, key: str) -> bool:
    """Whether the key has used up its window, without counting a use."""
    return (cache.get(_cache_key(limit, key)) or 0) >= limit.limit


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the address the trusted proxies saw.

    ``TRUSTED_PROXY_HOPS`` (default 0) is the number of reverse proxies in front of the
    application; each appends the address it received to X-Forwarded-For, so the client is
    that many entries from the right. Entries further left are the client's own claims.
    """
    hops = settings.TRUSTED_PROXY_HOPS
    if hops:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")
