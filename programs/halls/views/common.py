"""What the hall-duty pages share."""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

from django.http import Http404
from django.utils.safestring import mark_safe

from policyops.months import first_of_month


def month_or_404(year: int, month: int) -> dt.date:
    try:
        return first_of_month(year, month)
    except ValueError:
        raise Http404 from None


def public_response(response, *, referrer_policy: str = "same-origin"):
    """A page anyone may open: its address never leaves for another site.

    ``same-origin``, not ``no-referrer``, for pages with forms: under ``no-referrer``
    Chromium posts the page's own forms with ``Origin: null``, which Django's CSRF check
    refuses (the public rating failed). The kiosk, which posts nothing and whose address
    holds a signed token, sends no referrer at all.
    """
    response["Referrer-Policy"] = referrer_policy
    return response


def qr_svg(data: str) -> str:
    """The QR code of ``data`` as inline SVG; empty if the qrcode package is missing."""
    try:
        import qrcode
        import qrcode.image.svg
    except ImportError:  # pragma: no cover - the dependency is pinned in pyproject.toml
        return ""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage,
                        border=2)  # pragma: no mutate (the quiet zone's width: a look, scanned alike)
    return mark_safe(image.to_string(encoding="unicode"))  # generated markup, no user text in it


UNSAFE_IN_FILE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def download(response, *, name: str, fallback: str):
    """Name the attachment ``name`` (Chinese) with the ASCII ``fallback`` for older clients.

    RFC 6266 / RFC 5987: ``filename="<ascii>"; filename*=UTF-8''<percent-encoded>``; the
    extension of ``fallback`` is added to ``name``.
    """
    extension = fallback[fallback.rfind("."):] if "." in fallback else ""
    wanted = UNSAFE_IN_FILE_NAME.sub("-", name).strip() + extension
    response["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(wanted)}"
    return response
