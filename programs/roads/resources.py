"""Import-export resources of the road programme: the seeded tables and the project lists.

The seeded tables (targets, phases, subsidy rates and parameters) are read by
``load_seeds`` and the admin's import/export. Project lists are the lists programme
managers keep in Excel: ``RoadProjectResource`` is their columns and cells (and the
export), ``add_row_errors`` the rules of a row; programs.roads.project_lists reads, checks
and saves a whole list at once with them (the import page and the admin). The generic
cell widgets are in programs.roads.excel.
"""
import copy
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _
from import_export import fields

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
# Natural key: (district, name, plan year). Imports are all-or-nothing; a new project gets
# what services.project_create gives one (its four milestone rows, its "create" audit row);
# the state is never imported, and past planning the facts RoadProject.frozen_facts names
# are not changed.

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
ROW_KEY = ("district", "name", "plan_year")  # a row with a saved project's key updates it


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
        import_id_fields = ("district", "name", "plan_year")  # the natural key (ROW_KEY)

    import_optional_columns = (PROJECT_COLUMNS["bus_bays"], PROJECT_COLUMNS["bus_shelters"],
                               PROJECT_COLUMNS["bus_signs"])

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.quoter = None

    # --- import: the cells here, the rows in programs.roads.project_lists (in bulk) ---------------

    @staticmethod
    def normalise_header(cell) -> str:
        """A header cell as a column name: full-width brackets and digits as Excel users type them."""
        return normalise(cell_text(cell))

    def bulk_fields(self, districts=None) -> list[fields.Field]:
        """The import's fields, the district's widget reading every district once (a bulk import
        looks names up in a dictionary, never a query per row); same cells, same messages."""
        found = []
        for f in self.get_import_fields():
            if f.readonly:
                continue
            if f.attribute == "district":
                f = copy.copy(f)
                f.widget = f.widget.preloaded(districts)
            found.append(f)
        return found

    def import_data(self, *args, **kwargs):
        # Row by row, import-export takes ~27 queries a row and knows none of the rules below;
        # programs.roads.project_lists checks and saves a whole list at once with them. One path.
        raise ImproperlyConfigured("Import project lists through programs.roads.project_lists.")

    # --- export -----------------------------------------------------------------------------

    def before_export(self, queryset, **kwargs):
        from programs.roads.subsidy import ProjectQuoter, load_table

        self.quoter = ProjectQuoter(load_table())  # one table per export, never per row

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("district")

    def dehydrate_state(self, project):
        return self.choice_label(project, "state")

    def dehydrate_subsidy_quote(self, project):
        return self.quoter.amount_wan(project) if self.quoter else None


# --- the rules of a row of a project list (programs.roads.project_lists applies them) ----------------


def may_import_into(user, district_id) -> bool:
    """Whether ``user`` may create or change, by an import, projects of ``district_id``
    (services.project_create's rule)."""
    return bool(user is not None and user.has_perm("roads.manage_roadproject")
                and may_touch_district(user, district_id))


def forbidden_district_error(district_name: str) -> ValidationError:
    return ValidationError(
        _("You may only import projects of your own district; this row is for %(district)s.")
        % {"district": district_name}, code="forbidden")


def _saved_value(project: RoadProject, name: str):
    # A foreign key by its id: comparing the related rows would fetch them, a query per row.
    return getattr(project, RoadProject._meta.get_field(name).attname)


def add_row_errors(instance: RoadProject, errors: dict, *, may_import: bool, saved: RoadProject | None = None,
                   duplicate_of: int | None = None, ambiguous: bool = False) -> None:
    """The import's own rules for one row, once its cells are read into ``instance``: each
    error goes into ``errors`` ({attribute: [ValidationError]}) unless the cell has one already.

    ``may_import``: may_import_into(user, the row's district); ``saved``: the project the row
    updates, as saved; ``duplicate_of``: the file line of an earlier row with the same
    district, name and plan year; ``ambiguous``: several saved projects have this row's key.
    """
    if instance.district_id and "district" not in errors and not may_import:
        errors["district"] = [forbidden_district_error(instance.district.name)]
    if instance.plan_year is not None and "plan_year" not in errors and instance.plan_year not in PROGRAMME_YEARS:
        errors["plan_year"] = [ValidationError(
            _("%(year)s is not a year of the programme (2018–2020).") % {"year": instance.plan_year},
            code="invalid")]
    if duplicate_of is not None and "name" not in errors:
        errors["name"] = [ValidationError(
            _("The same district, project name and plan year as line %(line)s.") % {"line": duplicate_of},
            code="duplicate")]
    if saved is not None:
        # Past planning some facts are fixed (RoadProject.frozen_facts, the admin's rule too).
        for name in saved.frozen_facts():
            if name in PROJECT_COLUMNS and name not in errors and \
                    _saved_value(saved, name) != _saved_value(instance, name):
                errors[name] = [ValidationError(
                    _("%(project)s is already “%(state)s”; this can no longer change.")
                    % {"project": saved.name, "state": saved.get_state_display()}, code="frozen")]
    if ambiguous and "name" not in errors:
        errors["name"] = [ValidationError(
            _("Several projects of this district and plan year already have this name; correct them in the "
              "administration first."), code="ambiguous")]
