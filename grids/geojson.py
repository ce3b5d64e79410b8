"""GeoJSON import and export of grids.

A file is a FeatureCollection in WGS84 longitude/latitude (RFC 7946). Each Feature is one
grid; its properties also name the regions it sits in, from the village up:

    {"type": "Feature",
     "geometry": {"type": "Polygon" or "MultiPolygon", "coordinates": [...]},
     "properties": {
       "code": "331081112001004",     15 digits: the village code and a 3-digit number
       "name": "东山四网格",
       "kind": "residential" | "rural" | "special",
       "households": 320,             optional whole number, default 0
       "population": 910,             optional whole number, default 0
       "active": true,                optional, default true
       "village_code": "331081112001",  "village_name": "东山村",    12 digits
       "town_code": "331081112",        "town_name": "石塘镇",       9 digits
       "county_code": "331081",         "county_name": "温岭市",     6 digits
       "prefecture_code": "331000",     "prefecture_name": "台州市"  6 digits
     }}

Codes are strings. Each code extends the one above it (a county shares the first four digits
of its prefecture). Other properties are ignored. A grid whose code exists is updated;
regions are created or renamed from the properties, and their boundaries are left alone.
The export writes the same format, so that its output imports again unchanged.

A ``crs`` member, on the collection, a feature or a geometry, is refused unless it names
WGS84 (EPSG:4326 or CRS84). Geometries are built from their coordinates with GEOS alone: no
GeoJSON reaches GDAL, which (3.6) could open the files or URLs a spatial reference names
(settings: gis.W001).

Import steps:
1. read the collection; a problem with the file as a whole is its one error;
2. check each feature on its own: shape, properties, codes, geometry;
3. check the features against each other: duplicate codes, regions described differently,
   active grids of the same town that overlap;
4. in one transaction, save the regions and the grid of each feature that passed, through
   the services (village boundary, overlap with the grids already there), each feature in a
   savepoint so that a rejection leaves the transaction usable for the next one;
5. roll everything back when any feature was rejected (or on a dry run).
A feature rejected in step 2 or 3 is not checked against the database.
"""

import itertools
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.gis.geos import LinearRing, MultiPolygon, Polygon
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from grids.models import Grid, Region
from grids.services import grid_save, region_save
from grids.validation import as_multipolygon, metric_area, validate_boundary_shape

# Property prefix, level and code length of each rung, from the top.
LADDER = (
    ("prefecture", Region.Level.PREFECTURE, 6),
    ("county", Region.Level.COUNTY, 6),
    ("town", Region.Level.TOWN, 9),
    ("village", Region.Level.VILLAGE, 12),
)
# A child's code starts with this many digits of its parent's.
SHARED_DIGITS = {"county": 4, "town": 6, "village": 9}
REQUIRED = ("code", "name", "kind") + tuple(
    f"{prefix}_{part}" for prefix, _level, _length in LADDER for part in ("code", "name")
)
NAME_LENGTH = 100
WGS84_NAMES = frozenset(
    {
        "epsg:4326",
        "urn:ogc:def:crs:epsg::4326",
        "urn:ogc:def:crs:epsg:6.6:4326",
        "urn:ogc:def:crs:ogc:1.3:crs84",
        "urn:ogc:def:crs:ogc::crs84",
        "http://www.opengis.net/def/crs/epsg/0/4326",
        "https://www.opengis.net/def/crs/epsg/0/4326",
        "http://www.opengis.net/def/crs/ogc/1.3/crs84",
        "https://www.opengis.net/def/crs/ogc/1.3/crs84",
    }
)

# progress(stage, done, total): called after each feature of each stage.
Progress = Callable[[str, int, int], None]


@dataclass
class ImportResult:
    """What an import wrote (or, on a dry run, would write); nothing when there are errors."""

    created: int = 0
    updated: int = 0
    regions_created: int = 0
    errors: list[str] = field(default_factory=list)


class _Rejected(Exception):
    """A reason that ends the check of a file or a feature's geometry."""


@dataclass
class _Feature:
    number: int
    code: str | None = None
    reasons: list[str] = field(default_factory=list)
    # Set only when every property is sound: the arguments of grid_save but the village,
    # and the ladder as (level, code, name) from the prefecture down.
    values: dict | None = None
    ladder: list[tuple[int, str, str]] = field(default_factory=list)
    boundary: MultiPolygon | None = None

    @property
    def town_code(self) -> str:
        return self.ladder[2][1]

    def line(self) -> str:
        reasons = " ".join(self.reasons)
        if self.code is None:
            return _("feature %(number)d: %(reasons)s") % {
                "number": self.number,
                "reasons": reasons,
            }
        return _("feature %(number)d (code %(code)s): %(reasons)s") % {
            "number": self.number,
            "code": self.code,
            "reasons": reasons,
        }


def grids_import_geojson(
    *, data: dict | str, progress: Progress | None = None, dry_run: bool = False
) -> ImportResult:
    """Import every grid of the collection, or nothing, and report each rejected feature."""
    try:
        raw_features = _collection_features(data)
    except _Rejected as rejected:
        return ImportResult(errors=[str(rejected)])
    features = []
    for number, raw in enumerate(raw_features, start=1):
        features.append(_feature_checked(number, raw))
        if progress:
            progress(_("Checking features"), number, len(raw_features))
    _check_codes_are_unique(features)
    _check_regions_agree(features)
    _check_no_overlaps(features)
    with transaction.atomic():
        result = _save(features, progress)
        if result.errors or dry_run:
            transaction.set_rollback(True)
    return result


def grids_export_geojson(*, grids: QuerySet) -> dict:
    """The grids as a FeatureCollection in the import format, in one query."""
    rows = grids.select_related("village__parent__parent__parent").defer(
        "village__boundary",
        "village__parent__boundary",
        "village__parent__parent__boundary",
        "village__parent__parent__parent__boundary",
    )
    return {"type": "FeatureCollection", "features": [_grid_feature(grid) for grid in rows]}


def _grid_feature(grid: Grid) -> dict:
    properties = {
        "code": grid.code,
        "name": grid.name,
        "kind": grid.kind,
        "households": grid.households,
        "population": grid.population,
        "active": grid.is_active,
    }
    prefixes = {level: prefix for prefix, level, _length in LADDER}
    for prefix in prefixes.values():
        properties[f"{prefix}_code"] = properties[f"{prefix}_name"] = None
    region = grid.village
    while region is not None and region.level in prefixes:
        properties[f"{prefixes[region.level]}_code"] = region.code
        properties[f"{prefixes[region.level]}_name"] = region.name
        region = region.parent
    geometry = {"type": "MultiPolygon", "coordinates": _as_lists(grid.boundary.coords)}
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _as_lists(value):
    if isinstance(value, tuple | list):
        return [_as_lists(item) for item in value]
    return value


def _quoted(value) -> str:
    """A value from the file, quoted and cut short, safe to put on one line."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _collection_features(data: dict | str) -> list:
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except (ValueError, RecursionError) as error:
            raise _Rejected(
                _("The file is not valid JSON: %(error)s.") % {"error": error}
            ) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise _Rejected(_("The file is not a GeoJSON FeatureCollection."))
    _check_crs(data)
    features = data.get("features")
    if not isinstance(features, list):
        raise _Rejected(_("The FeatureCollection has no list of features."))
    if not features:
        raise _Rejected(_("The FeatureCollection has no features."))
    return features


def _check_crs(member: dict) -> None:
    crs = member.get("crs")
    if crs is None:
        return
    name = crs.get("properties", {}).get("name") if isinstance(crs, dict) else None
    if isinstance(name, str) and name.strip().lower() in WGS84_NAMES:
        return
    raise _Rejected(
        _("The crs %(crs)s is refused: coordinates must be WGS84 (EPSG:4326 or CRS84).")
        % {"crs": _quoted(name if isinstance(name, str) else crs)}
    )


def _feature_checked(number: int, raw) -> _Feature:
    feature = _Feature(number)
    if not isinstance(raw, dict) or raw.get("type") != "Feature":
        feature.reasons.append(_("It is not a GeoJSON Feature."))
        return feature
    properties = raw.get("properties")
    if not isinstance(properties, dict):
        feature.reasons.append(_("It has no properties."))
        properties = {}
    code = properties.get("code")
    if not _blank(code):
        feature.code = " ".join(str(code).split())[:30]
    _check_properties(feature, properties)
    try:
        feature.boundary = _boundary(raw)
    except _Rejected as rejected:
        feature.reasons.append(str(rejected))
    return feature


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_properties(feature: _Feature, properties: dict) -> None:
    """Record each problem with the properties; set values and ladder when there is none."""
    reasons = []
    missing = [name for name in REQUIRED if _blank(properties.get(name))]
    if missing:
        reasons.append(_("Missing properties: %(names)s.") % {"names": ", ".join(missing)})
    text = {}
    for name in REQUIRED:
        value = properties.get(name)
        if name in missing:
            continue
        if not isinstance(value, str):
            reasons.append(_("%(name)s must be a string.") % {"name": name})
        elif len(value.strip()) > NAME_LENGTH:
            reasons.append(
                _("%(name)s is longer than %(length)d characters.")
                % {"name": name, "length": NAME_LENGTH}
            )
        else:
            text[name] = value.strip()
    reasons += _code_reasons(text)
    if "kind" in text and text["kind"] not in Grid.Kind.values:
        reasons.append(
            _("Unknown kind %(kind)s: use one of %(kinds)s.")
            % {"kind": _quoted(text["kind"]), "kinds": ", ".join(Grid.Kind.values)}
        )
    counts = {}
    for name in ("households", "population"):
        counts[name] = properties.get(name)
        if counts[name] is None:
            counts[name] = 0
        elif isinstance(counts[name], bool) or not isinstance(counts[name], int):
            reasons.append(_("%(name)s must be a whole number.") % {"name": name})
        elif counts[name] < 0:
            reasons.append(_("%(name)s cannot be negative.") % {"name": name})
    active = properties.get("active")
    if active is not None and not isinstance(active, bool):
        reasons.append(_("active must be true or false."))
    feature.reasons += reasons
    if reasons:
        return
    feature.values = {
        "code": text["code"],
        "name": text["name"],
        "kind": text["kind"],
        **counts,
        "is_active": active is not False,
    }
    feature.ladder = [
        (level, text[f"{prefix}_code"], text[f"{prefix}_name"]) for prefix, level, _n in LADDER
    ]


def _code_reasons(text: dict) -> list[str]:
    """Problems with the codes; a malformed code leaves ``text`` so that no more are told."""
    reasons = []
    code = text.get("code")
    if code is not None and not re.fullmatch(r"\d{15}", code):
        reasons.append(
            _("The code must have 15 digits: the 12-digit village code and a 3-digit number.")
        )
        text.pop("code")
    for prefix, _level, length in LADDER:
        name = f"{prefix}_code"
        if name in text and not re.fullmatch(rf"\d{{{length}}}", text[name]):
            reasons.append(
                _("%(name)s must have %(length)d digits.") % {"name": name, "length": length}
            )
            text.pop(name)
    village_code = text.get("village_code")
    if "code" in text and village_code and not text["code"].startswith(village_code):
        reasons.append(
            _("The code does not start with the village code %(village)s.")
            % {"village": village_code}
        )
    for (parent, _pl, _pn), (child, _cl, _cn) in itertools.pairwise(LADDER):
        parent_code, child_code = text.get(f"{parent}_code"), text.get(f"{child}_code")
        shared = SHARED_DIGITS[child]
        if parent_code and child_code and child_code[:shared] != parent_code[:shared]:
            reasons.append(
                _("%(child)s %(child_code)s is not under %(parent)s %(parent_code)s.")
                % {
                    "child": f"{child}_code",
                    "child_code": child_code,
                    "parent": f"{parent}_code",
                    "parent_code": parent_code,
                }
            )
    if text.get("county_code") and text.get("county_code") == text.get("prefecture_code"):
        reasons.append(_("county_code and prefecture_code must differ."))
    return reasons


def _boundary(raw: dict) -> MultiPolygon:
    _check_crs(raw)
    geometry = raw.get("geometry")
    if not isinstance(geometry, dict):
        raise _Rejected(_("It has no geometry."))
    _check_crs(geometry)
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        boundary = as_multipolygon(_polygon(coordinates))
    elif kind == "MultiPolygon" and isinstance(coordinates, list):
        boundary = MultiPolygon(*(_polygon(rings) for rings in coordinates), srid=4326)
    elif kind == "MultiPolygon":
        raise _Rejected(_("The coordinates of a MultiPolygon must be a list of polygons."))
    else:
        raise _Rejected(
            _("The geometry is a %(kind)s; a grid needs a Polygon or a MultiPolygon.")
            % {"kind": _quoted(kind)}
        )
    try:
        validate_boundary_shape(boundary)
    except ValidationError as error:
        raise _Rejected(" ".join(error.messages)) from None
    return boundary


def _polygon(rings) -> Polygon:
    if not isinstance(rings, list) or not rings:
        raise _Rejected(_("A polygon must be a list of rings."))
    return Polygon(*(_ring(positions) for positions in rings), srid=4326)


def _ring(positions) -> LinearRing:
    if not isinstance(positions, list) or len(positions) < 4:
        raise _Rejected(_("A ring must be a list of at least 4 positions."))
    points = [_position(position) for position in positions]
    if points[0] != points[-1]:
        raise _Rejected(_("A ring must end where it starts."))
    return LinearRing(points)


def _position(position) -> tuple[float, float]:
    if not (
        isinstance(position, list)
        and len(position) in (2, 3)
        and all(isinstance(n, int | float) and not isinstance(n, bool) for n in position)
    ):
        raise _Rejected(_("A position must be [longitude, latitude] in numbers."))
    longitude, latitude = float(position[0]), float(position[1])
    if not (
        math.isfinite(longitude)
        and math.isfinite(latitude)
        and -180 <= longitude <= 180
        and -90 <= latitude <= 90
    ):
        raise _Rejected(
            _(
                "The position %(position)s is outside longitude ±180 and latitude ±90: "
                "coordinates must be WGS84 longitude, latitude in degrees."
            )
            % {"position": _quoted(position)}
        )
    return longitude, latitude


def _check_codes_are_unique(features: list[_Feature]) -> None:
    first = {}
    for feature in features:
        if feature.code is None:
            continue
        if feature.code in first:
            feature.reasons.append(
                _("The code is also used by feature %(number)d.") % {"number": first[feature.code]}
            )
        else:
            first[feature.code] = feature.number


def _check_regions_agree(features: list[_Feature]) -> None:
    """A region named by several features must be described the same way by each."""
    seen = {}  # code: (feature number, level, name, parent code)
    for feature in features:
        parent = None
        for level, code, name in feature.ladder:
            number, first_level, first_name, first_parent = seen.setdefault(
                code, (feature.number, level, name, parent)
            )
            if (first_level, first_name) != (level, name):
                feature.reasons.append(
                    _(
                        "Region %(code)s is the %(level)s %(name)s here but the "
                        "%(first_level)s %(first_name)s in feature %(number)d."
                    )
                    % {
                        "code": code,
                        "level": Region.Level(level).label,
                        "name": _quoted(name),
                        "first_level": Region.Level(first_level).label,
                        "first_name": _quoted(first_name),
                        "number": number,
                    }
                )
            elif first_parent != parent:
                feature.reasons.append(
                    _(
                        "Region %(code)s is under %(parent)s here but under %(first)s in feature "
                        "%(number)d."
                    )
                    % {"code": code, "parent": parent, "first": first_parent, "number": number}
                )
            parent = code


def _check_no_overlaps(features: list[_Feature]) -> None:
    """Active grids of one town may not overlap; the later feature of a pair is rejected."""
    checked: dict[str, list[_Feature]] = {}
    for feature in features:
        if feature.boundary is None or feature.values is None or not feature.values["is_active"]:
            continue
        neighbours = checked.setdefault(feature.town_code, [])
        for other in neighbours:
            # Neighbours that only share an edge are the common case: skip them before the
            # costly projection that measures an overlap.
            if not feature.boundary.relate_pattern(other.boundary, "T********"):
                continue
            overlap = metric_area(feature.boundary.intersection(other.boundary))
            if overlap > settings.GRID_OVERLAP_TOLERANCE_M2:
                feature.reasons.append(
                    _("The boundary overlaps feature %(number)d (code %(code)s) by %(area).0f m².")
                    % {"number": other.number, "code": other.code, "area": overlap}
                )
        neighbours.append(feature)


def _save(features: list[_Feature], progress: Progress | None) -> ImportResult:
    """Save each sound feature through the services; the caller's transaction wraps it all."""
    sound = [feature for feature in features if not feature.reasons]
    grid_codes = {feature.values["code"] for feature in sound}
    region_codes = {code for feature in sound for _level, code, _name in feature.ladder}
    old_grids = set(Grid.objects.filter(code__in=grid_codes).values_list("code", flat=True))
    old_regions = set(Region.objects.filter(code__in=region_codes).values_list("code", flat=True))
    regions: dict[str, Region] = {}
    for done, feature in enumerate(sound, start=1):
        saved = {}
        try:
            with transaction.atomic():
                parent = None
                for level, code, name in feature.ladder:
                    parent = regions.get(code) or region_save(
                        code=code, name=name, level=level, parent=parent
                    )
                    saved[code] = parent
                grid_save(village=parent, boundary=feature.boundary, **feature.values)
        except ValidationError as error:
            feature.reasons += _messages(error)
        else:
            # Only regions whose savepoint was kept may serve the next features.
            regions.update(saved)
        if progress:
            progress(_("Saving grids"), done, len(sound))
    errors = [feature.line() for feature in features if feature.reasons]
    if errors:
        return ImportResult(errors=errors)
    return ImportResult(
        created=len(grid_codes - old_grids),
        updated=len(grid_codes & old_grids),
        regions_created=len(region_codes - old_regions),
    )


def _messages(error: ValidationError) -> list[str]:
    """The messages of a model's ValidationError, each field named by its property."""
    if not hasattr(error, "error_dict"):
        return error.messages
    properties = {"is_active": "active", "village": "village_code"}
    return [
        message
        if name in ("boundary", NON_FIELD_ERRORS)
        else f"{properties.get(name, name)}: {message}"
        for name, messages in error.message_dict.items()
        for message in messages
    ]
