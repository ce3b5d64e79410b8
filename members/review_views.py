"""The officials' review of one grid member's patrols: the last weeks' patrols with their
authenticity flags and reasons (members.authenticity), and the routes on the map."""

import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from grids.selectors import grids_feature_collection
from members import authenticity, selectors
from members.models import GridMember

REVIEW_DAYS = 30
# The newest patrols drawn and listed: a member walks at most a few a day.
REVIEW_LIMIT = 120


def _row(patrol) -> dict:
    coords = list(patrol.route.coords) if patrol.route is not None else []
    flags = list(patrol.flags.all())
    return {
        "patrol": patrol,
        "minutes": int(patrol.duration.total_seconds() // 60) if patrol.ended_at else None,
        "metres": round(authenticity.route_metres(coords)) if len(coords) >= 2 else None,
        "flags": [{"kind": flag.get_kind_display(), "reason": flag.reason} for flag in flags],
        "coords": coords,
    }


def _routes(rows: list[dict]) -> dict:
    features = [
        {
            "type": "Feature",
            "id": row["patrol"].pk,
            "geometry": {"type": "LineString", "coordinates": row["coords"]},
            "properties": {
                "flagged": bool(row["flags"]),
                "label": timezone.localtime(row["patrol"].started_at).strftime("%Y-%m-%d %H:%M"),
            },
        }
        for row in rows
        if len(row["coords"]) >= 2
    ]
    return {"type": "FeatureCollection", "features": features}


@require_GET
@never_cache
@login_required
def member_review(request, pk):
    try:
        member = selectors.member_get_for_review(request.user, pk)
    except GridMember.DoesNotExist as error:
        raise Http404 from error
    since = timezone.now() - datetime.timedelta(days=REVIEW_DAYS)
    rows = [
        _row(patrol)
        for patrol in selectors.member_review_patrols(member, since=since, limit=REVIEW_LIMIT)
    ]
    grids = grids_feature_collection(
        selectors.member_review_grids(member), {"name": "name", "code": "code"}
    )
    judged = [row for row in rows if row["patrol"].assessed_at is not None]
    flagged = sum(1 for row in judged if row["flags"])
    counts: dict[str, int] = {}
    for row in judged:
        for flag in row["flags"]:
            counts[flag["kind"]] = counts.get(flag["kind"], 0) + 1
    context = {
        "member": member,
        "grid_names": [feature["properties"]["name"] for feature in grids["features"]],
        "rows": rows,
        "days": REVIEW_DAYS,
        "judged": len(judged),
        "flagged": flagged,
        "share": round(100 * flagged / len(judged)) if judged else 0,
        "hours": sum(row["minutes"] or 0 for row in rows) / 60,
        "counts": sorted(counts.items(), key=lambda item: -item[1]),
        "verdict": authenticity.member_verdict(judged=len(judged), flagged=flagged),
        "min_patrols": authenticity.MEMBER_MIN_PATROLS,
        "flagged_share": round(100 * authenticity.MEMBER_FLAGGED_SHARE),
        "map_data": {"grids": grids, "routes": _routes(rows)},
    }
    return render(request, "members/review/member.html", context)
