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


def public_response(response):
    """A page anyone may open (and the kiosk): it sends no referrer along its links."""
    response["Referrer-Policy"] = "no-referrer"
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
