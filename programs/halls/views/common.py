"""What the hall-duty pages share."""
from __future__ import annotations

import datetime as dt

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
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return mark_safe(image.to_string(encoding="unicode"))  # generated markup, no user text in it
