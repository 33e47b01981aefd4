"""Cells of Excel and CSV files as people type them, read strictly and written back plainly.

Import-export widgets that are not about roads: text that is not a formula, one of a
fixed list of names, a number with its unit (programs.roads.parsing), 是/否 and yes/no, a
district by its name. The road programme's resources (programs.roads.resources) build on
them.
"""
from decimal import Decimal

from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from import_export import widgets

from policyops.importing import NaturalKeyWidget, StrictIntegerWidget
from programs.roads.parsing import parse_quantity, parse_whole, text_as_read


def plain_number(number) -> str:
    """A Decimal as plain digits without trailing zeros ("69.7", "300")."""
    if number is None:
        return ""
    return format(Decimal(number).normalize(), "f")


def cell_text(value) -> str:
    """A cell as stripped, NFKC-normalised text; integral numbers from Excel lose their ".0".

    The one reading of a text cell: the import saves it and the preview shows it.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return text_as_read(value) if isinstance(value, str) else force_str(value).strip()


class TextCellWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        # cell_text, as the preview shows the cell: what is saved is what was previewed.
        text = cell_text(value)
        if text.startswith("="):
            raise ValueError(_("“%(value)s” looks like a spreadsheet formula; write the text itself.")
                             % {"value": text[:40]})
        return text

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else force_str(value)


class ChoiceCellWidget(widgets.Widget):
    """One of the programme's Chinese names, written exactly; blank is left to the model's rules."""

    def __init__(self, values):
        super().__init__()
        self.values = list(values)

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return ""
        if text not in self.values:
            raise ValueError(_("“%(value)s” is not one of: %(choices)s.")
                             % {"value": text[:40], "choices": "、".join(self.values)})
        return text

    def render(self, value, obj=None, **kwargs):
        return value or ""


class NumberCellWidget(widgets.Widget):
    """A number, optionally followed by its unit (parsing.parse_quantity)."""

    def __init__(self, unit_kind, whole=False, positive=False):
        super().__init__()
        self.unit_kind = unit_kind
        self.whole = whole
        self.positive = positive

    def kind_for(self, row):
        return self.unit_kind

    def clean(self, value, row=None, **kwargs):
        parse = parse_whole if self.whole else parse_quantity
        number = parse(value, self.kind_for(row))
        if number is not None and self.positive and number <= 0:
            raise ValueError(_("“%(value)s”: the quantity must be greater than 0.") % {"value": cell_text(value)})
        return number

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return None if kwargs.get("force_native_type") else ""
        if kwargs.get("force_native_type"):
            return value if isinstance(value, int) else Decimal(plain_number(value))
        return plain_number(value)


class ChineseYesNoWidget(widgets.Widget):
    """是 / 否 (blank means 否)."""

    TRUE, FALSE = {"是", "yes", "true", "1", "y"}, {"否", "no", "false", "0", "n", ""}

    def clean(self, value, row=None, **kwargs):
        if value is True or value is False:
            return value
        text = cell_text(value).lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(_("“%(value)s”: write 是 or 否.") % {"value": text[:40]})

    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"


class DistrictNameWidget(NaturalKeyWidget):
    def clean(self, value, row=None, **kwargs):
        return super().clean(cell_text(value) or None, row, **kwargs)

    def get_queryset(self, value, row, *args, **kwargs):
        # With its Annex 2 targets: whether a row's district is in the programme asks nothing more.
        return super().get_queryset(value, row, *args, **kwargs).select_related("road_target")


class YesNoWidget(StrictIntegerWidget):
    """yes/no (是/否) for the width class column."""

    TRUE, FALSE = {"yes", "是", "true", "1"}, {"no", "否", "false", "0"}

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(f"“{value}”: yes / no")

    def render(self, value, obj=None, **kwargs):
        return "yes" if value else "no"
