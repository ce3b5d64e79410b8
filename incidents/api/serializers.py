"""Shapes of cases on the wire. No rule lives here: services judge every write; these
only parse input into the services' arguments and describe the output."""

from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from grids.models import Grid
from incidents.models import (
    Attachment,
    Category,
    Department,
    Incident,
    IncidentEvent,
    Level,
    ReasonCode,
    Urgency,
)
from incidents.permissions import incidents_visible_to
from incidents.selectors import dispatch_departments, dispatch_people
from members.models import User

POINT_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "enum": ["Point"]},
        "coordinates": {
            "type": "array",
            "items": {"type": "number"},
            "minItems": 2,
            "maxItems": 2,
            "example": [121.005, 28.005],
        },
    },
    "required": ["type", "coordinates"],
}


@extend_schema_field(POINT_SCHEMA)
class PointField(serializers.Field):
    """A GeoJSON Point in WGS84 degrees, parsed here and never handed to GDAL as text, so
    no ``crs`` member or file name can reach it (see settings: gis.W001)."""

    default_error_messages = {
        "invalid": _lazy(
            'Give a GeoJSON Point: type "Point" and coordinates [longitude, latitude].'
        ),
        "range": _lazy("Longitude must lie in -180..180 and latitude in -90..90."),
    }

    def to_internal_value(self, data) -> Point:
        if (
            not isinstance(data, dict)
            or data.get("type") != "Point"
            or set(data) - {"type", "coordinates"}
        ):
            self.fail("invalid")
        coordinates = data.get("coordinates")
        if not isinstance(coordinates, list) or len(coordinates) != 2:
            self.fail("invalid")
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in coordinates):
            self.fail("invalid")
        try:
            longitude, latitude = (float(v) for v in coordinates)
        except OverflowError:
            self.fail("range")
        if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):  # nan fails too
            self.fail("range")
        return Point(longitude, latitude, srid=4326)

    def to_representation(self, value):
        return {"type": "Point", "coordinates": [value.x, value.y]}


class CategorySerializer(serializers.ModelSerializer):
    group_code = serializers.CharField(source="group.code", read_only=True)
    group_name = serializers.CharField(source="group.name", read_only=True)

    class Meta:
        model = Category
        fields = ["id", "code", "name", "group_code", "group_name", "default_department_code"]


class DepartmentSerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.code", read_only=True)

    class Meta:
        model = Department
        fields = ["id", "code", "name", "region", "region_code", "is_active"]


class _CaseBase(serializers.ModelSerializer):
    category_code = serializers.CharField(source="category.code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    grid_code = serializers.CharField(source="grid.code", read_only=True)
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    village_name = serializers.CharField(source="grid.village.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    is_overdue = serializers.SerializerMethodField()

    LIST_FIELDS = [
        "id",
        "code",
        "title",
        "category",
        "category_code",
        "category_name",
        "urgency",
        "status",
        "status_label",
        "level",
        "level_label",
        "grid",
        "grid_code",
        "grid_name",
        "village_name",
        "source",
        "deadline",
        "is_overdue",
        "is_supervised",
        "created_at",
        "closed_at",
    ]

    def get_is_overdue(self, incident: Incident) -> bool:
        annotated = getattr(incident, "is_overdue", None)
        if annotated is not None:
            return annotated
        now = self.context["now"]
        return incident.is_open and incident.deadline is not None and incident.deadline < now


class CaseListSerializer(_CaseBase):
    class Meta:
        model = Incident
        fields = _CaseBase.LIST_FIELDS


class CaseDetailSerializer(_CaseBase):
    location = PointField(allow_null=True, read_only=True)
    handling_region_code = serializers.CharField(source="handling_region.code", read_only=True)
    assignee_username = serializers.CharField(
        source="assignee_user.username", read_only=True, allow_null=True, default=None
    )
    assignee_department_name = serializers.CharField(
        source="assignee_department.name", read_only=True, allow_null=True, default=None
    )
    duplicate_of_code = serializers.CharField(
        source="duplicate_of.code", read_only=True, allow_null=True, default=None
    )
    available_actions = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="The steps the caller may take now (the services still decide).",
    )

    class Meta:
        model = Incident
        fields = [
            *_CaseBase.LIST_FIELDS,
            "description",
            "address",
            "location",
            "handling_region",
            "handling_region_code",
            "reporter_name",
            "reporter_phone_masked",
            "assignee_user",
            "assignee_username",
            "assignee_department",
            "assignee_department_name",
            "duplicate_of",
            "duplicate_of_code",
            "escalation_count",
            "is_stalled_at_top",
            "satisfaction",
            "evaluation_comment",
            "updated_at",
            "available_actions",
        ]


class CaseReportSerializer(serializers.Serializer):
    """A new case: the arguments of incidents.services.reporting.incident_report."""

    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all())
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=5000)
    source = serializers.ChoiceField(choices=Incident.Source.choices)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.ORDINARY)
    location = PointField(
        required=False,
        allow_null=True,
        default=None,
        help_text="GeoJSON Point (longitude, latitude in WGS84).",
    )
    address = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    grid = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=2**63 - 1
    )
    reporter_name = serializers.CharField(
        max_length=50, required=False, default="", allow_blank=True
    )
    reporter_phone = serializers.CharField(
        max_length=20, required=False, default="", allow_blank=True
    )
    client_key = serializers.UUIDField(required=False, allow_null=True, default=None)


class EventSerializer(serializers.ModelSerializer):
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    actor_username = serializers.CharField(
        source="actor.username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = IncidentEvent
        fields = [
            "id",
            "action",
            "action_label",
            "actor",
            "actor_username",
            "from_status",
            "to_status",
            "from_level",
            "to_level",
            "note",
            "created_at",
        ]


class PublicTimelineStepSerializer(serializers.Serializer):
    when = serializers.DateTimeField()
    title = serializers.CharField()
    by = serializers.CharField(allow_blank=True)


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "kind", "width", "height", "created_at"]


class AttachmentUploadSerializer(serializers.Serializer):
    image = serializers.FileField(help_text="A photo (JPEG, PNG, WebP); re-encoded on upload.")
    kind = serializers.ChoiceField(choices=Attachment.Kind.choices)


# --- the steps of the loop ---------------------------------------------------------------


def _note():
    return serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)


def _reason_code(kind: str, *, required: bool = True):
    """A reason code of the step's kind, by its code; the service judges whether it is
    still in use (check_reason)."""
    return serializers.SlugRelatedField(
        slug_field="code",
        queryset=ReasonCode.objects.filter(kind=kind),
        required=required,
        allow_null=not required,
        default=None if not required else serializers.empty,
        help_text=f"Code of a reason of kind '{kind}' (GET /api/reason-codes/?kind={kind}).",
    )


class NoteSerializer(serializers.Serializer):
    note = _note()


class AcceptSerializer(NoteSerializer):
    apply_rules = serializers.BooleanField(
        default=True, help_text="Dispatch by the town's rules when one applies (as the page)."
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True)


class RejectSerializer(ReasonSerializer):
    reason_code = _reason_code(ReasonCode.Kind.REJECT, required=False)


class ReasonCodeNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, allow_blank=True)


def _with_reason_code(kind: str, base=ReasonCodeNoteSerializer, **fields):
    attrs = {"reason_code": _reason_code(kind), **fields}
    return type(f"{kind.title()}StepSerializer", (base,), attrs)


ReturnSerializer = _with_reason_code(ReasonCode.Kind.RETURN)
ReopenSerializer = _with_reason_code(ReasonCode.Kind.REOPEN)
ExtendSerializer = _with_reason_code(
    ReasonCode.Kind.EXTENSION,
    new_deadline=serializers.DateTimeField(help_text="The deadline asked for."),
)
SuspendSerializer = _with_reason_code(
    ReasonCode.Kind.SUSPENSION,
    review_on=serializers.DateField(help_text="When the case comes back (after today)."),
)


class ExtendDecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField(help_text="true moves the deadline; false refuses.")
    note = _note()


class ArbitrateSerializer(serializers.Serializer):
    uphold = serializers.BooleanField(
        help_text="true upholds the second return (back to dispatch); false refuses it."
    )
    note = _note()


class ReasonCodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReasonCode
        fields = ["id", "kind", "code", "name", "order", "is_active"]


class HandleSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, allow_blank=True)


class DispatchSerializer(serializers.Serializer):
    """One of ``user`` or ``department``: the choices are the page's (selectors)."""

    user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(), required=False, allow_null=True, default=None
    )
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.none(), required=False, allow_null=True, default=None
    )
    assisting = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.none(),
        many=True,
        required=False,
        default=list,
        help_text="Assisting departments (协办); the lead closes the handling stage.",
    )
    note = _note()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        incident = self.context.get("incident")
        if incident is not None:
            self.fields["user"].queryset = dispatch_people(incident)
            self.fields["department"].queryset = dispatch_departments(incident)
            self.fields["assisting"].child_relation.queryset = dispatch_departments(incident)


class VerifySerializer(serializers.Serializer):
    passed = serializers.BooleanField(help_text="true closes the case; false sends it back.")
    reason = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)
    reason_code = _reason_code(ReasonCode.Kind.REWORK, required=False)


class SuperviseSerializer(serializers.Serializer):
    on = serializers.BooleanField()
    note = _note()
    level = serializers.ChoiceField(
        choices=[Level.TOWN, Level.COUNTY, Level.PREFECTURE],
        required=False,
        allow_null=True,
        default=None,
        help_text="4 town, 3 county, 2 city; default: the caller's own level.",
    )
    reason_code = _reason_code(ReasonCode.Kind.SUPERVISION, required=False)
    deadline = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Default: the level's limit."
    )


class MergeSerializer(serializers.Serializer):
    into = serializers.CharField(max_length=32, help_text="Number of the case it duplicates.")
    note = _note()

    def validate_into(self, value: str) -> Incident:
        survivor = incidents_visible_to(self.context["user"]).filter(code=value.strip()).first()
        if survivor is None:
            raise serializers.ValidationError(_("No case you can see has this number."))
        return survivor


class EvaluateSerializer(serializers.Serializer):
    satisfaction = serializers.ChoiceField(choices=Incident.Satisfaction.choices)
    comment = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)


class HotlineOrderSerializer(serializers.Serializer):
    """A 12345 work order (工单): the arguments of incidents.services.hotline."""

    order_id = serializers.RegexField(
        r"^[A-Za-z0-9_.:-]+$",
        max_length=64,
        help_text="The hotline's own number of the work order (工单号); a repeat files nothing.",
    )
    category = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Category.objects.filter(is_active=True),
        help_text="The category's code (GET /api/categories/).",
    )
    title = serializers.CharField(max_length=120, required=False, default="", allow_blank=True)
    description = serializers.CharField(max_length=5000)
    caller_name = serializers.CharField(
        max_length=50, required=False, default="", allow_blank=True
    )
    caller_phone = serializers.CharField(max_length=20)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.ORDINARY)
    location = PointField(
        required=False,
        allow_null=True,
        default=None,
        help_text="GeoJSON Point (longitude, latitude in WGS84).",
    )
    address = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    grid = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Grid.objects.select_related("village__parent"),
        required=False,
        allow_null=True,
        default=None,
        help_text="The grid's code, when the place is not known as a point.",
    )


class HotlineOrderAnswerSerializer(serializers.Serializer):
    order_id = serializers.CharField()
    case_id = serializers.IntegerField()
    case_code = serializers.CharField()
    status = serializers.CharField()
    created = serializers.BooleanField(help_text="False: this work order was filed before.")
