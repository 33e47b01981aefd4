"""Project lists in and out: an uploaded CSV or XLSX list through the one import pipeline, and the export.

``import_project_table`` hands the file to policyops.importing.import_table (size, row and
column limits, zip-bomb check, UTF-8 or GBK, the header check, all-or-nothing, every problem
as (line in the file, column, reason)) with RoadProjectResource; ``preview_of`` turns its
report into what the preview page lists. Export writes the same columns
(programs.roads.resources.RoadProjectResource).
"""
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path

from policyops import importing
from programs.roads.excel import cell_text
from programs.roads.resources import PROJECT_COLUMNS, RoadProjectResource

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# The pipeline's own limits (5 MB, 5,000 rows); named here for the upload form and page.
PROJECT_UPLOAD_MAX_BYTES = importing.MAX_BYTES
PROJECT_UPLOAD_MAX_ROWS = importing.MAX_ROWS


def file_format(filename: str) -> str | None:
    """"csv" or "xlsx" from the file name's suffix; None for any other name (or none)."""
    return importing.file_format(filename) if Path(filename).suffix else None


def import_project_table(file, *, user, dry_run: bool, filename: str = "") -> importing.ImportReport:
    """Import (or, with ``dry_run``, preview) a project list: every row or none.

    ``file``: the file's bytes or an upload (``filename`` gives its format). Never
    raises for a bad file: what is wrong is in the report's problems.
    """
    return importing.import_table(
        lambda table: RoadProjectResource(user=user, line_numbers=table.lines), file, filename=filename,
        dry_run=dry_run, user=user, max_bytes=PROJECT_UPLOAD_MAX_BYTES, max_rows=PROJECT_UPLOAD_MAX_ROWS,
        normalise_header=RoadProjectResource.normalise_header)


# --- the preview page ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewRow:
    line: int | None
    action: str  # new, update, skip, invalid, error
    district: str
    name: str
    plan_year: str
    work_type: str
    quantity: str


@dataclass
class ImportPreview:
    """What the preview page shows of an import's report: its problems, its totals, its rows."""

    problems: list[importing.ImportProblem] = dataclass_field(default_factory=list)
    totals: dict = dataclass_field(default_factory=dict)
    rows: list[PreviewRow] = dataclass_field(default_factory=list)
    saved: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def preview_of(report: importing.ImportReport) -> ImportPreview:
    """The report's rows with their lines in the file and the cells as written."""
    rows = []
    if report.table is not None:  # RoadProjectResource reports every row, skipped ones too
        for number, result in enumerate(report.rows(), start=1):
            cells = {name: cell_text(result.row_values.get(column)) for name, column in PROJECT_COLUMNS.items()}
            rows.append(PreviewRow(line=report.table.line_of(number), action=result.import_type,
                                   district=cells["district"], name=cells["name"], plan_year=cells["plan_year"],
                                   work_type=cells["work_type"], quantity=cells["quantity"]))
    return ImportPreview(problems=report.problems, totals=report.totals, rows=rows, saved=report.saved)


# --- export ----------------------------------------------------------------------------------------


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
