"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at /open311/v2/.

Reads are public, as in the spec; posting needs an API key issued in the admin
(Open311Client). Errors use the spec's list: [{"code": 400, "description": "..."}].
"""

import datetime
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from core.replica import lagging_reads
from incidents.models import Category, CategoryAttribute, Incident, Open311Client
from incidents.open311 import serializers
from incidents.open311.cache import cached_list
from incidents.open311.forms import RequestForm, form_errors, parsed_request
from incidents.open311.renderers import errors, respond
from incidents.open311.services import open311_request_create
from incidents.publication import published_cases

DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
MAX_IDS = 100
REQUEST_RELATED = ("category", "handling_region", "duplicate_of")
REQUEST_ONLY = (
    "code",
    "status",
    "description",
    "address",
    "location",
    "created_at",
    "updated_at",
    "deadline",
    "duplicate_of__code",
    "category__code",
    "category__name",
    "category__publication",
    "handling_region__name",
)


def _requests():
    """Requests from the public door (the web form, Open311 clients) whose category may be
    published (incidents.publication); cases that staff filed on patrol, from the hotline
    or a department are internal and not listed."""
    return (
        published_cases()
        .select_related(*REQUEST_RELATED)
        .only(*REQUEST_ONLY)
        .order_by("-created_at", "-pk")
    )


def _posted_cases():
    """A token finds the code of what its client posted, whatever the category."""
    return Incident.objects.filter(source__in=sorted(Incident.PUBLIC_SOURCES))


def _categories():
    has_attributes = Exists(CategoryAttribute.objects.filter(category=OuterRef("pk")))
    return (
        Category.objects.filter(is_active=True)
        .select_related("group")
        .annotate(has_attributes=has_attributes)
    )


@require_GET
def discovery(request, fmt):
    base = request.build_absolute_uri(reverse("open311:discovery", args=[fmt]))
    data = {
        "changeset": "2026-11-30T00:00:00+08:00",
        "contact": _("The town's grid governance centre."),
        "key_service": _("API keys are issued by the platform administrators."),
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base.rsplit("/", 1)[0],
                "changeset": "2026-11-30T00:00:00+08:00",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return respond(data, fmt, "discovery")


@require_GET
@lagging_reads
def services(request, fmt):
    data = [serializers.service(c, c.has_attributes) for c in _categories()]
    return respond(data, fmt, "services")


@require_GET
@lagging_reads
def service_definition(request, service_code, fmt):
    category = _categories().filter(code=service_code).first()
    if category is None:
        return errors(fmt, 404, _("No service has this service_code."))
    definitions = CategoryAttribute.objects.filter(category=category).order_by("order", "code")
    return respond(
        serializers.service_definition(category, definitions), fmt, "service_definition"
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def requests(request, fmt):
    if request.method == "POST":
        return _post_request(request, fmt)
    return _list_requests(request, fmt)


def _list_requests(request, fmt):
    """Cached (incidents.open311.cache): the public cases change far less often than
    they are read."""
    return cached_list(request, fmt, lambda: _list_requests_afresh(request, fmt))


@lagging_reads
def _list_requests_afresh(request, fmt):
    params = request.GET
    incidents = _requests()
    if ids := params.get("service_request_id", "").strip():
        codes = [code.strip() for code in ids.split(",") if code.strip()][:MAX_IDS]
        return respond(
            [serializers.service_request(i) for i in incidents.filter(code__in=codes)],
            fmt,
            "service_requests",
        )
    try:
        incidents = _filtered(incidents, params)
    except ValueError as error:
        return errors(fmt, 400, str(error))
    data = [serializers.service_request(i) for i in incidents[:MAX_REQUESTS]]
    return respond(data, fmt, "service_requests")


def _datetime_param(params, name: str) -> datetime.datetime | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        value = parse_datetime(raw.replace(" ", "+"))
    except ValueError:
        value = None
    if value is None:
        raise ValueError(
            _("%(name)s must be a W3C date-time, e.g. 2026-11-30T08:00:00+08:00.") % {"name": name}
        )
    value = value if timezone.is_aware(value) else timezone.make_aware(value)
    try:
        return value.astimezone(datetime.UTC)
    except OverflowError as error:  # 0001-01-01 east of UTC: before the first date
        raise ValueError(_("%(name)s is out of range.") % {"name": name}) from error


def _filtered(incidents, params):
    """The spec's filters; without dates, the last 90 days (all indexed columns)."""
    start = _datetime_param(params, "start_date")
    end = _datetime_param(params, "end_date")
    if start is None and end is None:
        start = timezone.now() - datetime.timedelta(days=DEFAULT_DAYS)
    if start is not None:
        incidents = incidents.filter(created_at__gte=start)
    if end is not None:
        incidents = incidents.filter(created_at__lte=end)
    if codes := [c.strip() for c in params.get("service_code", "").split(",") if c.strip()]:
        incidents = incidents.filter(category__code__in=codes[:MAX_IDS])
    statuses = {s.strip() for s in params.get("status", "").split(",") if s.strip()}
    if statuses - {serializers.OPEN, serializers.CLOSED}:
        raise ValueError(_("status must be open, closed, or both separated by a comma."))
    if statuses == {serializers.OPEN}:
        incidents = incidents.filter(status__in=sorted(Incident.OPEN_STATUSES))
    elif statuses == {serializers.CLOSED}:
        incidents = incidents.exclude(status__in=sorted(Incident.OPEN_STATUSES))
    return incidents


def _post_request(request, fmt):
    form = RequestForm(request.POST)
    if not form.is_valid():
        if "api_key" in form.errors:
            return errors(fmt, 403, _("api_key: a valid API key is required."))
        return errors(fmt, 400, *form_errors(form))
    client = Open311Client.objects.filter(key=form.cleaned_data["api_key"], is_active=True).first()
    if client is None:
        return errors(fmt, 403, _("api_key: a valid API key is required."))
    try:
        incident = open311_request_create(
            client=client, request=parsed_request(form, request.POST)
        )
    except ValidationError as error:
        return errors(fmt, 400, *_validation_messages(error))
    except PermissionDenied as error:
        return errors(fmt, 403, str(error))
    data = [
        {
            "service_request_id": incident.code,
            "token": str(incident.client_key) if incident.client_key else None,
            "service_notice": "",
            "account_id": None,
        }
    ]
    return respond(data, fmt, "service_requests", status=201)


def _validation_messages(error: ValidationError) -> list[str]:
    if not hasattr(error, "error_dict"):
        return error.messages
    names = {"location": "lat", "grid": "address_string", "reporter_phone": "phone"}
    return [
        f"{names.get(field, field)}: {message}" if field != "__all__" else message
        for field, messages in error.message_dict.items()
        for message in messages
    ]


@require_GET
def request_detail(request, service_request_id, fmt):
    incident = _requests().filter(code=service_request_id).first()
    if incident is None:
        return errors(fmt, 404, _("No request has this service_request_id."))
    return respond([serializers.service_request(incident)], fmt, "service_requests")


@require_GET
def token_detail(request, token, fmt):
    incident = _posted_cases().filter(client_key=_uuid_or_none(token)).only("code").first()
    if incident is None:
        return errors(fmt, 404, _("No request has this token."))
    return respond(
        [{"service_request_id": incident.code, "token": token}], fmt, "service_requests"
    )


def _uuid_or_none(token: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(token)
    except ValueError:
        return None
