"""The grid member's workspace: the landing page, notifications, the household lookup and
the service worker that keeps the workspace usable on a weak signal; and the site's start
page, which sends each user to where their work is."""

import hashlib
import json
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.roles import Role, is_official, user_roles
from grids.views import VIEW_GRIDS
from members import selectors, services
from members.forms import PhoneRevealForm
from members.models import Household, PersonalDataAccess
from members.notifications import notifications_mark_read, unread_count
from members.permissions import is_grid_member
from members.workspace_forms import HouseholdSearchForm

NOTIFICATIONS_SHOWN = 10
PAGE_SIZE = 30
# What the service worker keeps for a weak signal; their URLs carry a content hash in
# production, so the worker's cache name changes with any of them.
OFFLINE_ASSETS = (
    "css/app.css",
    "css/cases.css",
    "css/workspace.css",
    "js/outbox.js",
    "js/patrol.js",
    "js/quick-report.js",
    "js/register.js",
    "js/grid-lookup.js",
    "js/logout.js",
    "vendor/htmx/htmx-2.0.8.min.js",
    "js/grid-map.js",
    "js/place-search.js",
    "leaflet/leaflet.css",
    "leaflet/leaflet.js",
    "leaflet/leaflet.extras.js",
    "leaflet/leaflet.extras.css",
    "leaflet/draw/leaflet.draw.i18n.js",
    "js/leaflet-i18n.js",
)


def grid_member_required(view):
    """Signed-in grid members (and leaders) only; anyone else signed in gets 403."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not is_grid_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@login_required
def home(request):
    """Each role starts on its own work: grid members in their workspace, department
    handlers on their open cases, officials and administrators on the case queue,
    residents on their requests, hotline operators on the call form; anyone else on a
    page of their links."""
    user = request.user
    roles = user_roles(user)
    if is_grid_member(user):
        return redirect("members:workspace")
    if Role.DEPARTMENT_HANDLER in roles and not is_official(user):
        return redirect(f"{reverse('incidents:queue')}?open=true")
    if is_official(user):
        return redirect("incidents:queue")
    if Role.RESIDENT in roles:
        return redirect("public:mine")
    if Role.HOTLINE_OPERATOR in roles:
        return redirect("incidents:hotline_call")
    if user.has_perm(VIEW_GRIDS):
        return redirect("grids:map")
    return render(request, "home.html")


@require_GET
@grid_member_required
def workspace(request):
    """Grids, patrol and notifications; the case lists are the partial of the app that owns
    cases (incidents' ``member_cases`` tag), the surveys that of surveys."""
    user = request.user
    context = {
        "grids": list(selectors.member_grids(user)),
        "patrol": selectors.patrol_running_for(user),
        "notifications": selectors.notifications_unread_for(user, NOTIFICATIONS_SHOWN),
        "unread": unread_count(user),
        "overdue_visits": selectors.visits_overdue_for(user, timezone.localdate()),
    }
    return render(request, "members/workspace/home.html", context)


@require_GET
@login_required
def notification_list(request):
    """Every signed-in user's inbox: cases dispatched to them, escalations, call-backs."""
    page = Paginator(selectors.notifications_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "members/workspace/notifications.html", {"page": page})


@require_GET
@login_required
def notification_open(request, pk):
    """Open a notification: it is read now, and the user goes where it points (``next``,
    a case of a digest, or its own link); the inbox when it points nowhere."""
    notification = get_object_or_404(selectors.notifications_for(request.user), pk=pk)
    notifications_mark_read(user=request.user, ids=[notification.pk])
    target = request.GET.get("next") or notification.url
    if not target or not url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        target = reverse("members:notifications")
    return redirect(target)


@require_POST
@login_required
def notifications_read(request):
    """Mark one notification (``id``) or all of them read; only one's own are touched."""
    raw = request.POST.get("id", "")
    if raw and not raw.isdigit():
        raise Http404
    notifications_mark_read(user=request.user, ids=[int(raw)] if raw else None)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "members:notifications"
    return redirect(target)


@require_GET
@grid_member_required
def household_list(request):
    grids = selectors.member_grids(request.user)
    form = HouseholdSearchForm(request.GET or None, grids=grids)
    households = Household.objects.none()
    if form.is_valid():
        households = selectors.households_lookup(
            request.user, query=form.cleaned_data["q"].strip(), grid=form.cleaned_data["grid"]
        )
    elif not form.is_bound:
        households = selectors.households_lookup(request.user)
    page = Paginator(households, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "overdue_visits": None}
    if not form.is_bound:
        # The register opens on the households due for a visit.
        context["overdue_visits"] = selectors.visits_overdue_for(
            request.user, timezone.localdate()
        )
    return render(request, "members/workspace/households.html", context)


def _household(request, pk) -> Household:
    try:
        return selectors.household_register(request.user, pk)
    except Household.DoesNotExist as error:
        raise Http404 from error


@require_GET
@grid_member_required
def household_detail(request, pk):
    """A household with its residents (masked), its visits and the log of its edits."""
    return render(
        request, "members/workspace/household.html", {"household": _household(request, pk)}
    )


@never_cache
@require_POST
@grid_member_required
def household_phone(request, pk):
    """Reveal a resident's phone to call them (a tel: link), with a reason, logged."""
    household = _household(request, pk)
    resident = household.residents.filter(pk=request.POST.get("resident") or 0).first()
    if resident is None:
        raise Http404
    form = PhoneRevealForm(request.POST)
    context = {"household": household, "reveal_for": resident.pk, "reveal_form": form}
    if form.is_valid():
        try:
            context["revealed_phone"] = services.resident_reveal(
                actor=request.user,
                resident=resident,
                field=PersonalDataAccess.Field.PHONE,
                reason=form.cleaned_data["reason"],
                ip_address=request.META.get("REMOTE_ADDR") or None,
            )
        except ValidationError as error:
            form.add_error(None, error)
    status = 200 if form.is_valid() else 400
    return render(request, "members/workspace/household.html", context, status=status)


@never_cache
@require_GET
def service_worker(request):
    """The service worker, from the site root so that its scope covers the workspace.

    Rendered from a template so that the asset URLs it keeps are the hashed ones of the
    static files manifest: a new release changes the script, and browsers update it.
    """
    assets = [static(path) for path in OFFLINE_ASSETS]
    version = hashlib.sha256("\n".join(assets).encode()).hexdigest()[:12]
    response = render(
        request,
        "members/workspace/sw.js",
        {"assets": json.dumps(assets), "version": version},
        content_type="application/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = "/"
    return response
