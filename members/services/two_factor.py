"""Two-factor sign-in (TOTP, django-otp) for the accounts that can reveal personal data or
administer the platform, with one-time recovery codes.

Required when ``settings.TWO_FACTOR_REQUIRED`` is on (members.middleware sends such an
account, signed in with its password only, to set up or enter its second factor).
"""

from django.db import transaction
from django_otp import devices_for_user, match_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.roles import is_platform_admin
from members.models import User

RECOVERY_CODES = 10
TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery"


def needs_two_factor(user: User) -> bool:
    """Administrators (platform or the admin site) and whoever may reveal personal data."""
    if not user.is_authenticated or not user.is_active:
        return False
    return (
        is_platform_admin(user)
        or user.is_staff
        or user.is_superuser
        or user.has_perm("members.reveal_personal_data")
    )


def has_confirmed_device(user: User) -> bool:
    return any(True for _device in devices_for_user(user, confirmed=True))


@transaction.atomic
def two_factor_start(*, user: User) -> TOTPDevice:
    """The account's authenticator, not yet confirmed (the same one until it is)."""
    device = TOTPDevice.objects.filter(user=user, name=TOTP_NAME, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


@transaction.atomic
def two_factor_confirm(*, user: User, token: str) -> list[str] | None:
    """Confirm the authenticator with a code it shows; return new recovery codes (shown
    once), or None if the code is wrong."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, name=TOTP_NAME, confirmed=False)
        .first()
    )
    if device is None or not device.verify_token(token.strip()):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return recovery_codes_renew(user=user)


@transaction.atomic
def recovery_codes_renew(*, user: User) -> list[str]:
    """Ten new one-time codes; the former ones stop working."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def two_factor_check(*, user: User, token: str) -> Device | None:
    """The device that accepts the code (an authenticator's, or a recovery code, which is
    then used up), or None."""
    token = token.strip().replace(" ", "")
    if not token:
        return None
    device: Device | None = match_token(user, token)
    return device
