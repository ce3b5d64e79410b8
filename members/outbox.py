"""The server's side of the device outbox (static/js/outbox.js).

The outbox posts the same forms as the pages, marked with an ``X-Outbox`` header, and
needs a plain answer it can act on without a page: done (and where to go next), or the
errors beside each field (kept on the device for the member to fix), never a redirect.
"""

from django.http import JsonResponse

HEADER = "X-Outbox"


def is_outbox(request) -> bool:
    return request.headers.get(HEADER) == "1"


def done(url: str, message: str = "", status: int = 200, **extra) -> JsonResponse:
    return JsonResponse({"url": url, "message": str(message), **extra}, status=status)


def refused(errors: dict, status: int = 400) -> JsonResponse:
    """{"errors": {"field": ["message", ...], "__all__": [...]}}."""
    return JsonResponse(
        {"errors": {field: [str(m) for m in messages] for field, messages in errors.items()}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )
