"""Role × URL matrix: every URL pattern and API route that takes an object id, asked by
every role of one town for the objects of the other town, GET and POST, answers anything
but a success, and writes nothing.

The routes are read from the URL configuration: a new route with an object id fails here
until OBJECTS says which object of the other town it reaches (or why it is catalogue-wide
or public), so that it is covered without anyone remembering to.
"""

import datetime
import uuid
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from assessment.models import Bulletin
from assessment.services import assessment_scheme_current
from core.roles import Role
from grids.models import Region
from grids.services import region_save
from incidents.models import Attachment, Category, Incident, IncidentFollower
from incidents.services.catalogue import department_save
from incidents.services.reporting import incident_report
from incidents.services.tracking import tracking_token
from members.models import GridSplitProposal
from members.notifications import notifications_create
from members.services import resident_save
from members.services.patrols import patrol_start
from surveys.models import Audience, Question
from surveys.services import QuestionData, question_save
from tests.conftest import make_member, make_user
from tests.factories import HouseholdFactory, box
from tests.surveys.conftest import make_survey

pytestmark = pytest.mark.django_db

# URL keyword arguments that name an object (others are formats, codes or public tokens).
OBJECT_KWARGS = {
    "pk",
    "attachment_id",
    "client_key",
    "question_pk",
    "case_pk",
    "resident_pk",
    "grid_pk",
}
# Routes whose objects govern every town (the catalogue): any staff account reads them.
CATALOGUE_WIDE = {"api:category-detail", "api:reasoncode-detail"}


def _routes(patterns=None, prefix="", namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name:
            kwargs = set(entry.pattern.regex.groupindex)
            if kwargs & OBJECT_KWARGS and not (prefix + str(entry.pattern)).startswith("admin/"):
                yield f"{namespace}{entry.name}", kwargs


@pytest.fixture
def other_town(cast, ladder):
    """One object of each kind in R Town (grid B1), made by its own people."""
    member = make_member("member_b1", ladder.b1)
    case = incident_report(
        actor=member.user,
        category=Category.objects.get(code="garbage"),
        title="南湾垃圾",
        description="南湾村口垃圾",
        source=Incident.Source.PATROL,
        grid=ladder.b1,
    )
    household = HouseholdFactory(grid=ladder.b1, code="3310811130010010001")
    # For R Town's grid members (a residents' survey is answerable by anyone, by its link).
    survey = make_survey(ladder.other_town, actor=cast.other_official, audience=Audience.MEMBERS)
    (notification,) = notifications_create(recipients=[cast.other_official], kind="x", title="t")
    return SimpleNamespace(
        case=case,
        attachment=Attachment.objects.create(incident=case, kind="report", image="x/y.jpg"),
        after_photo=Attachment.objects.create(incident=case, kind="after", image="x/z.jpg"),
        household=household,
        resident=resident_save(
            household=household, name="南湾居民", gender="male", id_number="331081198507150019"
        ),
        patrol=patrol_start(actor=member.user, grid=ladder.b1, client_key=uuid.uuid4()),
        member=member,
        assignment=member.assignments.get(),
        survey=survey,
        question=question_save(
            survey=survey, data=QuestionData(text="满意吗？", kind=Question.Kind.RATING)
        ),
        notification=notification,
        department=department_save(code="um", name="他镇执法队", region=ladder.other_town),
        bulletin=_other_county_bulletin(ladder),
        village=ladder.w1,
        grid=ladder.b1,
        split=_other_town_split(ladder, cast.other_official),
    )


def _other_town_split(ladder, official) -> GridSplitProposal:
    """An open proposal to split B1, written as the service would (B1, alone in its
    town, is never above its town's median)."""
    x_min, y_min, x_max, y_max = ladder.b1.boundary.extent
    middle = (x_min + x_max) / 2
    return GridSplitProposal.objects.create(
        grid=ladder.b1,
        axis=GridSplitProposal.Axis.VERTICAL,
        cut_at=middle,
        first_boundary=box(x_min, y_min, middle, y_max),
        second_boundary=box(middle, y_min, x_max, y_max),
        first_code="331081113001002",
        second_code="331081113001003",
        first_name="南湾一网格（西）",
        second_name="南湾一网格（东）",
        first_households=0,
        second_households=0,
        unlocated_households=0,
        town_median=1,
        proposed_by=official,
        proposed_at=timezone.now(),
    )


def _other_county_bulletin(ladder) -> Bulletin:
    """A bulletin is the county's: every town official of the county reads it, so the one
    out of reach is another county's."""
    county = region_save(
        code="331082", name="临海市", level=Region.Level.COUNTY, parent=ladder.city
    )
    region_save(code="331082100", name="古城街道", level=Region.Level.TOWN, parent=county)
    scheme = assessment_scheme_current(county=county)
    return Bulletin.objects.create(
        county=county, month=datetime.date(2026, 10, 1), scheme=scheme, closed_at=timezone.now()
    )


def _objects(o, own_token: str) -> dict[str, dict]:
    case = {"pk": o.case.pk}
    survey = {"pk": o.survey.pk}
    api = {
        "region": {"pk": o.village.pk},
        "grid": {"pk": o.grid.pk},
        "gridmember": {"pk": o.member.pk},
        "gridassignment": {"pk": o.assignment.pk},
        "household": {"pk": o.household.pk},
        "resident": {"pk": o.resident.pk},
        "patrollog": {"pk": o.patrol.pk},
        "notification": {"pk": o.notification.pk},
        "department": {"pk": o.department.pk},
        "case": case,
        "survey": survey,
        "case-attachment": {"case_pk": o.case.pk, "pk": o.attachment.pk},
    }
    return {
        "members:resident_reveal": {"pk": o.resident.pk},
        "members:household": {"pk": o.household.pk},
        "members:patrol_points": {"client_key": o.patrol.client_key},
        "members:patrol_note": {"client_key": o.patrol.client_key},
        "members:patrol_stop": {"client_key": o.patrol.client_key},
        "members:patrol_summary": {"client_key": o.patrol.client_key},
        "members:household_phone": {"pk": o.household.pk},
        "members:household_edit": {"pk": o.household.pk},
        "members:household_visit": {"pk": o.household.pk},
        "members:resident_add": {"pk": o.household.pk},
        "members:resident_edit": {"pk": o.household.pk, "resident_pk": o.resident.pk},
        "members:member_review": {"pk": o.member.pk},
        "members:notification_open": {"pk": o.notification.pk},
        "members:split_propose": {"grid_pk": o.grid.pk},
        "members:split": {"pk": o.split.pk},
        "members:split_accept": {"pk": o.split.pk},
        "members:split_discard": {"pk": o.split.pk},
        "incidents:callback_close": case,
        "incidents:reporter_phone": case,
        # The tracking link of a case of one's own (with a result to show) and the other
        # town's after-photo: a link opens its own case's photos only.
        "public:result_photo": {"token": own_token, "attachment_id": o.after_photo.pk},
        "incidents:join": case,
        "incidents:detail": case,
        "incidents:photo": {**case, "attachment_id": o.attachment.pk},
        "incidents:action": {**case, "action": "accept"},
        "surveys:detail": survey,
        "surveys:edit": survey,
        "surveys:copy": survey,
        "surveys:question_create": survey,
        "surveys:question_edit": {**survey, "question_pk": o.question.pk},
        "surveys:question_delete": {**survey, "question_pk": o.question.pk},
        "surveys:results": survey,
        "surveys:export": {**survey, "file_format": "csv"},
        "surveys:qr": survey,
        "assessment:bulletin": {"pk": o.bulletin.pk},
        "assessment:bulletin_xlsx": {"pk": o.bulletin.pk},
        **{f"api:{basename}": kwargs for basename, kwargs in api.items()},
    }


def _kwargs_for(name: str, wanted: set[str], objects: dict[str, dict]) -> dict | None:
    if name in objects:
        kwargs = objects[name]
    else:
        # API routes: "api:case-accept" reaches the case, "api:case-attachment-image" its photo.
        base = max((b for b in objects if name.startswith(f"{b}-")), key=len, default=None)
        if base is None:
            return None
        kwargs = objects[base]
    kwargs = {key: value for key, value in kwargs.items() if key in wanted}
    if "format" in wanted:
        kwargs["format"] = "json"
    return kwargs


@pytest.fixture
def this_town(cast, ladder):
    """Every role of S Town: none may reach R Town's objects."""
    handler = make_user("handler_s", Role.DEPARTMENT_HANDLER, ladder.town)
    handler.groups.add(department_save(code="um", name="本镇执法队", region=ladder.town).handlers)
    return [
        cast.resident,
        cast.member,
        cast.other_member,
        cast.leader,
        cast.village_staff,
        cast.town_official,
        handler,
    ]


def _own_case_with_a_result(cast, ladder) -> str:
    """The tracking token of an S-town case that shows its result to the link's holder."""
    own = incident_report(
        actor=cast.member,
        category=Category.objects.get(code="garbage"),
        title="本镇垃圾",
        description="本镇村口垃圾",
        source=Incident.Source.PATROL,
        grid=ladder.a1,
    )
    Incident.objects.filter(pk=own.pk).update(status=Incident.Status.CLOSED)
    Attachment.objects.create(incident=own, kind="after", image="x/own.jpg")
    return tracking_token(own.code)


def test_no_role_of_one_town_reaches_an_object_of_the_other(other_town, this_town, cast, ladder):
    objects = _objects(other_town, _own_case_with_a_result(cast, ladder))
    uncovered, successes, urls = [], [], []
    for name, wanted in sorted({(n, frozenset(k)) for n, k in _routes()}):
        if name in CATALOGUE_WIDE:
            continue
        kwargs = _kwargs_for(name, set(wanted), objects)
        if kwargs is None:
            uncovered.append(name)
            continue
        urls.append(reverse(name, kwargs=kwargs))
    assert uncovered == [], "routes with an object id that this matrix does not know"
    before = Incident.objects.values_list("status", "level").get(pk=other_town.case.pk)

    # Every role reads every route; the format-suffixed twins (same view) and the writes are
    # tried by the strongest roles of each kind, to keep the matrix fast.
    plain = [url for url in urls if not url.endswith(".json")]
    strongest = {cast.member, cast.leader, cast.town_official}
    for user in this_town:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        tries = [(client.get, url) for url in (urls if user in strongest else plain)]
        tries += [(client.post, url) for url in plain] if user in strongest else []
        for method, url in tries:
            status = method(url).status_code
            if status in (200, 201, 204):
                successes.append(f"{user.username} {method.__name__.upper()} {url}: {status}")

    assert successes == [], "\n".join(successes)
    assert Incident.objects.values_list("status", "level").get(pk=other_town.case.pk) == before
    assert not IncidentFollower.objects.exists()
    assert not other_town.patrol.__class__.objects.get(pk=other_town.patrol.pk).ended_at
    assert GridSplitProposal.objects.get(pk=other_town.split.pk).is_open


def test_the_other_towns_own_official_reaches_them(other_town, cast):
    """The matrix's objects are real: R Town's official opens them."""
    client = Client()
    client.force_login(cast.other_official)
    case, survey = other_town.case, other_town.survey
    urls = [
        reverse("incidents:detail", kwargs={"pk": case.pk}),
        reverse("surveys:detail", kwargs={"pk": survey.pk}),
        reverse("api:case-detail", kwargs={"pk": case.pk}),
        reverse("api:resident-detail", kwargs={"pk": other_town.resident.pk}),
        reverse("api:department-detail", kwargs={"pk": other_town.department.pk}),
        reverse("members:split", kwargs={"pk": other_town.split.pk}),
    ]

    assert {url: client.get(url).status_code for url in urls} == dict.fromkeys(urls, 200)
