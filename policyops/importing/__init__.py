"""The one import pipeline: a CSV or XLSX table into a django-import-export Resource.

Every import goes through ``import_table`` — seeds (``load_seeds``), the admin's 导入
buttons (``policyops.admin_import``) and the official calendar (``policyops.services``).
The road project lists (``programs.roads.project_lists``, up to 50,000 rows) take steps 1
and 2 from here and do 3 to 5 in bulk, with the same cells and messages (``checks``,
``writing`` and ``NaturalKeyWidget.preloaded`` are for that):

1. **Read** (``reading.read_table``) within limits: at most ``max_bytes``, ``max_rows`` data
   rows and ``max_columns`` columns; an XLSX workbook is refused *before it is parsed* when
   its zip members would unpack to more than ``max_unpacked_bytes`` (a zip bomb). CSV is
   read as UTF-8 (with or without BOM) or else as GBK (GB 18030), the encodings Excel
   writes. Blank lines are skipped; every row keeps the line it has in the file. A text cell
   keeps its text ("+86…", "-"), less the apostrophe our exports put before a formula
   prefix (``policyops.cells``); an XLSX cell holding a formula is refused.
2. **Check the header** against the Resource's columns: each missing, unknown or repeated
   column is reported; then no natural key (``import_id_fields``) may be on two rows
   (import-export would let the last win); nothing is imported.
3. **Import** with ``use_transactions=True`` and ``rollback_on_validation_errors=True``,
   inside one transaction: all rows or none. A dry run (a preview) always rolls back.
4. **Report** every error as (line in the file, column, reason) — ``ImportProblem`` — never
   as a traceback: an unexpected exception of a row is logged and reported as "This row
   could not be saved."
5. Once the rows are saved, and inside the same transaction, the Resource's
   ``after_saved(report)`` runs (the model's service hook, e.g. recomputing the deadlines a
   calendar change moves), then the caller's ``after_import(report)``.

Usage (a page of another app)::

    report = import_table(MyResource(user=request.user), upload, filename=upload.name,
                          dry_run=True, user=request.user)
    if report.ok: ...             # show report.result (preview), then import again with dry_run=False
    else: report.problems         # [(line, column, reason), ...]

The modules: ``reading`` (files, limits, encodings: the Table), ``xlsx`` (a workbook's
first sheet, read fast), ``tables`` (the header check, the Resource's run and its report;
``StrictModelResource``), ``widgets`` (strict cells, whose ``ValueError`` import-export
files under the row and the column), ``checks`` (a model's constraints for many rows
without a query each), ``writing`` (plain rows inserted without the ORM's cost per value).
"""
from policyops.importing.reading import (
    MAX_BYTES,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    NO_COLUMN,
    ImportProblem,
    ImportRefused,
    Table,
    check_zip,
    file_format,
    read_bytes,
    read_table,
)
from policyops.importing.tables import (
    ImportReport,
    SafeExportMixin,
    StrictModelResource,
    import_table,
    result_problems,
)
from policyops.importing.widgets import (
    IsoDateWidget,
    NaturalKeysWidget,
    NaturalKeyWidget,
    StrictBooleanWidget,
    StrictDecimalWidget,
    StrictIntegerWidget,
)

__all__ = [
    "MAX_BYTES", "MAX_COLUMNS", "MAX_ROWS", "MAX_UNPACKED_BYTES", "NO_COLUMN", "ImportProblem", "ImportRefused",
    "ImportReport", "IsoDateWidget", "NaturalKeyWidget", "NaturalKeysWidget", "SafeExportMixin", "StrictBooleanWidget",
    "StrictDecimalWidget", "StrictIntegerWidget", "StrictModelResource", "Table", "check_zip", "file_format",
    "import_table", "read_bytes", "read_table", "result_problems",
]
