"""Public pages, no login: the rota, the printable hall sign, the evaluation of the director on duty."""
from __future__ import annotations

import itertools
import re
import secrets

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from policyops import ratelimit
from policyops.errors import PolicyOpsError
from policyops.models import ServiceHall
from policyops.months import next_month, previous_month
from programs.halls import codes, rules, selectors, services
from programs.halls.forms import EvaluationForm, halls_with_duty
from programs.halls.views.common import month_or_404, public_response, qr_svg

# --- The rota ------------------------------------------------------------------------------


def _rota_context(hall_id, year, month):
    hall = get_object_or_404(ServiceHall, pk=hall_id)
    first = month_or_404(year, month)
    rows = selectors.public_rota(hall, first)
    days = [(day, list(group)) for day, group in itertools.groupby(rows, key=lambda row: row.date)]
    return {"hall": hall, "first": first, "rows": rows, "days": days, "previous": previous_month(first),
            "next": next_month(first)}


@require_GET
def index(request):
    today = timezone.localdate()
    halls = list(halls_with_duty().select_related("duty_settings"))
    # A training hall's screen is open to all: its codes sign in to practice shifts only.
    for hall in halls:
        hall.kiosk_token = codes.kiosk_token(hall.duty_settings) if hall.is_training else ""
    return render(request, "halls/index.html", {"halls": halls, "today": today})


@require_GET
def rota(request, hall_id, year, month):
    return public_response(render(request, "halls/rota.html", _rota_context(hall_id, year, month)))


@require_GET
def rota_print(request, hall_id, year, month):
    """The printable hall sign (A4) of the month, with the evaluation QR code."""
    context = _rota_context(hall_id, year, month)
    evaluate_url = request.build_absolute_uri(reverse("halls:evaluate", args=[hall_id]))
    context.update(evaluate_url=evaluate_url, evaluate_qr=qr_svg(evaluate_url))
    return public_response(render(request, "halls/rota_print.html", context))


# --- Public evaluation ---------------------------------------------------------------------

DEVICE_COOKIE = "halls_device"
DEVICE_COOKIE_MAX_AGE = 5 * 365 * 24 * 3600
DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
EVALUATION_RATE_SCOPE = "halls:evaluations"
TOO_MANY_EVALUATIONS = gettext_lazy("Too many ratings from this network. Please try again in a few minutes.")


def _on_duty_now(hall, now):
    """The directors on duty at ``hall`` today: (shift id, name, department) for the rating form."""
    return [{"shift_id": shift.pk, "name": shift.on_duty.person.name,
             "department": selectors.department_name(shift.on_duty)}
            for shift in services.on_duty_shifts(hall=hall, now=now)]


@never_cache
@require_http_methods(["GET", "POST"])
def evaluate(request, hall_id):
    hall = get_object_or_404(ServiceHall, pk=hall_id)
    now = timezone.now()
    device = request.COOKIES.get(DEVICE_COOKIE, "")
    new_device = not DEVICE_ID.match(device)
    if new_device:
        device = secrets.token_urlsafe(24)
    on_duty = _on_duty_now(hall, now)
    context = {"hall": hall, "error": None, "on_duty": on_duty}
    status = 200
    if request.method == "POST":
        form = EvaluationForm(request.POST, on_duty=on_duty)
        if ratelimit.over_limit(request, EVALUATION_RATE_SCOPE, limit=rules.EVALUATION_RATE_LIMIT,
                                window_seconds=rules.EVALUATION_RATE_WINDOW_SECONDS):
            context["error"], status = TOO_MANY_EVALUATIONS, 429
        elif form.is_valid():
            try:
                services.evaluation_submit(hall=hall, level=form.cleaned_data["level"],
                                           comment=form.cleaned_data["comment"], device=device, now=now,
                                           shift_id=form.cleaned_data.get("shift"))
            except PolicyOpsError as exc:
                context["error"] = str(exc)
            else:
                response = render(request, "halls/evaluate_thanks.html", context)
                return _with_device(response, device, new_device)
    else:
        form = EvaluationForm(on_duty=on_duty)
    context["form"] = form
    response = render(request, "halls/evaluate.html", context, status=status)
    return _with_device(response, device, new_device)


def _with_device(response, device, new_device):
    if new_device:
        response.set_cookie(DEVICE_COOKIE, device, max_age=DEVICE_COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                            secure=False)
    return public_response(response)
