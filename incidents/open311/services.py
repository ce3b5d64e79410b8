"""Filing an Open311 request as a resident case, through the web form's service.

Decisions, documented in the README's Open311 section:
- The reporter is the person named in the request (first/last name and phone are
  required, as on the web form: the town calls the reporter back); the client system is
  not the reporter. ``email`` is not stored (the platform reaches residents by phone).
- Place: ``lat``/``long`` locate the grid. Without them, ``address_string`` must name
  exactly one active grid, or a village with exactly one active grid (there is no
  geocoder offline); anything else is a 400 asking for a point.
- ``device_id`` is not unique per request (one phone files many), so it only makes a
  retry idempotent: the case's client key is derived from the client, the device, the
  day and the request's content. Sending the same request again the same day returns
  the case already filed; a different request from the same device files a new one.
- ``media_url`` and attribute answers are kept in the case's description.
"""

import datetime
import uuid
from dataclasses import dataclass, field

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Grid
from incidents.models import Category, CategoryAttribute, Incident, Open311Client
from incidents.services.reporting import incident_report

KEY_NAMESPACE = uuid.UUID("0b8e6c1e-5d0f-4a53-9a43-3e1c2f7d3111")
TITLE_LENGTH = 40


@dataclass
class Open311Request:
    """A POSTed request, already parsed into types (see open311.forms)."""

    category: Category
    description: str
    first_name: str
    last_name: str
    phone: str
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""
    media_url: str = ""
    device_id: str = ""
    attributes: dict[str, list[str]] = field(default_factory=dict)


def grid_for_address(address: str) -> Grid:
    """The one active grid the address names, directly or through its only-grid village."""
    text = address.strip()
    grids = Grid.objects.active().select_related("village__parent")
    named = [grid for grid in grids.only("pk", "name", "village") if grid.name in text]
    if len(named) == 1:
        return grids.get(pk=named[0].pk)
    if not named:
        villages = (
            Grid.objects.active()
            .values("village", "village__name")
            .annotate(count=Count("pk"))
            .filter(count=1)
        )
        hits = [row["village"] for row in villages if row["village__name"] in text]
        if len(hits) == 1:
            return grids.get(village=hits[0])
    raise ValidationError(
        {
            "address_string": _(
                "The address does not name exactly one grid or one village with a single "
                "grid; send lat and long."
            )
        }
    )


def _checked_attributes(category: Category, answers: dict[str, list[str]]) -> list[str]:
    """Each answer as a "question: answer" line; unknown codes and bad choices refused."""
    definitions = {a.code: a for a in CategoryAttribute.objects.filter(category=category)}
    unknown = sorted(set(answers) - set(definitions))
    if unknown:
        raise ValidationError(
            {"attribute": _("Unknown attribute: %(codes)s.") % {"codes": ", ".join(unknown)}}
        )
    lines = []
    for code, definition in sorted(definitions.items(), key=lambda item: item[1].order):
        values = [v.strip() for v in answers.get(code, []) if v.strip()]
        if not values:
            if definition.required:
                raise ValidationError(
                    {
                        "attribute": _("%(question)s is required.")
                        % {"question": definition.description}
                    }
                )
            continue
        lines.append(f"{definition.description}: {_answer_text(definition, values)}")
    return lines


def _answer_text(definition: CategoryAttribute, values: list[str]) -> str:
    Datatype = CategoryAttribute.Datatype
    if definition.datatype in (Datatype.SINGLE, Datatype.MULTI):
        choices = definition.choices
        if any(v not in choices for v in values) or (
            definition.datatype == Datatype.SINGLE and len(values) > 1
        ):
            raise ValidationError(
                {
                    "attribute": _("%(question)s: choose from the listed values.")
                    % {"question": definition.description}
                }
            )
        return "、".join(choices[v] for v in values)
    if definition.datatype == Datatype.NUMBER:
        try:
            float(values[0])
        except ValueError as error:
            raise ValidationError(
                {
                    "attribute": _("%(question)s must be a number.")
                    % {"question": definition.description}
                }
            ) from error
    return values[0][:500]


def request_client_key(
    client: Open311Client, request: Open311Request, day: datetime.date
) -> uuid.UUID | None:
    """Same client, device, day and content → the same key (a retried POST); else None."""
    if not request.device_id:
        return None
    parts = [
        str(client.pk),
        request.device_id,
        day.isoformat(),
        request.category.code,
        request.description,
        f"{request.latitude},{request.longitude}",
        request.address,
        request.phone,
    ]
    return uuid.uuid5(KEY_NAMESPACE, "\x1f".join(parts))


@transaction.atomic
def open311_request_create(*, client: Open311Client, request: Open311Request) -> Incident:
    """File the request as a resident case (grid from the point, deadlines set)."""
    if not client.is_active:
        raise ValidationError(_("This API key is not active."))
    client_key = request_client_key(client, request, timezone.localdate())
    if client_key is None:
        client_key = uuid.uuid4()  # the request's token
    else:
        existing = Incident.objects.filter(client_key=client_key).first()
        if existing is not None:
            return existing
    lines = _checked_attributes(request.category, request.attributes)
    if request.media_url:
        lines.append(_("Photo: %(url)s") % {"url": request.media_url})
    description = "\n".join([request.description.strip(), *lines])
    location = grid = None
    if request.latitude is not None and request.longitude is not None:
        location = Point(request.longitude, request.latitude, srid=4326)
    elif request.address.strip():
        grid = grid_for_address(request.address)
    else:
        raise ValidationError({"lat": _("Send lat and long, or an address_string.")})
    first_line = request.description.strip().splitlines()[0] if request.description.strip() else ""
    return incident_report(
        actor=None,
        category=request.category,
        title=first_line[:TITLE_LENGTH] or request.category.name,
        description=description,
        source=Incident.Source.OPEN311,
        location=location,
        address=request.address.strip()[:200],
        grid=grid,
        reporter_name=f"{request.last_name.strip()}{request.first_name.strip()}"[:50]
        if _is_cjk(request.last_name + request.first_name)
        else f"{request.first_name.strip()} {request.last_name.strip()}".strip()[:50],
        reporter_phone=request.phone,
        client_key=client_key,
    )


def _is_cjk(text: str) -> bool:
    """Chinese names are written family name first, without a space."""
    return any("\u4e00" <= char <= "\u9fff" for char in text)
