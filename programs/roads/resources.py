import csv
import io
import logging
import unicodedata
import zipfile
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal

import tablib
from django.core.exceptions import MultipleObjectsReturned, ValidationError
from django.db import transaction
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from import_export import fields, widgets

from policyops import audit
from policyops.errors import PolicyOpsError
from policyops.importing import (
    NaturalKeyWidget,
    StrictDecimalWidget,
    StrictIntegerWidget,
    StrictModelResource,
)
from policyops.models import District
from policyops.scoping import may_touch_district
from programs.roads.models import ProgrammePhase, RoadProject, RoadTarget, SubsidyParameter, SubsidyRate
from programs.roads.parsing import UnitKind, normalise, parse_quantity, parse_whole
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


# --- Road projects: the project lists programme managers keep in Excel ----------------------
#
# One fixed list of columns for import and export (CSV and XLSX). Numbers may carry their
# unit ("69.7公里", "8座", "12.5万元"); approximations and ranges are refused (parsing.py).
# Natural key: (district, name, plan year). Imports are all-or-nothing; new projects are
# created through services.project_create (with their four milestone rows); the status is
# never imported.

logger = logging.getLogger(__name__)

# attribute -> the column's header in the file, in file order.
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
    "responsible_unit": "责任单位",
    "contact": "联系人",
}
# Written on export, ignored on import (the status moves only through the services).
PROJECT_EXPORT_ONLY_COLUMNS = {
    "status": "项目状态",
    "subsidy_quote": "市级补助测算(万元)",
}
PROGRAMME_YEARS = (2018, 2019, 2020)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _plain(number) -> str:
    """A Decimal as plain digits without trailing zeros ("69.7", "300")."""
    if number is None:
        return ""
    text = format(Decimal(number).normalize(), "f")
    return text


def cell_text(value) -> str:
    """A cell as stripped text; integral numbers from Excel lose their ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", force_str(value)).strip() if isinstance(value, str) else force_str(
        value).strip()


class TextCellWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        if value is None:
            return ""
        text = force_str(value).strip() if isinstance(value, str) else cell_text(value)
        if text.startswith("="):
            raise ValueError(_("“%(value)s” looks like a spreadsheet formula; write the text itself.")
                             % {"value": text[:40]})
        return text

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else force_str(value)


class ChoiceCellWidget(widgets.Widget):
    """One of the programme's Chinese names, written exactly; blank is left to the model's rules."""

    def __init__(self, values):
        super().__init__()
        self.values = list(values)

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return ""
        if text not in self.values:
            raise ValueError(_("“%(value)s” is not one of: %(choices)s.")
                             % {"value": text[:40], "choices": "、".join(self.values)})
        return text

    def render(self, value, obj=None, **kwargs):
        return value or ""


class NumberCellWidget(widgets.Widget):
    """A number, optionally followed by its unit (parsing.parse_quantity)."""

    def __init__(self, unit_kind, whole=False, positive=False):
        super().__init__()
        self.unit_kind = unit_kind
        self.whole = whole
        self.positive = positive

    def kind_for(self, row):
        return self.unit_kind

    def clean(self, value, row=None, **kwargs):
        parse = parse_whole if self.whole else parse_quantity
        number = parse(value, self.kind_for(row))
        if number is not None and self.positive and number <= 0:
            raise ValueError(_("“%(value)s”: the quantity must be greater than 0.") % {"value": cell_text(value)})
        return number

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return None if kwargs.get("force_native_type") else ""
        if kwargs.get("force_native_type"):
            return value if isinstance(value, int) else Decimal(_plain(value))
        return _plain(value)


class QuantityCellWidget(NumberCellWidget):
    """km for roads; the count (座, 个) for dangerous bridges and passenger stops."""

    def __init__(self):
        super().__init__(UnitKind.KM, positive=True)

    def kind_for(self, row):
        work_type = cell_text((row or {}).get(PROJECT_COLUMNS["work_type"]))
        return {WorkType.BRIDGE: UnitKind.BRIDGES, WorkType.BUS_STOP: UnitKind.STOPS}.get(work_type, UnitKind.KM)


class ChineseYesNoWidget(widgets.Widget):
    """是 / 否 (blank means 否)."""

    TRUE, FALSE = {"是", "yes", "true", "1", "y"}, {"否", "no", "false", "0", "n", ""}

    def clean(self, value, row=None, **kwargs):
        if value is True or value is False:
            return value
        text = cell_text(value).lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(_("“%(value)s”: write 是 or 否.") % {"value": text[:40]})

    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"


class DistrictNameWidget(NaturalKeyWidget):
    def clean(self, value, row=None, **kwargs):
        return super().clean(cell_text(value) or None, row, **kwargs)


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
    responsible_unit = _f("responsible_unit", TextCellWidget())
    contact = _f("contact", TextCellWidget())
    status = fields.Field(attribute="status", column_name=PROJECT_EXPORT_ONLY_COLUMNS["status"], readonly=True)
    subsidy_quote = fields.Field(column_name=PROJECT_EXPORT_ONLY_COLUMNS["subsidy_quote"], readonly=True,
                                 widget=NumberCellWidget(UnitKind.MONEY_WAN))

    class Meta(StrictModelResource.Meta):
        model = RoadProject
        fields = (*PROJECT_COLUMNS, *PROJECT_EXPORT_ONLY_COLUMNS)
        export_order = (*PROJECT_COLUMNS, *PROJECT_EXPORT_ONLY_COLUMNS)
        import_id_fields = ("district", "name", "plan_year")

    def __init__(self, user=None, line_numbers=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.line_numbers = list(line_numbers) if line_numbers is not None else None
        self.quoter = None
        self._duplicates: dict[int, int] = {}
        self._ambiguous: set[tuple] = set()

    # --- import ---------------------------------------------------------------------------

    def get_import_fields(self):
        return [f for f in super().get_import_fields() if not f.readonly]

    def line_of(self, row_number: int) -> int:
        """The row's line in the file (the header is line 1)."""
        if self.line_numbers and 0 < row_number <= len(self.line_numbers):
            return self.line_numbers[row_number - 1]
        return row_number + 1

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None,
                    collect_failed_rows=False, rollback_on_validation_errors=False, **kwargs):
        # All-or-nothing whoever calls: one invalid row rolls every row back.
        if self.user is None:
            self.user = kwargs.get("user")
        return super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, use_transactions=True,
                                   collect_failed_rows=collect_failed_rows, rollback_on_validation_errors=True,
                                   **kwargs)

    def before_import(self, dataset, **kwargs):
        headers = [normalise(force_str(h or "")) for h in (dataset.headers or [])]
        if dataset.headers:
            dataset.headers = headers
        missing = [c for c in PROJECT_COLUMNS.values() if c not in headers]
        if missing:
            raise ValueError(_("Missing columns: %(columns)s.") % {"columns": "、".join(missing)})
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
        except ValueError:
            return None  # the cell's own error is reported under its column by import_instance
        except MultipleObjectsReturned:
            self._ambiguous.add(self._row_key(row))
            return None

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors.update(exc.error_dict)
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
        if instance.pk and instance.status != RoadProject.Status.PLANNED:
            # Past planning the project changes through its milestones (services), not a list.
            saved = RoadProject.objects.get(pk=instance.pk)
            changed = [name for name in PROJECT_COLUMNS if name not in errors
                       and getattr(saved, name) != getattr(instance, name)]
            if changed:
                errors[changed[0]] = [ValidationError(
                    _("%(project)s is already %(status)s; an import may change only planned projects.")
                    % {"project": saved.name, "status": saved.get_status_display()}, code="locked")]
        if self._row_key(row) in self._ambiguous and "name" not in errors:
            errors["name"] = [ValidationError(
                _("Several projects of this district and plan year already have this name; correct them in the "
                  "administration first."), code="ambiguous")]
        if errors:
            raise ValidationError(errors)

    def do_instance_save(self, instance, is_create):
        from programs.roads import services

        if not is_create:
            instance.save()
            audit.record(obj=instance, action="import_update", actor=self.user)
            return
        created = services.project_create(
            acting_user=self.user, **{name: getattr(instance, name) for name in PROJECT_COLUMNS})
        instance.pk = created.pk
        instance._state.adding = False
        instance._state.db = created._state.db

    # --- export -----------------------------------------------------------------------------

    def before_export(self, queryset, **kwargs):
        from programs.roads.subsidy import ProjectQuoter, load_table

        self.quoter = ProjectQuoter(load_table())  # one table per export, never per row

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("district")

    def dehydrate_status(self, project):
        return str(project.get_status_display())

    def dehydrate_subsidy_quote(self, project):
        return self.quoter.amount_wan(project) if self.quoter else None


# --- Reading an uploaded project list and importing it -------------------------------------

PROJECT_UPLOAD_MAX_BYTES = 5 * 1024 * 1024
PROJECT_UPLOAD_MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # a zip bomb stops here
PROJECT_UPLOAD_MAX_ROWS = 5000
PROJECT_UPLOAD_MAX_COLUMNS = 100
PROJECT_UPLOAD_FORMATS = ("csv", "xlsx")


class FileUnreadable(Exception):
    """The upload cannot be read as a project list at all; str() is the user's message."""


@dataclass(frozen=True)
class ImportProblem:
    line: int | None
    column: str
    reason: str


@dataclass
class ProjectTable:
    filename: str
    dataset: tablib.Dataset
    lines: list[int]
    problems: list[ImportProblem] = dataclass_field(default_factory=list)


@dataclass(frozen=True)
class ImportRow:
    line: int
    action: str  # new, update, skip, invalid, error
    district: str
    name: str
    plan_year: str
    work_type: str
    quantity: str


@dataclass
class ImportReport:
    rows: list[ImportRow] = dataclass_field(default_factory=list)
    problems: list[ImportProblem] = dataclass_field(default_factory=list)
    totals: dict = dataclass_field(default_factory=dict)
    saved: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def file_format(filename: str) -> str | None:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return suffix if suffix in PROJECT_UPLOAD_FORMATS else None


def _csv_rows(content: bytes):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileUnreadable(_("The file is neither UTF-8 nor GBK text: save it from Excel as CSV (UTF-8)."))
    if "\x00" in text:
        raise FileUnreadable(_("The file is not a CSV text file."))
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        raise FileUnreadable(_("The CSV file cannot be read near line %(line)s.") % {"line": start}) from exc


def _xlsx_rows(content: bytes):
    from openpyxl import load_workbook

    if not content.startswith(b"PK\x03\x04"):
        raise FileUnreadable(_("The file is not an Excel workbook (.xlsx)."))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except Exception as exc:
        raise FileUnreadable(_("The Excel workbook cannot be opened; it may be damaged.")) from exc
    if unpacked > PROJECT_UPLOAD_MAX_UNPACKED_BYTES:
        raise FileUnreadable(_("The Excel workbook is too large once unpacked."))
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # a damaged or hostile file raises anything from zipfile to XML errors
        raise FileUnreadable(_("The Excel workbook cannot be opened; it may be damaged.")) from exc
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise FileUnreadable(_("The Excel workbook has no sheet."))
        for line, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, list(row[:PROJECT_UPLOAD_MAX_COLUMNS + 1])
    except FileUnreadable:
        raise
    except Exception as exc:
        raise FileUnreadable(_("The Excel workbook cannot be read; it may be damaged.")) from exc
    finally:
        workbook.close()


def read_project_file(filename: str, content: bytes) -> ProjectTable:
    """An uploaded CSV or XLSX project list as a Dataset with the fixed headers.

    Raises FileUnreadable for files that cannot be read at all; header and row-shape
    problems are returned in ``problems`` (line, column, reason).
    """
    kind = file_format(filename)
    if kind is None:
        raise FileUnreadable(_("Upload a .csv or .xlsx file."))
    if not content:
        raise FileUnreadable(_("The file is empty."))
    if len(content) > PROJECT_UPLOAD_MAX_BYTES:
        raise FileUnreadable(_("The file is too large (at most 5 MB)."))
    rows = _csv_rows(content) if kind == "csv" else _xlsx_rows(content)
    header, header_line, data, problems = None, 0, [], []
    for line, row in rows:
        cells = [None if c is None or (isinstance(c, str) and not c.strip()) else c for c in row]
        if not any(c is not None for c in cells):
            continue  # blank lines are not rows
        if len(cells) > PROJECT_UPLOAD_MAX_COLUMNS:
            raise FileUnreadable(_("The file has more than %(count)s columns.") % {"count": PROJECT_UPLOAD_MAX_COLUMNS})
        if header is None:
            header, header_line = cells, line
            continue
        if len(data) >= PROJECT_UPLOAD_MAX_ROWS:
            raise FileUnreadable(_("The file has more than %(count)s rows; split it.")
                                 % {"count": PROJECT_UPLOAD_MAX_ROWS})
        data.append((line, cells))
    if header is None:
        raise FileUnreadable(_("The file has no header row and no projects."))
    while header and header[-1] is None:
        header.pop()
    names = [normalise(cell_text(h)) for h in header]
    known = {**{v: k for k, v in PROJECT_COLUMNS.items()}, **{v: k for k, v in PROJECT_EXPORT_ONLY_COLUMNS.items()}}
    missing = [c for c in PROJECT_COLUMNS.values() if c not in names]
    unknown = [n or _("(blank)") for n in names if n not in known]
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if missing:
        problems.append(ImportProblem(header_line, "、".join(missing), _("missing column.")))
    if unknown:
        problems.append(ImportProblem(header_line, "、".join(unknown), _("unknown column.")))
    if repeated:
        problems.append(ImportProblem(header_line, "、".join(repeated), _("the column appears twice.")))
    dataset = tablib.Dataset(headers=list(PROJECT_COLUMNS.values()))
    lines = []
    if problems:
        return ProjectTable(filename, dataset, lines, problems)
    positions = {name: index for index, name in enumerate(names)}
    for line, cells in data:
        if any(c is not None for c in cells[len(names):]):
            problems.append(ImportProblem(line, "—", _("the row has cells to the right of the last column.")))
            continue
        cells = cells + [None] * (len(names) - len(cells))
        dataset.append([cells[positions[column]] for column in PROJECT_COLUMNS.values()])
        lines.append(line)
    if not data:
        problems.append(ImportProblem(None, "—", _("The file has no project rows.")))
    return ProjectTable(filename, dataset, lines, problems)


def _message_of(error) -> str:
    if isinstance(error, (PolicyOpsError, ValueError)):
        return str(error)
    if isinstance(error, ValidationError):
        return "；".join(error.messages)
    logger.error("Road project import: unexpected row error", exc_info=error)
    return _("This row could not be saved.")


def import_problems(resource, result) -> list[ImportProblem]:
    """Every error of an import result as (line in the file, column, reason)."""
    problems = []
    for invalid in result.invalid_rows:
        for attribute, errors in invalid.error_dict.items():
            for error in errors:
                for message in (error.messages if hasattr(error, "messages") else [str(error)]):
                    problems.append(ImportProblem(resource.line_of(invalid.number), resource.column_for(attribute),
                                                  message))
    for number, errors in result.row_errors():
        for error in errors:
            problems.append(ImportProblem(resource.line_of(number), "—", _message_of(error.error)))
    for error in result.base_errors:
        problems.append(ImportProblem(None, "—", _message_of(error.error)))
    return sorted(problems, key=lambda p: (p.line or 0, p.column))


def import_project_table(table: ProjectTable, *, user, dry_run: bool) -> ImportReport:
    """Import (or, with ``dry_run``, preview) a project list: every row or none."""
    report = ImportReport(problems=list(table.problems))
    if report.problems:
        return report
    resource = RoadProjectResource(user=user, line_numbers=table.lines)
    with transaction.atomic():
        result = resource.import_data(table.dataset, dry_run=dry_run, raise_errors=False)
        report.problems = import_problems(resource, result)
        if report.problems or dry_run:
            transaction.set_rollback(True)
    report.totals = {k: result.totals.get(k, 0) for k in ("new", "update", "skip", "invalid", "error")}
    columns = PROJECT_COLUMNS
    for index, row_result in enumerate(result.rows):
        values = table.dataset[index] if index < len(table.dataset) else [None] * len(columns)
        cell = dict(zip(columns.values(), values))
        report.rows.append(ImportRow(
            line=resource.line_of(index + 1), action=row_result.import_type,
            district=cell_text(cell[columns["district"]]), name=cell_text(cell[columns["name"]]),
            plan_year=cell_text(cell[columns["plan_year"]]), work_type=cell_text(cell[columns["work_type"]]),
            quantity=cell_text(cell[columns["quantity"]])))
    report.saved = not dry_run and not report.problems
    return report


def export_projects(queryset, file_kind: str) -> bytes:
    """The projects as an XLSX workbook or a UTF-8 CSV (with BOM, so Excel reads the Chinese)."""
    resource = RoadProjectResource()
    native = file_kind == "xlsx"
    dataset = resource.export(queryset, force_native_type=native)
    if native:
        return dataset.export("xlsx", escape=True)
    for index, row in enumerate(dataset):
        if any(isinstance(v, str) and v.startswith(FORMULA_PREFIXES) for v in row):
            dataset[index] = ["'" + v if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v for v in row]
    return ("\ufeff" + dataset.export("csv")).encode("utf-8")
