"""Cell widgets of PolicyOps Resources: strict numbers, dates, booleans and natural keys.

Each raises ``ValueError`` with a message the user reads; import-export files it under the
row and the column.
"""
from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal, InvalidOperation

from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from import_export import widgets


def _plain_number(value, message: str, *, whole: bool = False) -> Decimal:
    """A cell written as plain digits, as a finite Decimal (an integral one if ``whole``);
    otherwise ValueError(``message`` with the cell's text as ``%(value)s``)."""
    text = force_str(value).strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or (whole and number != number.to_integral_value()):
        raise ValueError(message % {"value": text})
    return number


class StrictDecimalWidget(widgets.DecimalWidget):
    """A decimal written as plain digits; "约160" or "69.7公里" are refused, never guessed."""

    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        return _plain_number(value, _("“%(value)s” is not a number."))


class StrictIntegerWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        return int(_plain_number(value, _("“%(value)s” is not a whole number."), whole=True))


class IsoDateWidget(widgets.DateWidget):
    """A date written YYYY-MM-DD (or a date cell of a workbook); the message names the value."""

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = force_str(value).strip() if value is not None else ""
        if not text:
            return None
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": text}) from None


class StrictBooleanWidget(widgets.BooleanWidget):
    """1/0, true/false, 是/否; anything else is refused rather than read as false."""

    TRUE_TEXT = {"1", "true", "是", "y", "yes"}
    FALSE_TEXT = {"0", "false", "否", "n", "no"}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = force_str(value).strip().lower() if value is not None else ""
        if not text:
            return None
        if text in self.TRUE_TEXT:
            return True
        if text in self.FALSE_TEXT:
            return False
        raise ValueError(_("“%(value)s” is not one of 1/0, true/false, 是/否.") % {"value": force_str(value).strip()})


_AMBIGUOUS = object()


class NaturalKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key written as the related row's name (or another unique field).

    ``preloaded()`` is the same widget reading its rows once, for a bulk import: every
    cell is then a dictionary look-up, with the same message for a name that is not there.
    """

    def __init__(self, model, field="pk", *args, **kwargs):
        super().__init__(model, field, *args, **kwargs)
        self.known = None  # {key: row} once preloaded

    def preloaded(self, queryset=None):
        widget = copy.copy(self)
        widget.known = {}
        for row in queryset if queryset is not None else self.get_queryset(None, None):
            key = force_str(getattr(row, self.field))
            # Two rows of one key: the query would have found both (MultipleObjectsReturned).
            widget.known[key] = _AMBIGUOUS if key in widget.known else row
        return widget

    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        key = force_str(value).strip()
        try:
            if self.known is not None:
                found = self.known.get(key)
                if found is None:
                    raise self.model.DoesNotExist
                if found is _AMBIGUOUS:
                    raise self.model.MultipleObjectsReturned(key)
                return found
            return self.get_queryset(value, row, **kwargs).get(**{self.field: key})
        except self.model.DoesNotExist:
            raise ValueError(_("No %(model)s named “%(value)s”.")
                             % {"model": self.model._meta.verbose_name, "value": key}) from None

    @staticmethod
    def is_empty(value):
        return value is None or force_str(value).strip() == ""


class NaturalKeysWidget(widgets.ManyToManyWidget):
    """A many-to-many column of names joined by "、"; every name must exist."""

    def __init__(self, model, field="name", separator="、", **kwargs):
        super().__init__(model, separator=separator, field=field, **kwargs)

    def clean(self, value, row=None, **kwargs):
        if not value or not force_str(value).strip():
            return self.model.objects.none()
        keys = [k.strip() for k in force_str(value).split(self.separator) if k.strip()]
        found = self.model.objects.filter(**{f"{self.field}__in": keys})
        missing = sorted(set(keys) - {getattr(obj, self.field) for obj in found})
        if missing:
            raise ValueError(_("No %(model)s named “%(value)s”.")
                             % {"model": self.model._meta.verbose_name, "value": "、".join(missing)})
        return found
