"""Import/export formats of the policyops tables (seeds and admin, CSV and XLSX).

Every import of these runs through ``policyops.importing.import_table``; a Resource whose
rows other data depends on declares the service hook to run after a saved import
(``after_saved``), e.g. the calendar's.
"""
from django.core.exceptions import ValidationError
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from import_export import fields, widgets

from policyops import calendar
from policyops.importing import (
    IsoDateWidget,
    NaturalKeysWidget,
    NaturalKeyWidget,
    StrictBooleanWidget,
    StrictDecimalWidget,
    StrictIntegerWidget,
    StrictModelResource,
)
from policyops.models import (
    CalendarOverride,
    Department,
    District,
    Indicator,
    IndicatorReading,
    PolicyDocument,
    PolicyTask,
    ServiceHall,
)


class PolicyDocumentKeyWidget(NaturalKeyWidget):
    """A document named by its number (文号), or by its title when it has none."""

    def __init__(self, **kwargs):
        super().__init__(PolicyDocument, field="number", **kwargs)

    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        key = str(value).strip()
        doc = PolicyDocument.objects.filter(number=key).first() or PolicyDocument.objects.filter(title=key).first()
        if doc is None:
            return super().clean(value, row, **kwargs)  # raises the "no such" message
        return doc

    def render(self, value, obj=None, **kwargs):
        return value.key if value else ""


class DistrictResource(StrictModelResource):
    position = fields.Field(attribute="position", column_name="position", widget=StrictIntegerWidget())

    class Meta(StrictModelResource.Meta):
        model = District
        fields = ("name", "position", "source")
        import_id_fields = ("name",)


class DepartmentResource(StrictModelResource):
    district = fields.Field(attribute="district", column_name="district",
                            widget=NaturalKeyWidget(District, field="name"))

    class Meta(StrictModelResource.Meta):
        model = Department
        fields = ("name", "district", "kind", "source")
        import_id_fields = ("name",)


class ServiceHallResource(StrictModelResource):
    district = fields.Field(attribute="district", column_name="district",
                            widget=NaturalKeyWidget(District, field="name"))
    parent = fields.Field(attribute="parent", column_name="parent", widget=NaturalKeyWidget(ServiceHall, field="name"))

    class Meta(StrictModelResource.Meta):
        model = ServiceHall
        fields = ("name", "kind", "district", "parent", "source")
        import_id_fields = ("name",)


class PolicyDocumentResource(StrictModelResource):
    class Meta(StrictModelResource.Meta):
        model = PolicyDocument
        fields = ("number", "title", "issuer", "issued_on", "published_on", "effective_on", "source")
        import_id_fields = ("title",)


class IndicatorResource(StrictModelResource):
    document = fields.Field(attribute="document", column_name="document", widget=PolicyDocumentKeyWidget())
    # Empty for a city-wide target; a district's name for a district's own (002:1796–1808).
    district = fields.Field(attribute="district", column_name="district",
                            widget=NaturalKeyWidget(District, field="name"))
    baseline_year = fields.Field(attribute="baseline_year", column_name="baseline_year", widget=StrictIntegerWidget())
    baseline_value = fields.Field(attribute="baseline_value", column_name="baseline_value",
                                  widget=StrictDecimalWidget())
    target_year = fields.Field(attribute="target_year", column_name="target_year", widget=StrictIntegerWidget())
    target_value = fields.Field(attribute="target_value", column_name="target_value", widget=StrictDecimalWidget())

    class Meta(StrictModelResource.Meta):
        model = Indicator
        fields = ("document", "district", "name", "unit", "baseline_year", "baseline_value", "target_year",
                  "comparator", "target_value", "attribute")
        import_id_fields = ("document", "name", "district", "target_year")


class IndicatorKeyWidget(NaturalKeyWidget):
    """An indicator named as it is unique: its name, and where the row has them, its document,
    district (blank: city-wide) and target year. A name alone is shared by the districts' own
    targets (002:1796–1808) and by a target set for two years (002:368): a reading of one of
    those by its name was refused as ambiguous, and the readings' own export could not be
    imported back (its rows' keys repeated)."""

    def __init__(self, **kwargs):
        super().__init__(Indicator, field="name", **kwargs)

    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        name, row = force_str(value).strip(), row or {}
        found = list(Indicator.objects.filter(name=name).select_related("document", "district"))
        if "document" in row and not self.is_empty(row["document"]):
            document = force_str(row["document"]).strip()
            found = [i for i in found if i.document.is_named(document)]
        if "district" in row:
            district = "" if self.is_empty(row["district"]) else force_str(row["district"]).strip()
            found = [i for i in found if (i.district.name if i.district else "") == district]
        if "target_year" in row and not self.is_empty(row["target_year"]):
            year = StrictIntegerWidget().clean(row["target_year"])
            found = [i for i in found if i.target_year == year]
        if len(found) == 1:
            return found[0]
        if not found:
            raise ValueError(_("No indicator “%(name)s” of this document, district and target year.") % {"name": name})
        raise ValueError(_("“%(name)s” names %(count)s indicators: fill in the columns document, district and "
                           "target_year to say which.") % {"name": name, "count": len(found)})


class IndicatorReadingResource(StrictModelResource):
    """Readings: for the admin (supervisors and managers keep them in spreadsheets). Each names
    its indicator by the indicator's own key (``IndicatorKeyWidget``); a file may leave out the
    document, district and target year of an indicator whose name is its own."""

    document = fields.Field(attribute="indicator__document", column_name="document",
                            widget=PolicyDocumentKeyWidget(), readonly=True)
    indicator = fields.Field(attribute="indicator", column_name="indicator", widget=IndicatorKeyWidget())
    district = fields.Field(attribute="indicator__district", column_name="district",
                            widget=NaturalKeyWidget(District, field="name"), readonly=True)
    target_year = fields.Field(attribute="indicator__target_year", column_name="target_year",
                               widget=StrictIntegerWidget(), readonly=True)
    value = fields.Field(attribute="value", column_name="value", widget=StrictDecimalWidget())

    class Meta(StrictModelResource.Meta):
        model = IndicatorReading
        fields = ("document", "indicator", "district", "target_year", "period_end", "value", "source")
        import_id_fields = ("indicator", "period_end")

    # Export-only columns the indicator's widget reads from each row (policyops.importing).
    import_context_columns = ("document", "district", "target_year")

    def key_columns(self):
        # Two readings of one period may share an indicator's name (the districts' own targets).
        return ["document", "indicator", "district", "target_year", "period_end"]


class PolicyTaskResource(StrictModelResource):
    """Task items. The state is neither imported nor exported: it changes only through the
    task's steps (policyops.actions)."""

    document = fields.Field(attribute="document", column_name="document", widget=PolicyDocumentKeyWidget())
    lead_unit = fields.Field(attribute="lead_unit", column_name="lead_unit",
                             widget=NaturalKeyWidget(Department, field="name"))
    cooperating_units = fields.Field(attribute="cooperating_units", column_name="cooperating_units",
                                     widget=NaturalKeysWidget(Department))
    source = fields.Field(attribute="source", column_name="source_line")
    # 1 where the item names no date and the deadline is the plan period's end (002:1616 明确完成时限).
    deadline_from_plan_period = fields.Field(attribute="deadline_from_plan_period",
                                             column_name="deadline_from_plan_period", widget=StrictBooleanWidget())

    class Meta(StrictModelResource.Meta):
        model = PolicyTask
        fields = ("document", "number", "text", "lead_unit", "cooperating_units", "deadline",
                  "deadline_from_plan_period", "source")
        import_id_fields = ("source",)


def _calendar_changed(dates) -> None:
    calendar.overrides_changed(dates)


class CalendarOverrideResource(StrictModelResource):
    """Single calendar dates (the admin's 日历调整). A saved import recomputes the deadlines."""

    date = fields.Field(attribute="date", column_name="date", widget=IsoDateWidget())
    is_working_day = fields.Field(attribute="is_working_day", column_name="is_working_day",
                                  widget=StrictBooleanWidget())
    official = fields.Field(attribute="official", column_name="official", widget=StrictBooleanWidget())

    class Meta(StrictModelResource.Meta):
        model = CalendarOverride
        fields = ("date", "is_working_day", "name", "official", "note")
        import_id_fields = ("date",)

    def check_instance(self, instance, row, errors, **kwargs):
        if instance.is_working_day is None and "is_working_day" not in errors:
            errors["is_working_day"] = [ValidationError(_("Say whether the date is a working day (1) or a holiday "
                                                          "(0)."), code="required")]
        if instance.official is None:
            instance.official = False

    def after_saved(self, report) -> None:
        _calendar_changed({obj.date for obj in report.changed_instances()})


class DayTypeWidget(widgets.Widget):
    """休 (a holiday) or 班 (an adjusted working day), as the State Council's notice lists them."""

    TYPES = {"休": False, "holiday": False, "班": True, "workday": True}

    def clean(self, value, row=None, **kwargs):
        text = force_str(value).strip() if value is not None else ""
        if text not in self.TYPES:
            raise ValueError(_("“%(value)s” must be 休 or 班.") % {"value": text})
        return self.TYPES[text]

    def render(self, value, obj=None, **kwargs):
        return "班" if value else "休"


class OfficialCalendarResource(StrictModelResource):
    """A year's official calendar file: ``date,type,name`` (type 休 or 班), dates of ``year`` only.

    Every row becomes an official override with the notice as its note. The service that
    imports it (services.calendar_import_official_year) replaces the year's official dates
    and runs the calendar hook once, with the dates that changed.
    """

    date = fields.Field(attribute="date", column_name="date", widget=IsoDateWidget())
    day_type = fields.Field(attribute="is_working_day", column_name="type", widget=DayTypeWidget())
    name = fields.Field(attribute="name", column_name="name")

    class Meta(StrictModelResource.Meta):
        model = CalendarOverride
        fields = ("date", "day_type", "name")
        import_id_fields = ("date",)
        skip_unchanged = False

    def __init__(self, *, year: int, notice: str = "", **kwargs):
        super().__init__(**kwargs)
        self.year = year
        self.notice = notice
        self._seen: set = set()

    def check_instance(self, instance, row, errors, **kwargs):
        day = instance.date
        if day is not None and "date" not in errors:
            if day.year != self.year:
                errors["date"] = [ValidationError(_("%(value)s is not in %(year)s.")
                                                  % {"value": day.isoformat(), "year": self.year}, code="invalid")]
            elif day in self._seen:
                errors["date"] = [ValidationError(_("%(value)s appears twice.") % {"value": day.isoformat()},
                                                  code="duplicate")]
            self._seen.add(day)
        elif day is None and "date" not in errors:
            errors["date"] = [ValidationError(_("the date is missing."), code="required")]
        instance.name = (instance.name or "").strip()[:50]
        instance.official = True
        instance.note = self.notice[:200]
