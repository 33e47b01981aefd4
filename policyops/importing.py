"""The one import pipeline: a CSV or XLSX table into a django-import-export Resource.

Every import goes through ``import_table`` — seeds (``load_seeds``), the admin's 导入
buttons (``policyops.admin_import``) and the official calendar (``policyops.services``):

1. **Read** (``read_table``) within limits: at most ``max_bytes``, ``max_rows`` data rows
   and ``max_columns`` columns; an XLSX workbook is refused *before it is parsed* when its
   zip members would unpack to more than ``max_unpacked_bytes`` (a zip bomb). CSV is read
   as UTF-8 (with or without BOM) or else as GBK (GB 18030), the encodings Excel writes.
   Blank lines are skipped; every row keeps the line it has in the file.
2. **Check the header** against the Resource's columns: each missing, unknown or repeated
   column is reported; nothing is imported.
3. **Import** with ``use_transactions=True`` and ``rollback_on_validation_errors=True``,
   inside one transaction: all rows or none. A dry run (the admin's preview) always rolls
   back.
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

The widgets below raise ``ValueError`` with a message the user reads; import-export files
it under the row and the column.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import os
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from import_export import resources, widgets
from import_export.results import RowResult

from policyops.errors import InvalidInput, PolicyOpsError

logger = logging.getLogger(__name__)

# --- limits ------------------------------------------------------------------------------

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 100
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # an XLSX whose members unpack to more is refused unparsed
MAX_ZIP_MEMBERS = 1000
FORMATS = ("csv", "xlsx")
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # UTF-8 with or without BOM; GBK (and its superset GB 18030)
NO_COLUMN = "—"


# --- what an import reports ---------------------------------------------------------------


@dataclass(frozen=True)
class ImportProblem:
    """One error: the line in the file (1 = the header; None = the file as a whole), the
    column it is in ("—" for a whole row or file) and the reason, in the user's words."""

    line: int | None
    column: str
    reason: str

    def __str__(self):
        if self.line is None:
            return str(self.reason)
        return _("Line %(line)s, column %(column)s: %(reason)s") % {
            "line": self.line, "column": self.column, "reason": self.reason}


class ImportRefused(InvalidInput):
    """The file cannot be read as a table at all (format, size, encoding, limits)."""

    @property
    def problem(self) -> ImportProblem:
        return ImportProblem(None, NO_COLUMN, str(self))


@dataclass
class Table:
    """A file read as a table: its header (as written, trimmed) and its rows with their lines."""

    headers: list[str]
    rows: list[tuple[int, list]]  # (line in the file, cells); cells are text, or values from XLSX
    header_line: int = 1
    filename: str = ""

    @property
    def lines(self) -> list[int]:
        """The line in the file of each data row, in order (row 1 of the import is ``lines[0]``)."""
        return [line for line, _cells in self.rows]

    def line_of(self, row_number: int | None) -> int | None:
        """The file line of import-export's ``row_number`` (1-based)."""
        if row_number is None or not 1 <= row_number <= len(self.rows):
            return None
        return self.rows[row_number - 1][0]

    def dataset(self, columns: Iterable[str]) -> tuple[tablib.Dataset, list[ImportProblem]]:
        """The rows as a Dataset of ``columns`` (in that order), and the rows of the wrong shape."""
        columns = list(columns)
        positions = {name: i for i, name in enumerate(self.headers)}
        width = len(self.headers)
        dataset = tablib.Dataset(headers=columns)
        problems = []
        for line, cells in self.rows:
            if any(not _is_blank(c) for c in cells[width:]):
                problems.append(ImportProblem(line, NO_COLUMN, _("the row has cells to the right of the last column.")))
                continue
            cells = list(cells[:width]) + [""] * (width - len(cells))
            dataset.append([cells[positions[c]] if c in positions else "" for c in columns])
        return dataset, problems


@dataclass
class ImportReport:
    """What ``import_table`` did: the problems (empty when all went well), the result of
    import-export (rows as new / update / skip, for a preview), whether it was saved."""

    filename: str = ""
    problems: list[ImportProblem] = field(default_factory=list)
    table: Table | None = None
    resource: object = None
    result: object = None  # import_export.results.Result
    saved: bool = False
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def totals(self) -> dict[str, int]:
        keys = ("new", "update", "delete", "skip", "invalid", "error")
        if self.result is None:
            return dict.fromkeys(keys, 0)
        return {k: self.result.totals.get(k, 0) for k in keys}

    def rows(self, *import_types: str) -> list[RowResult]:
        """The row results (with their instance) of the given types: new, update, delete, skip."""
        if self.result is None:
            return []
        return [r for r in self.result.rows if not import_types or r.import_type in import_types]

    def changed_instances(self) -> list:
        """The instances created, updated or deleted (a skipped, unchanged row is not one)."""
        return [r.instance for r in self.rows(RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE,
                                              RowResult.IMPORT_TYPE_DELETE) if r.instance is not None]


# --- reading -------------------------------------------------------------------------------


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _size_text(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def _read_bytes(file, max_bytes: int | None) -> tuple[bytes, str]:
    """The file's bytes (never more than ``max_bytes`` + 1 read) and its name if it has one.

    ``file``: bytes; a str (the file's *text*, not a path); a ``pathlib.Path``; or a file
    object (an upload).
    """
    limit = None if max_bytes is None else max_bytes + 1
    if isinstance(file, bytes):
        return file, ""
    if isinstance(file, str):
        return file.encode("utf-8"), ""
    if isinstance(file, os.PathLike):
        path = Path(file)
        with path.open("rb") as handle:
            return (handle.read() if limit is None else handle.read(limit)), path.name
    name = os.path.basename(getattr(file, "name", "") or "")
    if hasattr(file, "seek"):
        try:
            file.seek(0)
        except (OSError, ValueError):
            pass
    data = file.read() if limit is None else file.read(limit)
    if isinstance(data, str):
        data = data.encode("utf-8")
    return data, name


def file_format(filename: str, content: bytes = b"") -> str | None:
    """"csv" or "xlsx" from the file name; without a suffix, from the content."""
    suffix = Path(filename).suffix.lower().lstrip(".") if filename else ""
    if suffix:
        return suffix if suffix in FORMATS else None
    return "xlsx" if content.startswith(b"PK\x03\x04") else "csv"


def _csv_rows(content: bytes) -> Iterator[tuple[int, list]]:
    for encoding in CSV_ENCODINGS:
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRefused(_("The file is neither UTF-8 nor GBK text: save it from Excel as CSV (UTF-8)."))
    if "\x00" in text:
        raise ImportRefused(_("The file is not a CSV text file."))
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportRefused(_("The CSV file cannot be read near line %(line)s.") % {"line": start}) from exc


def check_zip(content: bytes, *, max_unpacked_bytes: int | None = MAX_UNPACKED_BYTES,
              max_members: int = MAX_ZIP_MEMBERS) -> None:
    """Refuse a workbook whose zip members would unpack to more than ``max_unpacked_bytes``.

    Only the zip's directory is read. Python's zipfile never inflates a member beyond the
    size the directory declares, so the declared sizes bound what parsing can unpack.
    """
    if not content.startswith(b"PK\x03\x04"):
        raise ImportRefused(_("The file is not an Excel workbook (.xlsx)."))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ImportRefused(_("The Excel workbook cannot be opened; it may be damaged.")) from exc
    if len(members) > max_members or (
            max_unpacked_bytes is not None and sum(m.file_size for m in members) > max_unpacked_bytes):
        raise ImportRefused(_("The Excel workbook is too large once unpacked."))


def _xlsx_cell(value):
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return "" if value is None else value


def _xlsx_rows(content: bytes, *, max_columns: int, max_unpacked_bytes: int | None) -> Iterator[tuple[int, list]]:
    from openpyxl import load_workbook

    check_zip(content, max_unpacked_bytes=max_unpacked_bytes)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # a damaged or hostile file raises anything from zipfile to XML errors
        raise ImportRefused(_("The Excel workbook cannot be opened; it may be damaged.")) from exc
    try:
        if not workbook.worksheets:
            raise ImportRefused(_("The Excel workbook has no sheet."))
        sheet = workbook.worksheets[0]
        for line, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, [_xlsx_cell(v) for v in row[:max_columns + 1]]
    except ImportRefused:
        raise
    except Exception as exc:
        raise ImportRefused(_("The Excel workbook cannot be read; it may be damaged.")) from exc
    finally:
        workbook.close()


def read_table(file, *, filename: str = "", format: str | None = None, max_bytes: int | None = MAX_BYTES,
               max_rows: int | None = MAX_ROWS, max_columns: int = MAX_COLUMNS,
               max_unpacked_bytes: int | None = MAX_UNPACKED_BYTES,
               normalise_header: Callable[[object], str] | None = None) -> Table:
    """Read a CSV or XLSX file into a Table; raise ImportRefused if it cannot be read.

    The first non-blank row is the header; ``normalise_header`` (default: the trimmed
    text) turns each header cell into a column name. ``None`` for a limit turns it off.
    """
    content, own_name = _read_bytes(file, max_bytes)
    filename = filename or own_name
    kind = format or file_format(filename, content)
    if kind not in FORMATS:
        raise ImportRefused(_("Upload a .csv or .xlsx file."))
    if not content:
        raise ImportRefused(_("The file is empty."))
    if max_bytes is not None and len(content) > max_bytes:
        raise ImportRefused(_("The file is too large (at most %(size)s).") % {"size": _size_text(max_bytes)})
    normalise = normalise_header or (lambda cell: force_str(cell).strip() if cell is not None else "")
    lines = (_csv_rows(content) if kind == "csv"
             else _xlsx_rows(content, max_columns=max_columns, max_unpacked_bytes=max_unpacked_bytes))
    header, header_line, rows = None, 1, []
    for line, cells in lines:
        if all(_is_blank(c) for c in cells):
            continue  # blank lines are not rows
        while cells and _is_blank(cells[-1]):
            cells = cells[:-1]
        if len(cells) > max_columns:
            raise ImportRefused(_("The file has more than %(count)s columns.") % {"count": max_columns})
        if header is None:
            header, header_line = [normalise(c) for c in cells], line
            continue
        if max_rows is not None and len(rows) >= max_rows:
            raise ImportRefused(_("The file has more than %(count)s rows; split it.") % {"count": max_rows})
        rows.append((line, list(cells)))
    return Table(headers=header or [], rows=rows, header_line=header_line, filename=filename)


# --- checking the header ---------------------------------------------------------------------


def expected_columns(resource) -> list[str]:
    """The columns an import into ``resource`` reads (export-only fields are not among them)."""
    if hasattr(resource, "expected_columns"):
        return list(resource.expected_columns())
    return [f.column_name for f in resource.get_import_fields() if not getattr(f, "readonly", False)]


def accepted_columns(resource) -> list[str]:
    """Columns a file may have that the import ignores: export-only (read-only) fields, and
    what the resource lists in ``import_ignored_columns``."""
    readonly = [f.column_name for f in resource.get_import_fields() if getattr(f, "readonly", False)]
    return [*readonly, *getattr(resource, "import_ignored_columns", ())]


def check_columns(table: Table, expected: Iterable[str], *, optional: Iterable[str] = (),
                  ignored: Iterable[str] = ()) -> list[ImportProblem]:
    """Each missing, unknown or repeated column of the header, as a problem on the header's line."""
    expected, optional, ignored = list(expected), set(optional), set(ignored)
    found = table.headers
    line = table.header_line
    problems = [ImportProblem(line, c, _("missing column.")) for c in expected if c not in found and c not in optional]
    known = set(expected) | ignored
    problems += [ImportProblem(line, c or _("(blank)"), _("unknown column.")) for c in found if c not in known]
    repeated = sorted({c for c in found if c and found.count(c) > 1})
    problems += [ImportProblem(line, c, _("the column appears twice.")) for c in repeated]
    return problems


# --- importing ---------------------------------------------------------------------------------


def column_for(resource, attribute) -> str:
    """The file's column of a model attribute an error names ("—" for whole-row errors)."""
    if hasattr(resource, "column_for"):
        return resource.column_for(attribute)
    if not attribute or attribute in (NON_FIELD_ERRORS, "__all__"):
        return NO_COLUMN
    for f in resource.get_import_fields():
        if f.attribute == attribute or f.column_name == attribute:
            return f.column_name
    return str(attribute)


def _message_of(error) -> str:
    if isinstance(error, (PolicyOpsError, ValueError)):
        return str(error)
    if isinstance(error, ValidationError):
        return "；".join(error.messages)
    logger.error("Import: unexpected row error", exc_info=error)
    return _("This row could not be saved.")


def result_problems(resource, result, table: Table) -> list[ImportProblem]:
    """Every error of an import-export result as (line in the file, column, reason)."""
    problems = []
    for invalid in result.invalid_rows:
        line = table.line_of(invalid.number)
        for attribute, errors in invalid.error_dict.items():
            for error in errors:
                for message in (error.messages if hasattr(error, "messages") else [str(error)]):
                    problems.append(ImportProblem(line, column_for(resource, attribute), message))
    for number, errors in result.row_errors():
        for error in errors:
            problems.append(ImportProblem(table.line_of(number), NO_COLUMN, _message_of(error.error)))
    for error in result.base_errors:
        problems.append(ImportProblem(None, NO_COLUMN, _message_of(error.error)))
    return sorted(problems, key=lambda p: (p.line or 0, p.column))


def import_table(resource, file, *, dry_run: bool, filename: str = "", format: str | None = None, user=None,
                 max_bytes: int | None = MAX_BYTES, max_rows: int | None = MAX_ROWS, max_columns: int = MAX_COLUMNS,
                 max_unpacked_bytes: int | None = MAX_UNPACKED_BYTES, optional_columns: Iterable[str] = (),
                 ignore_columns: Iterable[str] = (), normalise_header: Callable[[object], str] | None = None,
                 allow_empty: bool = False, after_import: Callable[[ImportReport], None] | None = None,
                 **import_kwargs) -> ImportReport:
    """Import ``file`` into ``resource``: every row or none; never raises for a bad file.

    ``resource``: a Resource instance, or a callable that makes one from the Table read
    (to hand it the file's line numbers, say). ``file``: bytes, the file's text, a Path, an
    upload, or a Table already read. ``dry_run`` previews (always rolled back). Columns the
    Resource does not import are refused unless listed in ``ignore_columns`` (or read-only
    fields of the Resource). A file without rows is a problem unless ``allow_empty``.

    Once the rows are saved, inside the same transaction: ``resource.after_saved(report)``
    (the model's service hook), then ``after_import(report)``. An exception there rolls the
    import back and propagates.
    """
    report = ImportReport(filename=filename, dry_run=dry_run)
    if isinstance(file, Table):
        table = file
    else:
        try:
            table = read_table(file, filename=filename, format=format, max_bytes=max_bytes, max_rows=max_rows,
                               max_columns=max_columns, max_unpacked_bytes=max_unpacked_bytes,
                               normalise_header=normalise_header)
        except ImportRefused as exc:
            report.problems = [exc.problem]
            return report
    report.table = table
    report.filename = filename or table.filename
    if not isinstance(resource, resources.Resource) and callable(resource):
        resource = resource(table)
    report.resource = resource
    if not table.headers:
        report.problems = [ImportProblem(None, NO_COLUMN, _("The file has no header row."))]
        return report
    columns = expected_columns(resource)
    optional = set(optional_columns) | set(getattr(resource, "import_optional_columns", ()))
    report.problems = check_columns(table, columns, optional=optional,
                                    ignored=[*accepted_columns(resource), *ignore_columns])
    if report.problems:
        return report
    if not table.rows and not allow_empty:
        report.problems = [ImportProblem(None, NO_COLUMN, _("The file has no rows to import."))]
        return report
    dataset, report.problems = table.dataset([c for c in columns if c in table.headers])
    if report.problems:
        return report
    with transaction.atomic():
        result = resource.import_data(
            dataset, dry_run=dry_run, raise_errors=False, use_transactions=True, rollback_on_validation_errors=True,
            collect_failed_rows=True, retain_instance_in_row_result=True, user=user, file_name=report.filename,
            **import_kwargs)
        report.result = result
        report.problems = result_problems(resource, result, table)
        if report.problems or dry_run:
            transaction.set_rollback(True)
        else:
            report.saved = True
            hook = getattr(resource, "after_saved", None)
            if hook is not None:
                hook(report)
            if after_import is not None:
                after_import(report)
    return report


# --- widgets and the base Resource ---------------------------------------------------------------


class StrictDecimalWidget(widgets.DecimalWidget):
    """A decimal written as plain digits; "约160" or "69.7公里" are refused, never guessed."""

    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        text = force_str(value).strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("“%(value)s” is not a number.") % {"value": text}) from None
        if not number.is_finite():
            raise ValueError(_("“%(value)s” is not a number.") % {"value": text})
        return number


class StrictIntegerWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        text = force_str(value).strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("“%(value)s” is not a whole number.") % {"value": text}) from None
        if not number.is_finite() or number != number.to_integral_value():
            raise ValueError(_("“%(value)s” is not a whole number.") % {"value": text})
        return int(number)


class IsoDateWidget(widgets.DateWidget):
    """A date written YYYY-MM-DD (or a date cell of a workbook); the message names the value."""

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = force_str(value).strip() if value is not None else ""
        if not text:
            return None
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": text}) from None


class StrictBooleanWidget(widgets.BooleanWidget):
    """1/0, true/false, 是/否; anything else is refused rather than read as false."""

    TRUE_TEXT = {"1", "true", "是", "y", "yes"}
    FALSE_TEXT = {"0", "false", "否", "n", "no"}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = force_str(value).strip().lower() if value is not None else ""
        if not text:
            return None
        if text in self.TRUE_TEXT:
            return True
        if text in self.FALSE_TEXT:
            return False
        raise ValueError(_("“%(value)s” is not one of 1/0, true/false, 是/否.") % {"value": force_str(value).strip()})


class NaturalKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key written as the related row's name (or another unique field)."""

    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        key = force_str(value).strip()
        try:
            return self.get_queryset(value, row, **kwargs).get(**{self.field: key})
        except self.model.DoesNotExist:
            raise ValueError(_("No %(model)s named “%(value)s”.")
                             % {"model": self.model._meta.verbose_name, "value": key}) from None

    @staticmethod
    def is_empty(value):
        return value is None or force_str(value).strip() == ""


class NaturalKeysWidget(widgets.ManyToManyWidget):
    """A many-to-many column of names joined by "、"; every name must exist."""

    def __init__(self, model, field="name", separator="、", **kwargs):
        super().__init__(model, separator=separator, field=field, **kwargs)

    def clean(self, value, row=None, **kwargs):
        if not value or not force_str(value).strip():
            return self.model.objects.none()
        keys = [k.strip() for k in force_str(value).split(self.separator) if k.strip()]
        found = self.model.objects.filter(**{f"{self.field}__in": keys})
        missing = sorted(set(keys) - {getattr(obj, self.field) for obj in found})
        if missing:
            raise ValueError(_("No %(model)s named “%(value)s”.")
                             % {"model": self.model._meta.verbose_name, "value": "、".join(missing)})
        return found


class StrictModelResource(resources.ModelResource):
    """A ModelResource that validates every cell, m2m included, and the model's own rules.

    ``after_saved(report)`` is the model's service hook: ``import_table`` calls it inside the
    import's transaction once the rows are saved (never on a dry run).
    """

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def get_instance(self, instance_loader, row):
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            return None  # a bad key cell: import_instance reports it under its column

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors.update(exc.error_dict)
        for f in self.get_import_fields():
            if isinstance(f.widget, widgets.ManyToManyWidget) and f.column_name in row:
                try:
                    f.clean(row, **kwargs)
                except ValueError as exc:
                    errors[f.attribute] = [ValidationError(force_str(exc), code="invalid")]
        if errors:
            raise ValidationError(errors)

    def after_saved(self, report: ImportReport) -> None:
        """Run the model's service hook after a saved import (inside its transaction)."""

    def column_for(self, attribute: str) -> str:
        """The file's column name for a model attribute ("—" for whole-row errors)."""
        for f in self.get_import_fields():
            if f.attribute == attribute:
                return f.column_name
        return attribute if attribute and attribute not in ("__all__", NON_FIELD_ERRORS) else NO_COLUMN

    def expected_columns(self) -> list[str]:
        return [f.column_name for f in self.get_import_fields() if not f.readonly]
