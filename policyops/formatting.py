"""Numbers as pages and charts show them: shares as percentages, quantities without trailing zeros.

One place for the formatting every face uses, so a briefing, a dashboard and a chart
print the same figure the same way. ``None`` (no figure: nothing due, no target) is
shown as ``empty``.
"""
from __future__ import annotations

import html
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

EMPTY = "—"


def as_typed(text: str | None) -> str:
    """What a person typed, read as it is written: full-width letters, digits and signs (a Chinese
    input method's １３８, ＰＤ－２０２６) as their ASCII forms (NFKC), the spaces around it removed."""
    return unicodedata.normalize("NFKC", text or "").strip()


def _decimal(value) -> Decimal:
    # A float goes through its shortest repr: Decimal(0.1) would carry the binary error along.
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)


def percent(share, *, places: int = 1, empty: str = EMPTY) -> str:
    """A share as a percentage: 0.667 → "66.7%" (``places`` decimals, rounded half up: 四舍五入)."""
    if share is None:
        return empty
    return f"{(_decimal(share) * 100).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)}%"


def number(value, *, places: int = 2, empty: str = EMPTY) -> str:
    """A quantity with at most ``places`` decimals and no trailing zeros: 69.70 → "69.7", 200 → "200"."""
    if value is None:
        return empty
    text = f"{_decimal(value):.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def ratio(value) -> float | None:
    """A share as a plain float (for charts and spreadsheets), or None."""
    return None if value is None else float(value)


def whole_percent(share) -> int | None:
    """A share as whole percent points, cut toward zero, for bar widths: 0.667 → 66 (None stays None)."""
    return None if share is None else int(share * 100)


def escaped(value) -> str:
    """``value`` as text escaped for HTML: django.utils.html.escape's own work (``html.escape``
    of the text), without its wrapper for lazy strings, which costs more than the escaping on
    rows written in Python (issue 12). Give it plain values; a lazy label is made str first."""
    return html.escape(str(value))


def escaped_unless_safe(value) -> str:
    """As django.utils.html.conditional_escape: HTML marked safe (``__html__``) as it is,
    anything else ``escaped`` — without the wrapper for lazy strings."""
    return value.__html__() if hasattr(value, "__html__") else escaped(value)


def iso_day(value, empty: str = EMPTY) -> str:
    """A date as the pages' ``|date:"Y-m-d"`` writes it (2026-12-04), or ``empty``."""
    return value.isoformat() if value else empty
