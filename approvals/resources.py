from import_export import fields

from policyops.importing import NaturalKeyWidget, StrictIntegerWidget, StrictModelResource
from policyops.models import Department

from approvals.models import DelegatedPower


class DelegatedPowerResource(StrictModelResource):
    number = fields.Field(attribute="number", column_name="number", widget=StrictIntegerWidget())
    agency = fields.Field(attribute="agency", column_name="agency", widget=NaturalKeyWidget(Department, field="name"))

    class Meta(StrictModelResource.Meta):
        model = DelegatedPower
        fields = ("number", "agency", "name", "item", "sub_item", "remark")
        import_id_fields = ("number",)
