"""django-import-export pieces shared by every import (seeds and the admin).

The stock widgets let some bad cells through silently (an unknown name in a
many-to-many column is dropped) or fail with exceptions that lose the column. These
raise ``ValueError`` with a Chinese message, which import-export files under the row
and column, so every error can be reported as file, line, column and reason.
"""
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from import_export import resources, widgets


class StrictDecimalWidget(widgets.DecimalWidget):
    """A decimal written as plain digits; "约160" or "69.7公里" are refused, never guessed."""

    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        text = force_str(value).strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("“%(value)s” is not a number.") % {"value": text}) from None
        if not number.is_finite():
            raise ValueError(_("“%(value)s” is not a number.") % {"value": text})
        return number


class StrictIntegerWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        text = force_str(value).strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("“%(value)s” is not a whole number.") % {"value": text}) from None
        if not number.is_finite() or number != number.to_integral_value():
            raise ValueError(_("“%(value)s” is not a whole number.") % {"value": text})
        return int(number)


class NaturalKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key written as the related row's name (or another unique field)."""

    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        key = force_str(value).strip()
        try:
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


class StrictModelResource(resources.ModelResource):
    """A ModelResource that validates every cell, m2m included, and the model's own rules."""

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors.update(exc.error_dict)
        for field in self.get_import_fields():
            if isinstance(field.widget, widgets.ManyToManyWidget) and field.column_name in row:
                try:
                    field.clean(row, **kwargs)
                except ValueError as exc:
                    errors[field.attribute] = [ValidationError(force_str(exc), code="invalid")]
        if errors:
            raise ValidationError(errors)

    def column_for(self, attribute: str) -> str:
        """The file's column name for a model attribute ("—" for whole-row errors)."""
        for field in self.get_import_fields():
            if field.attribute == attribute:
                return field.column_name
        return attribute if attribute and attribute != "__all__" else "—"

    def expected_columns(self) -> list[str]:
        return [f.column_name for f in self.get_import_fields()]
