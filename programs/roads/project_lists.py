"""Project lists in and out: reading an uploaded CSV or XLSX list, importing it, exporting.

Upload → a Dataset with the fixed headers (``read_project_file``; a file that cannot be
read at all raises FileUnreadable) → ``import_project_table`` (all-or-nothing, or a dry
run for the preview) → every problem as (line in the file, column, reason). Export writes
the same columns (programs.roads.resources.RoadProjectResource).
"""
import csv
import io
import logging
import zipfile
from dataclasses import dataclass
from dataclasses import field as dataclass_field

import tablib
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from policyops.errors import PolicyOpsError
from programs.roads.excel import cell_text
from programs.roads.parsing import normalise
from programs.roads.resources import PROJECT_COLUMNS, PROJECT_EXPORT_ONLY_COLUMNS, RoadProjectResource

logger = logging.getLogger(__name__)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

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
