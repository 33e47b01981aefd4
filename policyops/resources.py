"""Import/export formats of the policyops tables (seeds and admin, CSV and XLSX)."""
from import_export import fields

from policyops.importing import (
    NaturalKeysWidget,
    NaturalKeyWidget,
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
    baseline_year = fields.Field(attribute="baseline_year", column_name="baseline_year", widget=StrictIntegerWidget())
    baseline_value = fields.Field(attribute="baseline_value", column_name="baseline_value",
                                  widget=StrictDecimalWidget())
    target_year = fields.Field(attribute="target_year", column_name="target_year", widget=StrictIntegerWidget())
    target_value = fields.Field(attribute="target_value", column_name="target_value", widget=StrictDecimalWidget())

    class Meta(StrictModelResource.Meta):
        model = Indicator
        fields = ("document", "name", "unit", "baseline_year", "baseline_value", "target_year", "comparator",
                  "target_value", "attribute")
        import_id_fields = ("document", "name")


class IndicatorReadingResource(StrictModelResource):
    """Readings: for the admin (supervisors and managers keep them in spreadsheets)."""

    indicator = fields.Field(attribute="indicator", column_name="indicator",
                             widget=NaturalKeyWidget(Indicator, field="name"))
    value = fields.Field(attribute="value", column_name="value", widget=StrictDecimalWidget())

    class Meta(StrictModelResource.Meta):
        model = IndicatorReading
        fields = ("indicator", "period_end", "value", "source")
        import_id_fields = ("indicator", "period_end")


class PolicyTaskResource(StrictModelResource):
    """Task items. The status column is never imported: states change only by services."""

    document = fields.Field(attribute="document", column_name="document", widget=PolicyDocumentKeyWidget())
    lead_unit = fields.Field(attribute="lead_unit", column_name="lead_unit",
                             widget=NaturalKeyWidget(Department, field="name"))
    cooperating_units = fields.Field(attribute="cooperating_units", column_name="cooperating_units",
                                     widget=NaturalKeysWidget(Department))
    source = fields.Field(attribute="source", column_name="source_line")

    class Meta(StrictModelResource.Meta):
        model = PolicyTask
        fields = ("document", "number", "text", "lead_unit", "cooperating_units", "deadline", "source")
        import_id_fields = ("source",)


class CalendarOverrideResource(StrictModelResource):
    class Meta(StrictModelResource.Meta):
        model = CalendarOverride
        fields = ("date", "is_working_day", "name", "official", "note")
        import_id_fields = ("date",)
