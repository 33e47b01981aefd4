"""Numbers as programme managers write them in their Excel project lists.

``parse_quantity`` accepts a plain number or a number followed by its unit ("69.7公里",
"69.7 km", "8座", "300个", "12.5万元"), with full-width digits and points normalised,
and refuses approximations ("约160", "160左右", "若干") and ranges ("10-20") with a
Chinese reason. It raises ``ValueError`` so that django-import-export files the error
under the row and column of the cell.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from policyops.formatting import as_typed


def text_as_read(text: str) -> str:
    """Typed text as a list reads it: NFKC (full-width brackets, digits and letters as their
    half-width forms) and stripped. The one reading of a text cell (excel.cell_text) and of a
    saved project's name (RoadProject.name_as_read)."""
    return as_typed(text)


class UnitKind:
    KM = "km"
    BRIDGES = "bridges"
    STOPS = "stops"
    PLACES = "places"  # passing bays (处)
    MONEY_WAN = "wan"
    METRES = "m"
    CENTIMETRES = "cm"
    YEAR = "year"


# The units accepted after the number, by kind; the first is the one named in messages.
UNITS = {
    UnitKind.KM: ("公里", "km", "千米"),
    UnitKind.BRIDGES: ("座",),
    UnitKind.STOPS: ("个", "处"),
    UnitKind.PLACES: ("处", "个"),
    UnitKind.MONEY_WAN: ("万元", "万"),
    UnitKind.METRES: ("米", "m"),
    UnitKind.CENTIMETRES: ("厘米", "cm"),
    UnitKind.YEAR: ("年",),
}

# Words that make a figure an estimate. Checked before anything else.
APPROXIMATION_WORDS = ("大约", "大概", "约", "左右", "上下", "若干", "余", "多", "近", "逾", "超过", "不足",
                       "不到", "以上", "以下", "以内", "待定", "不详", "未知", "≈", "?", "？", "…", "估")
RANGE = re.compile(r"\d\s*(?:-|~|—|–|－|−|至|到)\s*\d")
NUMBER = re.compile(r"(?P<sign>[+-]?)(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?(?P<unit>.*)")
MAX_DIGITS = 15


def normalise(text: str) -> str:
    """Full-width digits, letters, points and spaces to their ASCII forms; outer spaces removed."""
    text = as_typed(text)
    # A Chinese input method writes "69。7" for 69.7.
    return re.sub(r"(?<=\d)。(?=\d)", ".", text)


def _from_cell(value) -> Decimal | str | None:
    """A spreadsheet cell as a Decimal (numeric cells) or text; None when empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"“{value}”不是数字。")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"“{value}”不是数字。")
        return Decimal(repr(value))  # the shortest text of the float, as Excel shows it
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"“{value}”不是数字。")
        return value
    text = normalise(str(value))
    return text or None


def parse_quantity(text, unit_kind: str) -> Decimal | None:
    """The number in ``text``, optionally followed by a unit of ``unit_kind``; None if empty.

    Raises ValueError (in Chinese, naming the value) for approximations, ranges, negative
    numbers, other units and anything that is not one exact number.
    """
    if unit_kind not in UNITS:
        raise KeyError(unit_kind)
    value = _from_cell(text)
    if value is None:
        return None
    if isinstance(value, Decimal):
        number = value
    else:
        number = _parse_text(value, unit_kind)
    if number < 0:
        raise ValueError(f"“{_shown(text)}”是负数，请填写不小于0的数字。")
    return number


def _shown(value) -> str:
    text = str(value).strip()
    return text if len(text) <= 40 else text[:40] + "…"


def _parse_text(text: str, unit_kind: str) -> Decimal:
    shown = _shown(text)
    compact = re.sub(r"\s+", "", text)
    if any(word in compact for word in APPROXIMATION_WORDS) or compact.startswith("~"):
        raise ValueError(f"“{shown}”是估计值，请填写确切的数字（不写“约”“左右”“若干”等）。")
    if RANGE.search(text):
        raise ValueError(f"“{shown}”是一个范围，请填写一个确切的数字。")
    match = NUMBER.fullmatch(text)
    if not match:
        raise ValueError(f"“{shown}”不是数字，请填写数字，如 {_example(unit_kind)}。")
    digits = match["int"].replace(",", "") + (f".{match['frac']}" if match["frac"] else "")
    if len(digits.replace(".", "").lstrip("0")) > MAX_DIGITS:
        raise ValueError(f"“{shown}”数字过长。")
    unit = match["unit"].strip()
    accepted = UNITS[unit_kind]
    if unit and unit.lower() not in accepted:
        if unit_kind == UnitKind.MONEY_WAN and unit in ("元", "亿元", "亿", "千元"):
            raise ValueError(f"“{shown}”：金额请以万元填写。")
        raise ValueError(f"“{shown}”：单位应为{'或'.join(accepted)}。")
    try:
        number = Decimal(digits)
    except InvalidOperation:  # pragma: no cover - the pattern admits digits only
        raise ValueError(f"“{shown}”不是数字。") from None
    return -number if match["sign"] == "-" else number


def _example(unit_kind: str) -> str:
    return f"12.5 或 12.5{UNITS[unit_kind][0]}" if unit_kind != UnitKind.YEAR else "2019"


def parse_whole(text, unit_kind: str) -> int | None:
    """A whole number (a count or a year), with the same rules as ``parse_quantity``."""
    number = parse_quantity(text, unit_kind)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValueError(f"“{_shown(text)}”应为整数。")
    return int(number)
