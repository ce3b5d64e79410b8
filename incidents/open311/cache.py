"""The public Open311 list, cached: gzip'ed once, answered to many, revalidated by ETag.

Key: the generation of the public cases (incidents.publication), the format, the
language (status notes are translated) and the query string, normalised. The generation
is read on every request, before the cases are, and moves after every committed change of
a public case or category (core.generations), so an answer is never stored under a
generation it is older than. ``TIMEOUT`` bounds the rest: the default list is "the last 90
days", a window that moves with the clock, and with a lagging replica (core.replica) an
answer may be computed from a replica that has not caught up with the commit that moved
the generation.
"""

import gzip
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.regex_helper import _lazy_re_compile
from django.utils.translation import get_language

from incidents.open311.renderers import CONTENT_TYPES
from incidents.publication import public_cases_generation

TIMEOUT = 60  # seconds
ACCEPTS_GZIP = _lazy_re_compile(r"\bgzip\b")

# Each worker process keeps the answers it served last, under the same keys: a hit costs
# one small read of the generation from Redis instead of the whole answer. The keys hold
# the generation, so a change makes these unreachable as it does the shared ones; they age
# out after TIMEOUT as well, and the oldest go beyond LOCAL_ENTRIES.
LOCAL_ENTRIES = 32
_local: OrderedDict[str, tuple[float, dict]] = OrderedDict()
_local_lock = threading.Lock()


def _key(request: HttpRequest, fmt: str) -> str:
    query = sorted((name, value) for name, values in request.GET.lists() for value in values)
    digest = hashlib.sha256(repr((fmt, get_language(), query)).encode()).hexdigest()[:40]
    return f"open311:requests:{public_cases_generation()}:{digest}"


def cached_list(
    request: HttpRequest, fmt: str, compute: Callable[[], HttpResponse]
) -> HttpResponse:
    """``compute``'s answer from the cache when it has it; only a 200 is kept."""
    key = _key(request, fmt)
    entry = _local_get(key)
    if entry is None:
        entry = cache.get(key)
        if entry is None:
            response = compute()
            if response.status_code != 200:
                return response
            body = response.content
            entry = {
                "etag": f'W/"{hashlib.sha256(body).hexdigest()[:32]}"',
                "gzip": gzip.compress(body, compresslevel=6),
            }
            cache.set(key, entry, timeout=TIMEOUT)
        _local_put(key, entry)
    return _answer(request, fmt, entry)


def _local_get(key: str) -> dict | None:
    with _local_lock:
        found = _local.get(key)
        if found is None:
            return None
        stored_at, entry = found
        if time.monotonic() - stored_at > TIMEOUT:
            del _local[key]
            return None
        _local.move_to_end(key)
        return entry


def _local_put(key: str, entry: dict) -> None:
    with _local_lock:
        _local[key] = (time.monotonic(), entry)
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)


def _answer(request: HttpRequest, fmt: str, entry: dict) -> HttpResponse:
    etag = entry["etag"]
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponse = HttpResponseNotModified()
    elif ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")):
        response = HttpResponse(entry["gzip"], content_type=CONTENT_TYPES[fmt])
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(gzip.decompress(entry["gzip"]), content_type=CONTENT_TYPES[fmt])
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"  # a client keeps it, but asks again (304)
    response["Access-Control-Allow-Origin"] = "*"
    patch_vary_headers(response, ["Accept-Encoding", "Accept-Language"])
    return response
