"""The residents' door: file a request without an account, follow it, rate the result.

Anyone may knock, so each page that writes or looks up is rate-limited
(core.ratelimit) and answers a wrong code or phone with one message that does not
say which was wrong.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.forms import add_service_errors
from core.ratelimit import Limit, client_ip, limit_exceeded, limit_hit, limit_undo
from core.roles import Role, user_roles
from grids.models import Grid, Region
from grids.selectors import grids_feature_collection, villages_feature_collection
from incidents.forms.public import PublicRequestForm, RatingForm, TrackForm
from incidents.models import Attachment, Incident, IncidentFollower
from incidents.publication import public_title, published_cases
from incidents.services.errors import IncidentActionRefused, refusal_message
from incidents.services.followers import incident_follow
from incidents.services.public import (
    incident_evaluate_by_reporter_phone,
    incident_evaluate_by_token,
    incident_find_by_token,
    incident_find_for_reporter,
    incident_public_result,
    incident_public_timeline,
    phone_matches,
)
from incidents.services.reporting import incident_report
from incidents.services.tracking import tracking_link
from incidents.services.transitions import incident_evaluate
from incidents.views.photos import photo_response
from incidents.views.suggestions import render_suggestions
from members.models import User

REQUESTS_PER_IP = Limit("public-request-ip", 5, 3600)
REQUESTS_PER_PHONE = Limit("public-request-phone", 3, 3600)
TRACK_FAILURES_PER_IP = Limit("public-track-ip", 10, 3600)
# The suggestions are asked for as a resident types: generous, but not a free case index.
SUGGESTIONS_PER_IP = Limit("public-suggest-ip", 300, 3600)
JOINED_SESSION_KEY = "public_joined_code"
MINE_PAGE_SIZE = 20
SUBMITTED_SESSION_KEY = "public_submitted_code"
# Keys of the services' ValidationError dicts → the form fields shown beside them.
SERVICE_FIELDS = {"location": "latitude", "image": "photo"}


def _render_request_form(request, form: PublicRequestForm, *, status: int = 200, notice=""):
    # The active grids' outlines, so that a resident sees where clicking places the case.
    grids = grids_feature_collection(Grid.objects.active(), {"name": "name"})
    # Without tiles (an intranet) the village outlines and names are the map's streets.
    villages = villages_feature_collection(Region.objects.filter(grids__is_active=True).distinct())
    retention = {
        "contact_days": settings.RETENTION_REPORTER_CONTACT_DAYS,
        "photo_days": settings.RETENTION_PHOTOS_DAYS,
        "case_days": settings.RETENTION_CLOSED_CASES_DAYS,
    }
    context = {
        "form": form,
        "grids_geojson": grids,
        "villages_geojson": villages,
        "notice": notice,
        "retention": retention,
    }
    return render(request, "incidents/public/request_form.html", context, status=status)


def _reporting_actor(request):
    """A signed-in resident files as themselves; anyone else files by name and phone."""
    return request.user if Role.RESIDENT in user_roles(request.user) else None


def _file_request(request, form: PublicRequestForm) -> Incident:
    """The case and its photo in one transaction (incident_report's): a photo refused after
    all leaves no case behind."""
    data = form.cleaned_data
    return incident_report(
        actor=_reporting_actor(request),
        category=data["category"],
        title=data["title"],
        description=data["description"],
        source=Incident.Source.RESIDENT,
        location=data["location"],
        address=data["address"].strip(),
        grid=data["grid"],
        reporter_name=data["reporter_name"],
        reporter_phone=data["reporter_phone"],
        photos=[data["photo"]] if data["photo"] else [],
    )


@never_cache
@require_http_methods(["GET", "POST"])
def request_new(request):
    if request.method == "GET":
        initial = {}
        if request.user.is_authenticated:
            initial["reporter_name"] = request.user.get_full_name()
        return _render_request_form(request, PublicRequestForm(initial=initial))
    form = PublicRequestForm(request.POST, request.FILES)
    if form.is_honeypot_filled:
        # Documented choice: a generic 400 and nothing saved (no fake tracking code).
        form.add_error(None, _("Your request could not be sent. Please try again."))
        return _render_request_form(request, form, status=400)
    if not form.is_valid():
        return _render_request_form(request, form, status=400)
    ip, phone = client_ip(request), form.cleaned_data["reporter_phone"]
    too_many = _(
        "Too many requests have been sent from here or for this phone. Please try "
        "again in an hour, or call the town service hotline."
    )
    if not limit_hit(REQUESTS_PER_IP, ip):
        return _render_request_form(request, form, status=429, notice=too_many)
    if not limit_hit(REQUESTS_PER_PHONE, phone):
        limit_undo(REQUESTS_PER_IP, ip)
        return _render_request_form(request, form, status=429, notice=too_many)
    try:
        incident = _file_request(request, form)
    except (ValidationError, PermissionDenied) as error:
        limit_undo(REQUESTS_PER_IP, ip)
        limit_undo(REQUESTS_PER_PHONE, phone)
        if isinstance(error, PermissionDenied):
            error = ValidationError(str(error))
        add_service_errors(form, error, SERVICE_FIELDS)
        return _render_request_form(request, form, status=400)
    request.session[SUBMITTED_SESSION_KEY] = incident.code
    return redirect("public:done")


def _code_page(request, session_key: str, template: str):
    """The page after a post: the code the post left in the session, or back to the form
    (a reload, a bookmark)."""
    code = request.session.get(session_key)
    if not code:
        return redirect("public:new")
    return render(request, template, {"code": code, "link": tracking_link(code)})


@never_cache
@require_GET
def request_done(request):
    return _code_page(request, SUBMITTED_SESSION_KEY, "incidents/public/request_done.html")


def _reported_or_followed(user: User) -> Q:
    return Q(reporter=user) | Q(
        pk__in=IncidentFollower.objects.filter(user=user).values("incident")
    )


def _own_case(request, code: str) -> Incident | None:
    if not request.user.is_authenticated or not code:
        return None
    return (
        Incident.objects.select_related("category")
        .defer("location", "reporter_phone_encrypted")
        .filter(_reported_or_followed(request.user), code=code.strip())
        .first()
    )


def _render_track_form(request, form: TrackForm, *, status: int = 200, notice: str = ""):
    context = {"form": form, "notice": notice}
    return render(request, "incidents/public/track_form.html", context, status=status)


def _not_found(request, form: TrackForm):
    limit_hit(TRACK_FAILURES_PER_IP, client_ip(request))
    notice = _("No request matches this tracking code and phone. Check both and try again.")
    return _render_track_form(request, form, status=404, notice=notice)


def _too_many_tries(request, form: TrackForm):
    notice = _("Too many unsuccessful tries from here. Please try again in an hour.")
    return _render_track_form(request, form, status=429, notice=notice)


def _render_status(
    request,
    incident: Incident,
    *,
    phone: str = "",
    token: str = "",
    rating_form=None,
    status=200,
    notice="",
):
    """The rating form is the reporter's (by account, phone or tracking link): a follower
    sees the progress only. The result comes before the rating."""
    if token:
        is_reporter = True
    elif request.user.is_authenticated and not phone:
        is_reporter = incident.reporter_id == request.user.pk
    else:
        is_reporter = phone_matches(incident, phone)
    if rating_form is None and incident.status == Incident.Status.CLOSED and is_reporter:
        rating_form = RatingForm(initial={"code": incident.code, "phone": phone, "token": token})
    context = {
        "incident": incident,
        "token": token,
        "result": incident_public_result(incident),
        # Someone else's case (a follower's) shows what the public may know of it.
        "title": incident.title if is_reporter else public_title(incident),
        "timeline": incident_public_timeline(incident),
        "rating_form": rating_form,
        "notice": notice,
        "notice_is_error": status >= 400,
    }
    return render(request, "incidents/public/track_status.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def track(request):
    if request.method == "GET":
        code = request.GET.get("code", "")
        if own := _own_case(request, code):
            return _render_status(request, own)
        return _render_track_form(request, TrackForm(initial={"code": code}))
    form = TrackForm(request.POST)
    if limit_exceeded(TRACK_FAILURES_PER_IP, client_ip(request)):
        return _too_many_tries(request, form)
    if not form.is_valid():
        return _render_track_form(request, form, status=400)
    incident = incident_find_for_reporter(
        code=form.cleaned_data["code"], phone=form.cleaned_data["phone"]
    )
    if incident is None:
        return _not_found(request, form)
    return _render_status(request, incident, phone=form.cleaned_data["phone"])


@never_cache
@require_GET
def track_link(request, token: str):
    """The bookmarked tracking link: the progress, the result and the rating, no phone asked."""
    incident = incident_find_by_token(token)
    if incident is None:
        raise Http404
    return _render_status(request, incident, token=token)


@require_GET
def result_photo(request, token: str, attachment_id: int):
    """A photo taken after handling, to whoever holds the case's tracking link."""
    incident = incident_find_by_token(token)
    if incident is None or incident_public_result(incident) is None:
        raise Http404
    attachment = get_object_or_404(
        Attachment.objects.filter(incident=incident, kind=Attachment.Kind.AFTER),
        pk=attachment_id,
    )
    return photo_response(attachment)


def _find_rated(request, code: str, phone: str, token: str) -> tuple[Incident | None, bool]:
    """The case being rated, and whether the signed-in reporter's account proves it."""
    if token:
        incident = incident_find_by_token(token)
        return (incident if incident is not None and incident.code == code else None), False
    own = _own_case(request, code)
    return (own or incident_find_for_reporter(code=code, phone=phone)), own is not None


@never_cache
@require_POST
def rate(request):
    code, phone = request.POST.get("code", ""), request.POST.get("phone", "")
    token = request.POST.get("token", "")
    track_form = TrackForm(initial={"code": code})
    if limit_exceeded(TRACK_FAILURES_PER_IP, client_ip(request)):
        return _too_many_tries(request, track_form)
    incident, by_account = _find_rated(request, code, phone, token)
    if incident is None:
        return _not_found(request, track_form)
    form = RatingForm(request.POST)
    shown = {"phone": phone, "token": token}
    if not form.is_valid():
        return _render_status(request, incident, rating_form=form, status=400, **shown)
    values = {
        "incident": incident,
        "satisfaction": form.cleaned_data["satisfaction"],
        "comment": form.cleaned_data["comment"].strip(),
    }
    try:
        if token:
            incident = incident_evaluate_by_token(token=token, **values)
        elif by_account:
            incident = incident_evaluate(actor=request.user, **values)
        else:
            incident = incident_evaluate_by_reporter_phone(phone=phone, **values)
    except IncidentActionRefused as refused:
        return _render_status(request, incident, status=409, notice=refused.message, **shown)
    except PermissionDenied:
        return _not_found(request, track_form)
    except ValidationError as error:
        add_service_errors(form, error, SERVICE_FIELDS)
        return _render_status(request, incident, rating_form=form, status=400, **shown)
    return _render_status(
        request, incident, token=token, notice=_("Thank you for rating the result.")
    )


@require_GET
@login_required
def mine(request):
    incidents = (
        Incident.objects.filter(_reported_or_followed(request.user))
        .select_related("category")
        .only(
            "code",
            "title",
            "status",
            "created_at",
            "reporter_id",
            "category__name",
            "category__publication",
        )
        .order_by("-created_at", "-pk")
    )
    page = Paginator(incidents, MINE_PAGE_SIZE).get_page(request.GET.get("page"))
    for incident in page:
        is_reporter = incident.reporter_id == request.user.pk
        incident.shown_title = incident.title if is_reporter else public_title(incident)
    return render(request, "incidents/public/mine.html", {"page": page})


@never_cache
@require_GET
def suggest(request):
    """Requests nearby that may be the same problem: code, title, status, distance only."""
    if not limit_hit(SUGGESTIONS_PER_IP, client_ip(request)):
        return HttpResponse(status=429)
    return render_suggestions(request, "incidents/public/_suggestions.html", staff=False)


@never_cache
@require_POST
def join(request):
    """Follow a suggested request instead of sending the same one: posted by the request
    form itself, so that what the resident typed comes back if anything is wrong."""
    form = PublicRequestForm(request.POST)
    code = request.POST.get("join_code", "").strip()
    # Only what the public suggestions offer (incidents.publication).
    incident = published_cases().filter(code=code).first() if code else None
    ip, phone = client_ip(request), request.POST.get("reporter_phone", "")
    if incident is None:
        notice = _("That request no longer exists. Send yours as a new one.")
        return _render_request_form(request, form, status=404, notice=notice)
    if not limit_hit(REQUESTS_PER_IP, ip):
        notice = _("Too many requests have been sent from here. Please try again in an hour.")
        return _render_request_form(request, form, status=429, notice=notice)
    try:
        incident_follow(
            actor=_reporting_actor(request),
            incident=incident,
            name=request.POST.get("reporter_name", ""),
            phone=phone,
        )
    except (ValidationError, PermissionDenied, IncidentActionRefused) as error:
        limit_undo(REQUESTS_PER_IP, ip)
        return _render_request_form(request, form, status=400, notice=refusal_message(error))
    request.session[JOINED_SESSION_KEY] = incident.code
    return redirect("public:joined")


@never_cache
@require_GET
def joined(request):
    return _code_page(request, JOINED_SESSION_KEY, "incidents/public/joined.html")
