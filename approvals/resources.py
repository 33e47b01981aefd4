from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from approvals.models import ApprovalCase, DelegatedPower
from policyops.importing import (
    NaturalKeyWidget,
    SafeExportMixin,
    StrictIntegerWidget,
    StrictModelResource,
)
from policyops.models import Department


class DelegatedPowerResource(StrictModelResource):
    number = fields.Field(attribute="number", column_name="number", widget=StrictIntegerWidget())
    agency = fields.Field(attribute="agency", column_name="agency", widget=NaturalKeyWidget(Department, field="name"))

    class Meta(StrictModelResource.Meta):
        model = DelegatedPower
        fields = ("number", "agency", "name", "item", "sub_item", "remark")
        import_id_fields = ("number",)


def _label(field_name: str):
    return ApprovalCase._meta.get_field(field_name).verbose_name


def _date(field_name: str) -> fields.Field:
    """A date column: a date in the XLSX (sortable, filterable as one), ``2026-12-05`` in the CSV.
    Without its widget import-export wrote every date as text."""
    return fields.Field(attribute=field_name, column_name=_label(field_name), widget=widgets.DateWidget())


class ApprovalCaseResource(SafeExportMixin, resources.ModelResource):
    """Export only (the admin's XLSX). No contact phone: exports leave the system."""

    number = fields.Field(attribute="number", column_name=_label("number"))
    power_number = fields.Field(attribute="power__number", column_name=_("power number"),
                                widget=widgets.IntegerWidget())  # a number in the XLSX
    power = fields.Field(attribute="power__name", column_name=_label("power"))
    agency = fields.Field(attribute="power__agency__name", column_name=_("implementing agency"))
    district = fields.Field(attribute="district__name", column_name=_label("district"))
    applicant_name = fields.Field(attribute="applicant_name", column_name=_label("applicant_name"))
    applicant_type = fields.Field(attribute="applicant_type", column_name=_label("applicant_type"))
    state = fields.Field(attribute="state", column_name=_label("state"))
    handler = fields.Field(attribute="handler__name", column_name=_label("handler"))
    first_contact = fields.Field(attribute="first_contact__name", column_name=_label("first_contact"))
    received_hall = fields.Field(attribute="received_hall__name", column_name=_label("received_hall"))
    received_on = _date("received_on")
    accepted_on = _date("accepted_on")
    legal_due_on = _date("legal_due_on")
    promised_due_on = _date("promised_due_on")
    due_on = _date("due_on")
    extended = fields.Field(attribute="extended", column_name=_label("extended"))
    approved_on = _date("approved_on")
    licence_number = fields.Field(attribute="licence_number", column_name=_label("licence_number"))
    superior_decision = fields.Field(attribute="superior_decision", column_name=_label("superior_decision"))
    superior_document = fields.Field(attribute="superior_document", column_name=_label("superior_document"))

    class Meta:
        model = ApprovalCase
        fields = ("number", "power_number", "power", "agency", "district", "applicant_name", "applicant_type",
                  "state", "handler", "first_contact", "received_hall", "received_on", "accepted_on",
                  "legal_due_on", "promised_due_on", "due_on", "extended", "approved_on", "licence_number",
                  "superior_decision", "superior_document")
        export_order = fields

    def dehydrate_applicant_type(self, case):
        return self.choice_label(case, "applicant_type")

    def dehydrate_state(self, case):
        return self.choice_label(case, "state")

    def dehydrate_superior_decision(self, case):
        return self.choice_label(case, "superior_decision") if case.superior_decision else ""

    def dehydrate_extended(self, case):
        return str(_("yes")) if case.extended else ""

    def import_data(self, *args, **kwargs):
        raise NotImplementedError("Approval cases are registered through approvals.services, never imported.")
