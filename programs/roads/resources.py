from import_export import fields

from policyops.importing import (
    NaturalKeyWidget,
    StrictDecimalWidget,
    StrictIntegerWidget,
    StrictModelResource,
)
from policyops.models import District
from programs.roads.models import ProgrammePhase, RoadTarget, SubsidyParameter, SubsidyRate

KM_COLUMNS = ("upgrade_km", "village_access_km", "pavement_total_km", "major_medium_km", "preventive_km")
COUNT_COLUMNS = ("dangerous_bridges", "bus_stops")


class RoadTargetResource(StrictModelResource):
    district = fields.Field(attribute="district", column_name="district",
                            widget=NaturalKeyWidget(District, field="name"))

    class Meta(StrictModelResource.Meta):
        model = RoadTarget
        fields = ("district", *KM_COLUMNS, *COUNT_COLUMNS)
        import_id_fields = ("district",)

    @classmethod
    def widget_from_django_field(cls, f, default=None):
        if f.name in KM_COLUMNS:
            return StrictDecimalWidget
        if f.name in COUNT_COLUMNS:
            return StrictIntegerWidget
        return super().widget_from_django_field(f, default)


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


class SubsidyRateResource(StrictModelResource):
    wide = fields.Field(attribute="wide", column_name="wide", widget=YesNoWidget())
    rate_wan_per_km = fields.Field(attribute="rate_wan_per_km", column_name="rate_wan_per_km",
                                   widget=StrictDecimalWidget())

    class Meta(StrictModelResource.Meta):
        model = SubsidyRate
        fields = ("work_type", "wide", "district_group", "rate_wan_per_km", "source")
        import_id_fields = ("work_type", "wide", "district_group")


class SubsidyParameterResource(StrictModelResource):
    value = fields.Field(attribute="value", column_name="value", widget=StrictDecimalWidget())

    class Meta(StrictModelResource.Meta):
        model = SubsidyParameter
        fields = ("key", "value", "text", "source")
        import_id_fields = ("key",)


class ProgrammePhaseResource(StrictModelResource):
    number = fields.Field(attribute="number", column_name="number", widget=StrictIntegerWidget())
    completion_share = fields.Field(attribute="completion_share", column_name="completion_share",
                                    widget=StrictDecimalWidget())

    class Meta(StrictModelResource.Meta):
        model = ProgrammePhase
        fields = ("number", "name", "starts_on", "ends_on", "completion_share", "source")
        import_id_fields = ("number",)
