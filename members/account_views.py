"""Sign-in security pages: a platform administrator unlocks an account that django-axes
paused after too many wrong passwords (the failures live in the shared cache)."""

from axes.utils import reset
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.roles import is_platform_admin
from members.forms import UnlockForm


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
