"""Who hears of a case's step, and the notifications written for them."""

from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from core.roles import Role
from grids.models import Region
from incidents.models import Incident, IncidentEvent, Level
from incidents.services.tracking import tracking_link
from members import personal_data
from members.models import User
from members.notifications import notifications_create, notifications_text_phone

ROLE_OF_LEVEL: dict[int, str] = {
    Level.VILLAGE: Role.VILLAGE_STAFF,
    Level.TOWN: Role.TOWN_OFFICIAL,
    Level.COUNTY: Role.COUNTY_OFFICIAL,
    Level.PREFECTURE: Role.CITY_OFFICIAL,
}


def incident_url(incident_id: int) -> str:
    try:
        return reverse("incidents:detail", args=[incident_id])
    except NoReverseMatch:  # the case pages are mounted by the front-door issue
        return f"/incidents/{incident_id}/"


def officials_of(region_ids: list[int], level: int) -> QuerySet[User]:
    """Active staff of the level's role whose jurisdiction is exactly one of these regions."""
    role = ROLE_OF_LEVEL.get(level)
    if role is None:
        return User.objects.none()
    return User.objects.filter(
        is_active=True, jurisdiction_id__in=region_ids, groups__name=role
    ).distinct()


def assignees_of(incident: Incident) -> QuerySet[User]:
    condition = Q(pk=incident.assignee_user_id) if incident.assignee_user_id else Q(pk__in=[])
    if incident.assignee_department_id:
        condition |= Q(groups__department__pk=incident.assignee_department_id)
    return User.objects.filter(condition, is_active=True).distinct()


def notify_assignees(incident: Incident, title: str, *, sms: bool = False) -> None:
    notifications_create(
        recipients=assignees_of(incident),
        kind="incident",
        title=title,
        body=incident.title,
        url=incident_url(incident.pk),
        sms=sms,
    )


def reporters_of(incident: Incident) -> QuerySet[User]:
    """The reporter's account and the accounts that joined the case (followers)."""
    condition = Q(followed_incidents__incident=incident)
    if incident.reporter_id:
        condition |= Q(pk=incident.reporter_id)
    return User.objects.filter(condition, is_active=True).distinct()


def notify_reporter(incident: Incident, title: str, *, text_kind: str = "") -> None:
    """The reporter and every follower hear of the case's progress alike, in the app.

    With ``text_kind`` (acceptance, closure) the phone given at report also gets a text
    with the tracking link: most residents report without an account.
    """
    # Residents follow their requests on the public pages; staff who reported, on the case page.
    is_public = incident.source in Incident.PUBLIC_SOURCES
    notifications_create(
        recipients=reporters_of(incident),
        kind="incident",
        title=title,
        url=tracking_link(incident.code) if is_public else incident_url(incident.pk),
    )
    if text_kind and incident.reporter_phone_encrypted:
        absolute = tracking_link(incident.code, absolute=True)
        notifications_text_phone(
            phone=personal_data.decrypt(incident.reporter_phone_encrypted),
            kind=text_kind,
            title=f"{title} {absolute}",
            params={"code": incident.code, "link": absolute},
        )


def notify_level(incident: Incident, title: str) -> None:
    """The officials who own the case's current rung."""
    notifications_create(
        recipients=officials_of([incident.handling_region_id], incident.level),
        kind="incident",
        title=title,
        body=incident.title,
        url=incident_url(incident.pk),
    )


def notify_dispatcher(incident: Incident, title: str) -> None:
    """Whoever dispatched the case last (by hand, or accepting it under a rule), and the
    officials of its rung."""
    dispatcher = (
        IncidentEvent.objects.filter(
            incident=incident,
            action__in=[IncidentEvent.Action.DISPATCH, IncidentEvent.Action.AUTO_DISPATCH],
        )
        .order_by("-created_at", "-pk")
        .values("actor")[:1]
    )
    recipients = User.objects.filter(
        Q(pk__in=dispatcher)
        | Q(pk__in=officials_of([incident.handling_region_id], incident.level).values("pk")),
        is_active=True,
    )
    notifications_create(
        recipients=recipients,
        kind="incident",
        title=title,
        body=incident.title,
        url=incident_url(incident.pk),
    )


def notify_escalation_digests(
    escalated: dict[tuple[int, int], list[str]], *, stalled: bool = False
) -> None:
    """One digest per receiving region and sweep: {(region_id, level): [case codes]}."""
    names = dict(
        Region.objects.filter(pk__in={region for region, _level in escalated}).values_list(
            "pk", "name"
        )
    )
    for (region_id, level), codes in escalated.items():
        template = (
            _("%(count)d cases overdue at the top of the ladder in %(region)s")
            if stalled
            else _("%(count)d overdue cases escalated to %(region)s")
        )
        title = template % {"count": len(codes), "region": names.get(region_id, "")}
        notifications_create(
            recipients=officials_of([region_id], level),
            kind="stalled_digest" if stalled else "escalation_digest",
            title=title,
            body="\n".join(codes),
        )


def notify_resumed_digests(resumed: dict[tuple[int, int], list[str]]) -> None:
    """One digest per region whose suspended cases came back on their review date."""
    names = dict(
        Region.objects.filter(pk__in={region for region, _level in resumed}).values_list(
            "pk", "name"
        )
    )
    for (region_id, level), codes in resumed.items():
        title = _("%(count)d suspended cases are back in %(region)s: review date reached") % {
            "count": len(codes),
            "region": names.get(region_id, ""),
        }
        notifications_create(
            # A grid-rung case's region is its village, whose staff own the rung.
            recipients=officials_of([region_id], min(level, Level.VILLAGE)),
            kind="resumed_digest",
            title=title,
            body="\n".join(codes),
        )


def notify_warning_digests(digests: dict) -> None:
    """One warning (催办) per receiving unit and sweep: {unit: [case codes]}, where a unit is
    ("user", id), ("department", id) or ("level", region id, level)."""
    for unit, codes in digests.items():
        if unit[0] == "user":
            recipients = User.objects.filter(pk=unit[1], is_active=True)
        elif unit[0] == "department":
            recipients = User.objects.filter(groups__department__pk=unit[1], is_active=True)
        else:
            recipients = officials_of([unit[1]], min(unit[2], Level.VILLAGE))
        notifications_create(
            recipients=recipients.distinct(),
            kind="warning_digest",
            title=_("%(count)d cases are near their deadline") % {"count": len(codes)},
            body="\n".join(codes),
        )
