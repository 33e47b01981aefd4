"""The hall's screen: the sign-in code of this minute, behind the hall's signed kiosk token."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from policyops import ratelimit
from programs.halls import codes, selectors
from programs.halls.views.common import public_response, qr_svg

KIOSK_REFRESH_SECONDS = 5
# Per client in the shared cache: a screen reloads every KIOSK_REFRESH_SECONDS (120 times
# in 10 minutes), a hall may run a few behind one address; a flood is far more.
KIOSK_LIMIT = 600
KIOSK_WINDOW_SECONDS = 10 * 60


@never_cache
@require_GET
@ratelimit.per_client("halls:kiosk", limit=KIOSK_LIMIT, window_seconds=KIOSK_WINDOW_SECONDS)
def kiosk(request, token):
    """The code of this minute, big and as a QR code for the director's phone."""
    hall_settings = codes.hall_settings_for_kiosk(token)
    if hall_settings is None:
        raise Http404
    now = timezone.now()
    shorten_session(request, now=now)
    today = timezone.localdate()
    code, changes_at = codes.current_code(hall_settings.code_secret, now)
    sign_url = request.build_absolute_uri(reverse("halls:sign")) + "?" + urlencode(
        {"hall": hall_settings.hall_id, "code": code})
    seconds_left = max(1, int((changes_at - now).total_seconds()) + 1)
    hall = hall_settings.hall
    # A training hall has every director on its practice rota: no names on its screen.
    on_duty = [] if hall.is_training else [
        row for row in selectors.public_rota(hall, today.replace(day=1)) if row.date == today]
    response = render(request, "halls/kiosk.html", {
        "hall": hall, "code": code, "changes_at": timezone.localtime(changes_at),
        "refresh": min(KIOSK_REFRESH_SECONDS, seconds_left), "qr": qr_svg(sign_url), "on_duty": on_duty,
        "now": timezone.localtime(now)})
    response["X-Robots-Tag"] = "noindex, nofollow"
    return public_response(response, referrer_policy="no-referrer")


def shorten_session(request, *, now) -> None:
    """A session in the browser of a hall's screen ends KIOSK_SESSION_SECONDS after it first shows it.

    The screen needs no login, but whoever opened its link from the admin was logged in, and
    the browser then stays on in a public hall for days. Later refreshes keep the first limit.
    """
    if not request.user.is_authenticated:
        return
    limit = now + dt.timedelta(seconds=settings.KIOSK_SESSION_SECONDS)
    if request.session.get_expiry_date(modification=now) > limit:  # pragma: no mutate (equal: it would set the same)
        request.session.set_expiry(limit)
