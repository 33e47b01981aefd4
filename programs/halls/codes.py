"""The hall's rotating sign-in code: HMAC of the hall secret and the minute (like TOTP); the kiosk link."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re

from django.core import signing

from policyops.formatting import as_typed
from programs.halls import rules


def period(at: dt.datetime) -> int:
    return int(at.timestamp()) // rules.CODE_PERIOD_SECONDS


def code_for(secret: str, counter: int) -> str:
    digest = hmac.new(secret.encode(), str(counter).encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big") % (10 ** rules.CODE_DIGITS)
    return f"{number:0{rules.CODE_DIGITS}d}"


def current_code(secret: str, at: dt.datetime) -> tuple[str, dt.datetime]:
    """The code shown at ``at`` and when it changes."""
    counter = period(at)
    changes_at = dt.datetime.fromtimestamp((counter + 1) * rules.CODE_PERIOD_SECONDS, tz=at.tzinfo or dt.UTC)
    return code_for(secret, counter), changes_at


def match(secret: str, code: str, at: dt.datetime) -> int | None:
    """The period the code belongs to if it is still valid at ``at`` (its minute or the grace after).

    Read as typed: a Chinese input method in full-width mode gives １２３４５６ for 123456."""
    code = as_typed(code)
    if not re.fullmatch(rf"[0-9]{{{rules.CODE_DIGITS}}}", code):
        return None
    now = period(at)
    for counter in range(now, now - rules.CODE_GRACE_PERIODS - 1, -1):
        if hmac.compare_digest(code_for(secret, counter), code):
            return counter
    return None


# --- The kiosk link ----------------------------------------------------------------------
# The hall's screen opens /halls/kiosk/<token>/: the hall id signed with a key that includes
# the hall's own secret, so renewing the secret revokes every old kiosk link.

KIOSK_SALT = "programs.halls.kiosk"


def _kiosk_signer(hall_settings) -> signing.Signer:
    return signing.Signer(salt=f"{KIOSK_SALT}:{hall_settings.code_secret}")


def kiosk_token(hall_settings) -> str:
    return _kiosk_signer(hall_settings).sign(str(hall_settings.hall_id))


def hall_settings_for_kiosk(token: str):
    """The HallSettings whose kiosk ``token`` this is, or None for a wrong, forged or revoked one."""
    from programs.halls.models import HallSettings

    hall_id = token.partition(":")[0]
    if not re.fullmatch(r"[0-9]+", hall_id):
        return None
    hall_settings = HallSettings.objects.select_related("hall").filter(hall_id=int(hall_id)).first()
    if hall_settings is None:
        return None
    try:
        return hall_settings if _kiosk_signer(hall_settings).unsign(token) == hall_id else None
    except signing.BadSignature:
        return None
