"""Who answered, kept unlinkable: the key one response per respondent is checked on.

A read as much as a write needs it (whether a member has answered; a new response), so it
sits below both the selectors and the services.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.utils.crypto import salted_hmac

from surveys.models import Survey

KEY_SALT = "surveys.respondent"


def respondent_key(
    *, survey: Survey, user: AbstractBaseUser | None = None, device_id: str = ""
) -> str:
    """A keyed hash of the account or device, salted with the survey (unlinkable)."""
    subject = f"user:{user.pk}" if user is not None else f"device:{device_id}"
    return salted_hmac(KEY_SALT, f"{survey.pk}:{subject}", algorithm="sha256").hexdigest()
