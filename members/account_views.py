"""Sign-in security pages: a platform administrator unlocks an account that django-axes
paused after too many wrong passwords (the failures live in the shared cache); the
two-factor set-up and the second step of signing in (members.services.two_factor)."""

from base64 import b32encode

import segno
from axes.utils import reset
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.roles import is_platform_admin
from members.forms import TokenForm, UnlockForm
from members.services.two_factor import (
    has_confirmed_device,
    two_factor_check,
    two_factor_confirm,
    two_factor_start,
)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def account_unlock(request):
    if not is_platform_admin(request.user):
        raise PermissionDenied
    form = UnlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username, address = form.cleaned_data["username"], form.cleaned_data["ip_address"]
        cleared = reset(username=username)
        if address:
            cleared += reset(ip=address)
        messages.success(
            request,
            _("Sign-in unlocked for %(username)s (%(count)d counters cleared).")
            % {"username": username, "count": cleared},
        )
        return redirect("members:account_unlock")
    status = 400 if form.is_bound else 200
    return render(request, "members/account_unlock.html", {"form": form}, status=status)


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("home")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Set up the authenticator: scan the code, type what the app shows; the recovery codes
    are shown once. An account with an authenticator sets up again only once verified."""
    if has_confirmed_device(request.user) and not request.user.is_verified():
        return redirect(f"{reverse('two_factor_verify')}?next={_next_url(request)}")
    device = two_factor_start(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor_confirm(user=request.user, token=form.cleaned_data["token"])
        if codes is not None:
            otp_login(request, TOTPDevice.objects.get(pk=device.pk))
            context = {"codes": codes, "next": _next_url(request)}
            return render(request, "registration/two_factor_codes.html", context)
        form.add_error("token", _("This code is wrong or has expired. Try the current one."))
    context = {
        "form": form,
        "qr_svg": segno.make(device.config_url).svg_inline(scale=4),
        "key": b32encode(device.bin_key).decode(),
        "next": _next_url(request),
    }
    status = 400 if form.is_bound else 200
    return render(request, "registration/two_factor_setup.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """The second step of signing in: a code from the authenticator, or a recovery code."""
    if not has_confirmed_device(request.user):
        return redirect(f"{reverse('two_factor_setup')}?next={_next_url(request)}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor_check(user=request.user, token=form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("token", _("This code is wrong or has expired. Try the current one."))
    status = 400 if form.is_bound else 200
    context = {"form": form, "next": _next_url(request)}
    return render(request, "registration/two_factor_verify.html", context, status=status)
