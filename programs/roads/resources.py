from import_export import fields

from policyops.importing import NaturalKeyWidget, StrictDecimalWidget, StrictIntegerWidget, StrictModelResource
from policyops.models import District

from programs.roads.models import RoadTarget

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
