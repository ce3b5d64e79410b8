"""The answering door: a mobile-first form reached by link or QR code.

Public surveys (anonymous, for residents) need no account: a signed cookie gives the
device an id, and a keyed hash of it on the response allows one response per device.
Everyone signed in answers once per account. A link may carry a grid code, which
attributes the answers to that grid and its village.
"""

import uuid

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from core.ratelimit import Limit, client_ip, limit_exceeded, limit_hit
from grids.models import Grid
from surveys.answers import field_name
from surveys.models import Response, Survey
from surveys.permissions import answerer_grid, answering_role
from surveys.respondents import respondent_key
from surveys.selectors import survey_questions
from surveys.services import response_submit

DEVICE_COOKIE = "survey_device"
DEVICE_SALT = "surveys.device"
DEVICE_MAX_AGE = 2 * 365 * 24 * 3600
SUBMISSIONS_PER_IP = Limit("survey-submit-ip", 60, 3600)


def _survey(token: str) -> Survey:
    survey = Survey.objects.select_related("region").filter(token=token).first()
    if survey is None or survey.is_template:
        raise Http404
    return survey


def _link_grid(survey: Survey, grid_code: str | None) -> Grid | None:
    if grid_code is None:
        return None
    grid = Grid.objects.within(survey.region).filter(code=grid_code).first()
    if grid is None:
        raise Http404
    return grid


def _device_id(request) -> tuple[str, bool]:
    """The device's id from its signed cookie, or a new one (True: set the cookie)."""
    value = request.get_signed_cookie(DEVICE_COOKIE, default=None, salt=DEVICE_SALT)
    if value:
        return value, False
    return uuid.uuid4().hex, True


def _with_device_cookie(response, device_id: str, is_new: bool):
    if is_new:
        response.set_signed_cookie(
            DEVICE_COOKIE,
            device_id,
            salt=DEVICE_SALT,
            max_age=DEVICE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response


def _items(questions, raw: dict, errors: dict) -> list[dict]:
    """What the template needs per question: its field name, posted values and errors."""
    return [
        {
            "question": question,
            "name": field_name(question),
            "values": raw.get(question.pk, []),
            "errors": errors.get(field_name(question), []),
            "condition": field_name(question.show_if_choice.question)
            if question.show_if_choice_id
            else "",
        }
        for question in questions
    ]


def _unavailable(request, survey: Survey, message: str, status: int = 200):
    context = {"survey": survey, "message": message}
    return render(request, "surveys/public/unavailable.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request, token, grid_code=None):
    survey = _survey(token)
    grid = _link_grid(survey, grid_code)
    role = answering_role(request.user, survey)
    if role is None:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return _unavailable(request, survey, _("This survey is not meant for your account."), 403)
    state = survey.state()
    if state != "open":
        if state == "scheduled":
            message = _("This survey opens on %(when)s.") % {"when": _local(survey.opens_at)}
        elif state == "draft":
            message = _("This survey is not open yet.")
        else:
            message = _("This survey is closed. Thank you for your interest.")
        return _unavailable(request, survey, message)
    device_id, new_device = ("", False)
    if request.user.is_authenticated:
        key = respondent_key(survey=survey, user=request.user)
    else:
        device_id, new_device = _device_id(request)
        key = respondent_key(survey=survey, device_id=device_id)
    if Response.objects.filter(survey=survey, respondent_key=key).exists():
        page = _unavailable(
            request, survey, _("You have already answered this survey. Thank you!")
        )
        return _with_device_cookie(page, device_id, new_device)
    questions = survey_questions(survey)
    raw, errors, status = {}, {}, 200
    if request.method == "POST":
        ip = client_ip(request)
        if limit_exceeded(SUBMISSIONS_PER_IP, ip):
            return _unavailable(request, survey, _("Too many answers from here. Try later."), 429)
        raw = {question.pk: request.POST.getlist(field_name(question)) for question in questions}
        try:
            response_submit(
                survey=survey,
                raw=raw,
                role=role,
                key=key,
                respondent=request.user if request.user.is_authenticated else None,
                grid=grid or answerer_grid(request.user, survey, role),
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return _unavailable(request, survey, " ".join(error.messages), 409)
            errors, status = error.message_dict, 400
        else:
            limit_hit(SUBMISSIONS_PER_IP, ip)
            done = redirect("survey_public:done", token=survey.token)
            return _with_device_cookie(done, device_id, new_device)
    context = {
        "survey": survey,
        "grid": grid,
        "items": _items(questions, raw, errors),
        "error_count": len(errors),
    }
    page = render(request, "surveys/public/answer.html", context, status=status)
    return _with_device_cookie(page, device_id, new_device)


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


@require_GET
def done(request, token):
    survey = _survey(token)
    return render(request, "surveys/public/done.html", {"survey": survey})
