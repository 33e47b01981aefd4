"""Import-export resources of the road programme: the seeded tables and the project lists.

The seeded tables (targets, phases, subsidy rates and parameters) are read by
``load_seeds`` and the admin's import/export. Project lists are the lists programme
managers keep in Excel (see ``RoadProjectResource``), imported through the one pipeline
(policyops.importing.import_table) by the project list page (programs.roads.project_lists)
and the admin; the generic cell widgets are in programs.roads.excel.
"""
from decimal import Decimal

from django.core.exceptions import MultipleObjectsReturned, ValidationError
from django.utils.translation import gettext as _
from import_export import fields
from import_export.results import RowResult

from policyops import audit
from policyops.importing import (
    NaturalKeyWidget,
    StrictDecimalWidget,
    StrictIntegerWidget,
    StrictModelResource,
)
from policyops.models import District
from policyops.scoping import may_touch_district
from programs.roads.excel import (
    ChineseYesNoWidget,
    ChoiceCellWidget,
    DistrictNameWidget,
    NumberCellWidget,
    TextCellWidget,
    YesNoWidget,
    cell_text,
)
from programs.roads.models import ProgrammePhase, RoadProject, RoadTarget, SubsidyParameter, SubsidyRate
from programs.roads.parsing import UnitKind, normalise
from programs.roads.rules import BaseLayer, Surface, WorkType

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


# --- Road projects: the project lists programme managers keep in Excel ----------------------
#
# One fixed list of columns for import and export (CSV and XLSX). Numbers may carry their
# unit ("69.7公里", "8座", "12.5万元"); approximations and ranges are refused (parsing.py).
# Natural key: (district, name, plan year). Imports are all-or-nothing; new projects are
# created through services.project_create (with their four milestone rows); the state is
# never imported, and past planning the facts RoadProject.frozen_facts names are not changed.

PROJECT_COLUMNS = {
    "district": "区(市)",
    "town": "镇(街道)",
    "name": "项目名称",
    "work_type": "建设类型",
    "quantity": "建设规模(公里/座/个)",
    "pavement_width_m": "路面宽度(米)",
    "surface": "路面类型",
    "surface_thickness_cm": "面层厚度(厘米)",
    "base_layer": "基层类型",
    "passing_bays": "错车平台(处)",
    "poverty_km": "贫困村薄弱村里程(公里)",
    "estimate_wan": "概算投资(万元)",
    "plan_year": "计划年度",
    "excess": "超年度任务(是/否)",
    "bus_bays": "港湾车站(处)",
    "bus_shelters": "候车亭(个)",
    "bus_signs": "站牌(个)",
    "responsible_unit": "责任单位",
    "contact": "联系人",
}
# Written on export, ignored on import (the state moves only through the services).
PROJECT_EXPORT_ONLY_COLUMNS = {
    "state": "项目状态",
    "subsidy_quote": "市级补助测算(万元)",
}
PROGRAMME_YEARS = (2018, 2019, 2020)


class QuantityCellWidget(NumberCellWidget):
    """km for roads; the count (座, 个) for dangerous bridges and passenger stops."""

    def __init__(self):
        super().__init__(UnitKind.KM, positive=True)

    def kind_for(self, row):
        work_type = cell_text((row or {}).get(PROJECT_COLUMNS["work_type"]))
        return {WorkType.BRIDGE: UnitKind.BRIDGES, WorkType.BUS_STOP: UnitKind.STOPS}.get(work_type, UnitKind.KM)


def _f(attribute, widget, **kwargs):
    return fields.Field(attribute=attribute, column_name=PROJECT_COLUMNS[attribute], widget=widget, **kwargs)


class RoadProjectResource(StrictModelResource):
    district = _f("district", DistrictNameWidget(District, field="name"))
    town = _f("town", TextCellWidget())
    name = _f("name", TextCellWidget())
    work_type = _f("work_type", ChoiceCellWidget(WorkType.VALUES))
    quantity = _f("quantity", QuantityCellWidget())
    pavement_width_m = _f("pavement_width_m", NumberCellWidget(UnitKind.METRES))
    surface = _f("surface", ChoiceCellWidget([v for v, _label in Surface.CHOICES]))
    surface_thickness_cm = _f("surface_thickness_cm", NumberCellWidget(UnitKind.CENTIMETRES))
    base_layer = _f("base_layer", ChoiceCellWidget([v for v, _label in BaseLayer.CHOICES]))
    passing_bays = _f("passing_bays", NumberCellWidget(UnitKind.PLACES, whole=True), default=0)
    poverty_km = _f("poverty_km", NumberCellWidget(UnitKind.KM), default=Decimal(0))
    estimate_wan = _f("estimate_wan", NumberCellWidget(UnitKind.MONEY_WAN))
    plan_year = _f("plan_year", NumberCellWidget(UnitKind.YEAR, whole=True))
    excess = _f("excess", ChineseYesNoWidget())
    # 002:499: a passenger-stop project's bus facilities (optional columns: older lists lack them).
    bus_bays = _f("bus_bays", NumberCellWidget(UnitKind.STOPS, whole=True), default=0)
    bus_shelters = _f("bus_shelters", NumberCellWidget(UnitKind.STOPS, whole=True), default=0)
    bus_signs = _f("bus_signs", NumberCellWidget(UnitKind.STOPS, whole=True), default=0)
    responsible_unit = _f("responsible_unit", TextCellWidget())
    contact = _f("contact", TextCellWidget())
    state = fields.Field(attribute="state", column_name=PROJECT_EXPORT_ONLY_COLUMNS["state"], readonly=True)
    subsidy_quote = fields.Field(column_name=PROJECT_EXPORT_ONLY_COLUMNS["subsidy_quote"], readonly=True,
                                 widget=NumberCellWidget(UnitKind.MONEY_WAN))

    class Meta(StrictModelResource.Meta):
        model = RoadProject
        fields = (*PROJECT_COLUMNS, *PROJECT_EXPORT_ONLY_COLUMNS)
        export_order = (*PROJECT_COLUMNS, *PROJECT_EXPORT_ONLY_COLUMNS)
        import_id_fields = ("district", "name", "plan_year")
        store_row_values = True  # the preview lists each row's cells as written

    import_optional_columns = (PROJECT_COLUMNS["bus_bays"], PROJECT_COLUMNS["bus_shelters"],
                               PROJECT_COLUMNS["bus_signs"])

    def __init__(self, user=None, line_numbers=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.line_numbers = list(line_numbers) if line_numbers is not None else None
        self.quoter = None
        self._duplicates: dict[int, int] = {}
        self._ambiguous: set[tuple] = set()

    # --- import (through policyops.importing.import_table: all-or-nothing) ----------------------

    @staticmethod
    def normalise_header(cell) -> str:
        """A header cell as a column name: full-width brackets and digits as Excel users type them."""
        return normalise(cell_text(cell))

    def line_of(self, row_number: int) -> int:
        """The row's line in the file (the header is line 1)."""
        if self.line_numbers and 0 < row_number <= len(self.line_numbers):
            return self.line_numbers[row_number - 1]
        return row_number + 1

    def before_import(self, dataset, **kwargs):
        if self.user is None:
            self.user = kwargs.get("user")
        if self.user is None:
            raise ValueError(_("The import has no acting user."))
        self._duplicates = {}
        first_seen = {}
        for number, row in enumerate(dataset.dict, start=1):
            key = self._row_key(row)
            if key in first_seen:
                self._duplicates[number] = first_seen[key]
            else:
                first_seen[key] = number

    @staticmethod
    def _row_key(row):
        return tuple(cell_text(row.get(PROJECT_COLUMNS[name])) for name in ("district", "name", "plan_year"))

    def get_instance(self, instance_loader, row):
        try:
            return super().get_instance(instance_loader, row)
        except MultipleObjectsReturned:
            self._ambiguous.add(self._row_key(row))
            return None

    def check_instance(self, instance, row, errors, **kwargs):
        user = self.user
        if instance.district_id and "district" not in errors and not (
                user is not None and user.has_perm("roads.manage_roadproject")
                and may_touch_district(user, instance.district_id)):
            errors["district"] = [ValidationError(
                _("You may only import projects of your own district; this row is for %(district)s.")
                % {"district": instance.district.name}, code="forbidden")]
        if instance.plan_year is not None and "plan_year" not in errors and instance.plan_year not in PROGRAMME_YEARS:
            errors["plan_year"] = [ValidationError(
                _("%(year)s is not a year of the programme (2018–2020).") % {"year": instance.plan_year},
                code="invalid")]
        number = kwargs.get("row_number")
        if number in self._duplicates and "name" not in errors:
            errors["name"] = [ValidationError(
                _("The same district, project name and plan year as line %(line)s.")
                % {"line": self.line_of(self._duplicates[number])}, code="duplicate")]
        if instance.pk and instance.frozen_facts():
            # Past planning some facts are fixed (RoadProject.frozen_facts, the admin's rule too).
            saved = RoadProject.objects.get(pk=instance.pk)
            for name in saved.frozen_facts():
                if name in PROJECT_COLUMNS and name not in errors and getattr(saved, name) != getattr(instance, name):
                    errors[name] = [ValidationError(
                        _("%(project)s is already “%(state)s”; this can no longer change.")
                        % {"project": saved.name, "state": saved.get_state_display()}, code="frozen")]
        if self._row_key(row) in self._ambiguous and "name" not in errors:
            errors["name"] = [ValidationError(
                _("Several projects of this district and plan year already have this name; correct them in the "
                  "administration first."), code="ambiguous")]

    def do_instance_save(self, instance, is_create):
        from programs.roads import services

        if not is_create:
            instance.save()
            return
        created = services.project_create(
            acting_user=self.user, **{name: getattr(instance, name) for name in PROJECT_COLUMNS})
        instance.pk = created.pk
        instance._state.adding = False
        instance._state.db = created._state.db

    def after_saved(self, report) -> None:
        """Once the list is saved: each project it changed gets its audit row (a new one has
        its "create" row from services.project_create)."""
        for result in report.rows(RowResult.IMPORT_TYPE_UPDATE):
            audit.record(obj=result.instance, action="import_update", actor=self.user)

    # --- export -----------------------------------------------------------------------------

    def before_export(self, queryset, **kwargs):
        from programs.roads.subsidy import ProjectQuoter, load_table

        self.quoter = ProjectQuoter(load_table())  # one table per export, never per row

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("district")

    def dehydrate_state(self, project):
        return str(project.get_state_display())

    def dehydrate_subsidy_quote(self, project):
        return self.quoter.amount_wan(project) if self.quoter else None
