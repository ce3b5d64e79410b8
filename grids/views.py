from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.ratelimit import Limit, client_ip, limit_hit
from grids.models import Region
from grids.permissions import grids_visible_to
from grids.selectors import grid_geojson_for_user, places_search, villages_feature_collection

VIEW_GRIDS = "grids.view_grid"
# Asked as someone types an address on the public form: generous, but not a free index.
PLACE_SEARCHES_PER_IP = Limit("place-search-ip", 300, 3600)


@require_GET
@login_required
@permission_required(VIEW_GRIDS, raise_exception=True)
def grid_map(request):
    villages = None
    if settings.MAP_BASE == "none":
        # Without tiles the outlines and names of the user's villages are the map's streets.
        mine = Region.objects.filter(pk__in=grids_visible_to(request.user).values("village"))
        villages = villages_feature_collection(mine)
    return render(request, "grids/map.html", {"villages_geojson": villages})


@require_GET
@never_cache
def grid_geojson(request):
    """The map's data. A fetch() cannot follow a login redirect usefully: deny with JSON."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": _("Log in to see the grids.")}, status=403)
    if not request.user.has_perm(VIEW_GRIDS):
        return JsonResponse({"detail": _("You may not see the grids.")}, status=403)
    return JsonResponse(
        grid_geojson_for_user(request.user),
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def places(request):
    """The address search of the maps: villages, grids and the town's landmarks by name,
    each with the point to centre on. Names only, as the public form's map shows them."""
    if not limit_hit(PLACE_SEARCHES_PER_IP, client_ip(request)):
        return JsonResponse({"detail": _("Too many searches. Try again later.")}, status=429)
    return JsonResponse(
        {"places": places_search(request.GET.get("q", ""))},
        json_dumps_params={"ensure_ascii": False},
    )
