"""Two-factor sign-in required (settings.TWO_FACTOR_REQUIRED): an account that needs a
second factor (members.services.two_factor.needs_two_factor) and signed in with its password
only reaches nothing but the pages that set up or take its second factor."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from members.services.two_factor import has_confirmed_device, needs_two_factor

OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/healthz", "/sw.js")


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._must_verify(request):
            target = (
                "two_factor_verify" if has_confirmed_device(request.user) else "two_factor_setup"
            )
            return redirect(f"{reverse(target)}?next={request.path}")
        return self.get_response(request)

    @staticmethod
    def _must_verify(request) -> bool:
        if not settings.TWO_FACTOR_REQUIRED or request.path.startswith(OPEN_PREFIXES):
            return False
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return False
        return needs_two_factor(user)
