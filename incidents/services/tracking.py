"""The tracking link a resident bookmarks: the case number signed with the site's key.

Whoever holds the link sees the progress and the result and may rate them, as the phone
given at report allows; it is sent to that phone only and shown once after the report.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "incidents.tracking-link"


def tracking_token(code: str) -> str:
    """The case number and its signature: the same link every time it is sent."""
    return signing.Signer(salt=SALT).sign(code)


def code_of_token(token: str) -> str | None:
    """The case number a genuine token names; None for anything forged or mangled."""
    try:
        return signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None


def tracking_link(code: str, *, absolute: bool = False) -> str:
    path = reverse("public:track_link", args=[tracking_token(code)])
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{path}" if absolute else path
