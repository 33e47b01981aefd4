"""Public pages, no login: the rota, the printable hall sign, the evaluation of the director on duty."""
from __future__ import annotations

import itertools
import re
import secrets

from django.core import signing
from django.db import transaction
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from policyops import ratelimit
from policyops.errors import ConditionFailed, PolicyOpsError
from policyops.models import ServiceHall
from policyops.months import next_month, previous_month
from programs.halls import codes, rules, selectors, services
from programs.halls.forms import EvaluationForm, halls_with_duty
from programs.halls.models import DutyShift, Evaluation
from programs.halls.views.common import month_or_404, public_response, qr_svg

# --- The rota ------------------------------------------------------------------------------


def _rota_context(hall_id, year, month):
    hall = get_object_or_404(ServiceHall, pk=hall_id)
    first = month_or_404(year, month)
    rows = selectors.public_rota(hall, first)
    days = [(day, list(group)) for day, group in itertools.groupby(rows, key=lambda row: row.date)]
    return {"hall": hall, "first": first, "rows": rows, "days": days, "previous": previous_month(first),
            "next": next_month(first)}


public_page_limit = ratelimit.per_client(ratelimit.PUBLIC_PAGE_SCOPE, limit=ratelimit.PUBLIC_PAGE_LIMIT,
                                        window_seconds=ratelimit.PUBLIC_PAGE_WINDOW_SECONDS)


@require_GET
@public_page_limit
def index(request):
    today = timezone.localdate()
    halls = list(halls_with_duty().select_related("duty_settings"))
    # A training hall's screen is open to all: its codes sign in to practice shifts only.
    for hall in halls:
        hall.kiosk_token = codes.kiosk_token(hall.duty_settings) if hall.is_training else ""
    return render(request, "halls/index.html", {"halls": halls, "today": today})


@require_GET
@public_page_limit
def rota(request, hall_id, year, month):
    return public_response(render(request, "halls/rota.html", _rota_context(hall_id, year, month)))


@require_GET
@public_page_limit
def rota_print(request, hall_id, year, month):
    """The printable hall sign (A4) of the month, with the evaluation QR code."""
    context = _rota_context(hall_id, year, month)
    evaluate_url = request.build_absolute_uri(reverse("halls:evaluate", args=[hall_id]))
    context.update(evaluate_url=evaluate_url, evaluate_qr=qr_svg(evaluate_url))
    return public_response(render(request, "halls/rota_print.html", context))


# --- Public evaluation ---------------------------------------------------------------------

DEVICE_COOKIE = "halls_device"
DEVICE_COOKIE_MAX_AGE = 5 * 365 * 24 * 3600
DEVICE_SALT = "programs.halls.evaluation-device"  # the cookie is signed: a script cannot invent devices
DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
EVALUATION_RATE_SCOPE = "halls:evaluations"
EVALUATION_DEVICES_SCOPE = "halls:evaluation-devices"
TOO_MANY_EVALUATIONS = gettext_lazy("Too many ratings from this network. Please try again in a few minutes.")
TOO_MANY_DEVICES = gettext_lazy("Too many new phones have opened this page from your network. "
                                "Please try again in an hour.")
OPEN_THE_FORM_FIRST = gettext_lazy("Your rating could not be accepted: this page must be opened before rating. "
                                   "Please choose your rating again and submit.")
ENOUGH_FOLLOW_UPS = gettext_lazy("This director has already received many ratings of dissatisfied today, and the "
                                 "supervisors follow up each of them. Please tell the hall's supervisors about "
                                 "your experience.")


def _on_duty_now(hall, now):
    """The directors on duty at ``hall`` today: (shift id, name, department) for the rating form."""
    return [{"shift_id": shift.pk, "name": shift.on_duty.person.name,
             "department": selectors.department_name(shift.on_duty)}
            for shift in services.on_duty_shifts(hall=hall, now=now)]


def _device_of(request) -> str | None:
    """The device id in the request's signed cookie; None if missing, forged or of the old unsigned kind."""
    try:
        device = signing.Signer(salt=DEVICE_SALT).unsign(request.COOKIES.get(DEVICE_COOKIE, ""))
    except signing.BadSignature:
        return None
    return device if DEVICE_ID.match(device) else None


@never_cache
@require_http_methods(["GET", "POST"])
def evaluate(request, hall_id):
    """The rating form. A device without a token gets one (a limited number per address and
    hour); a rating needs one, so a script that throws its cookie away rates nothing."""
    hall = get_object_or_404(ServiceHall, pk=hall_id)
    now = timezone.now()
    on_duty = _on_duty_now(hall, now)
    context = {"hall": hall, "error": None, "on_duty": on_duty}
    status = 200
    if request.method == "POST" and ratelimit.over_limit(
            request, EVALUATION_RATE_SCOPE, limit=rules.EVALUATION_RATE_LIMIT,
            window_seconds=rules.EVALUATION_RATE_WINDOW_SECONDS):
        context["error"], status = TOO_MANY_EVALUATIONS, 429
        context["form"] = EvaluationForm(request.POST, on_duty=on_duty)
        return public_response(render(request, "halls/evaluate.html", context, status=status))
    device, issued = _device_of(request), None
    if device is None:
        if ratelimit.over_limit(request, EVALUATION_DEVICES_SCOPE, limit=rules.EVALUATION_DEVICES_PER_CLIENT,
                                window_seconds=rules.EVALUATION_DEVICES_WINDOW_SECONDS):
            context["error"], status = TOO_MANY_DEVICES, 429
        else:
            issued = secrets.token_urlsafe(24)  # pragma: no mutate (a size: 12 to 48 bytes all match DEVICE_ID)
    if request.method == "POST":
        form = EvaluationForm(request.POST, on_duty=on_duty)
        if device is None:
            if status == 200:
                context["error"], status = OPEN_THE_FORM_FIRST, 400
        elif form.is_valid():
            try:
                _evaluation_submit(hall=hall, form=form, on_duty=on_duty, device=device, now=now)
            except PolicyOpsError as exc:
                context["error"] = str(exc)
            else:
                return public_response(render(request, "halls/evaluate_thanks.html", context))
    else:
        form = EvaluationForm(on_duty=on_duty)
    context["form"] = form
    response = render(request, "halls/evaluate.html", context, status=status)
    if issued:
        response.set_cookie(DEVICE_COOKIE, signing.Signer(salt=DEVICE_SALT).sign(issued),
                            max_age=DEVICE_COOKIE_MAX_AGE, httponly=True, samesite="Lax", secure=request.is_secure())
    return public_response(response)


def _evaluation_submit(*, hall, form, on_duty, device, now):
    """The rating, unless it is a 不满意 or worse beyond the shift's cap (rules.EVALUATION_FOLLOW_UPS_PER_SHIFT)."""
    level = form.cleaned_data["level"]
    shift_id = form.cleaned_data.get("shift")
    if shift_id is None and len(on_duty) == 1:
        shift_id = on_duty[0]["shift_id"]
    with transaction.atomic():
        if level <= rules.FOLLOW_UP_AT_OR_BELOW and shift_id in {d["shift_id"] for d in on_duty}:
            # The shift's row is locked: two ratings at once must not both take the last place.
            DutyShift.objects.select_for_update().filter(pk=shift_id).first()
            negatives = Evaluation.objects.filter(shift_id=shift_id, level__lte=rules.FOLLOW_UP_AT_OR_BELOW).count()
            if negatives >= rules.EVALUATION_FOLLOW_UPS_PER_SHIFT:
                raise ConditionFailed(ENOUGH_FOLLOW_UPS)
        return services.evaluation_submit(hall=hall, level=level, comment=form.cleaned_data["comment"],
                                          device=device, now=now, shift_id=form.cleaned_data.get("shift"))
