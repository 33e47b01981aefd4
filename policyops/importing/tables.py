"""Importing a Table into a Resource, all-or-nothing, and what it reports (steps 2–5 of
``import_table``): the header check, the run of django-import-export inside one
transaction, every error as (line, column, reason), the service hooks; and
``StrictModelResource``, the base of every PolicyOps Resource.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.encoding import force_str
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from import_export import resources, widgets
from import_export.results import RowResult

import policyops.importing.reading as reading
from policyops.cells import safe_cell
from policyops.errors import PolicyOpsError
from policyops.importing.reading import NO_COLUMN, ImportProblem, ImportRefused, Table

logger = logging.getLogger(__name__)


# --- what an import reports ------------------------------------------------------------------


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
    # What a saved import moved elsewhere (deadlines recomputed), as the receivers name it.
    moved: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def totals(self) -> dict[str, int]:
        keys = ("new", "update", "delete", "skip", "invalid", "error")
        if self.result is None:
            return dict.fromkeys(keys, 0)
        return {k: self.result.totals[k] for k in keys}  # import-export counts every kind, from 0

    def rows(self, *import_types: str) -> list[RowResult]:
        """The row results (with their instance) of the given types: new, update, delete, skip."""
        if self.result is None:
            return []
        return [r for r in self.result.rows if not import_types or r.import_type in import_types]

    def changed_instances(self) -> list:
        """The instances created, updated or deleted (a skipped, unchanged row is not one)."""
        return [r.instance for r in self.rows(RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE,
                                              RowResult.IMPORT_TYPE_DELETE) if r.instance is not None]


# --- checking the header ---------------------------------------------------------------------


def expected_columns(resource) -> list[str]:
    """The columns an import into ``resource`` reads (export-only fields are not among them)."""
    if hasattr(resource, "expected_columns"):
        return list(resource.expected_columns())
    return [f.column_name for f in resource.get_import_fields() if not f.readonly]


def accepted_columns(resource) -> list[str]:
    """Columns a file may have that the import ignores: export-only (read-only) fields, and
    what the resource lists in ``import_ignored_columns``."""
    readonly = [f.column_name for f in resource.get_import_fields() if f.readonly]
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


def key_columns(resource) -> list[str]:
    """The columns of ``resource``'s natural key (its ``import_id_fields``), as the file names them."""
    if hasattr(resource, "key_columns"):
        return list(resource.key_columns())
    names = resource.get_import_id_fields()
    return [resource.fields[name].column_name for name in names if name in resource.fields]


def _key_text(cell) -> str:
    return force_str(cell).strip() if cell is not None else ""


def check_duplicate_keys(table: Table, columns: Iterable[str]) -> list[ImportProblem]:
    """Each row whose natural key (``columns``) a row above it has: import-export would let the
    last one win without a word. A row whose key is all blank is left to the row's own checks
    (a blank part, such as a city-wide indicator's district, is part of the key)."""
    # A key column the file leaves out is blank on every row (a required one was reported
    # missing before this runs; an optional one, such as a reading's district, may be absent).
    columns = [c for c in columns if c in table.headers]
    if not columns:
        return []
    positions = [table.headers.index(c) for c in columns]
    first_line: dict[tuple, int] = {}
    problems = []
    for line, cells in table.rows:
        key = tuple(_key_text(cells[i]) if i < len(cells) else "" for i in positions)
        if not any(key):
            continue
        if key in first_line:
            shown = ", ".join(f"{c}={v}" for c, v in zip(columns, key))
            problems.append(ImportProblem(line, NO_COLUMN, _("the same key as line %(line)s (%(key)s).")
                                          % {"line": first_line[key], "key": shown}))
        else:
            first_line[key] = line
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
                 max_bytes: int | None = reading.MAX_BYTES, max_rows: int | None = reading.MAX_ROWS,
                 max_columns: int = reading.MAX_COLUMNS, max_unpacked_bytes: int | None = reading.MAX_UNPACKED_BYTES,
                 optional_columns: Iterable[str] = (),
                 ignore_columns: Iterable[str] = (), normalise_header: Callable[[object], str] | None = None,
                 allow_empty: bool = False, after_import: Callable[[ImportReport], None] | None = None,
                 **import_kwargs) -> ImportReport:
    """Import ``file`` into ``resource``: every row or none; never raises for a bad file.

    ``resource``: a Resource instance, or a callable that makes one from the Table read
    (to hand it the file's line numbers, say). ``file``: bytes, the file's text, a Path, an
    upload, or a Table already read. ``dry_run`` previews (always rolled back). Columns the
    Resource does not import are refused unless listed in ``ignore_columns`` (or read-only
    fields of the Resource). A file without rows is a problem unless ``allow_empty``.
    ``normalise_header`` turns a header cell into a column name (default: the Resource's
    ``normalise_header`` if it has one, else the trimmed text).

    Once the rows are saved, inside the same transaction: ``resource.after_saved(report)``
    (the model's service hook), then ``after_import(report)``. An exception there rolls the
    import back and propagates.
    """
    report = ImportReport(filename=filename, dry_run=dry_run)
    if normalise_header is None and isinstance(resource, resources.Resource):
        normalise_header = getattr(resource, "normalise_header", None)
    if isinstance(file, Table):
        table = file
    else:
        try:
            table = reading.read_table(file, filename=filename, format=format, max_bytes=max_bytes,
                                       max_rows=max_rows, max_columns=max_columns,
                                       max_unpacked_bytes=max_unpacked_bytes, normalise_header=normalise_header)
        except ImportRefused as exc:
            report.problems = [exc.problem]
            return report
    report.table = table
    report.filename = filename or table.filename
    if not isinstance(resource, resources.Resource):  # a callable that makes one
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
    report.problems = check_duplicate_keys(table, key_columns(resource))
    if report.problems:
        return report
    # Columns no field imports but a widget reads from its row (the other parts of a key):
    # a Resource's ``import_context_columns``.
    context = [c for c in getattr(resource, "import_context_columns", ()) if c in table.headers and c not in columns]
    dataset, report.problems = table.dataset([*(c for c in columns if c in table.headers), *context])
    if report.problems:
        return report
    with transaction.atomic():
        # Each row in a savepoint of its own: on PostgreSQL a row the database refuses spoils no other.
        result = resource.import_data(
            dataset, dry_run=dry_run, raise_errors=False, use_transactions=True,
            rollback_on_validation_errors=True,  # pragma: no mutate (kept, though the rollback below undoes all)
            retain_instance_in_row_result=True, user=user, file_name=report.filename, **import_kwargs)
        report.result = result
        report.problems = result_problems(resource, result, table)
        if report.problems or dry_run:
            transaction.set_rollback(True)  # pragma: no mutate (kept, though import-export's savepoint rolled back)
        else:
            report.saved = True
            hook = getattr(resource, "after_saved", None)
            if hook is not None:
                hook(report)
            if after_import is not None:
                after_import(report)
    return report


class SafeExportMixin:
    """A Resource whose exported cells open as text, never as live formulas
    (``policyops.cells.safe_cell``), in CSV and XLSX alike."""

    def export_resource(self, instance, selected_fields=None, **kwargs):
        """One row, each cell through ``safe_cell``, as import-export's ``export_field`` writes it
        (the field's dehydrate method, else ``field.export``), each field's way found once an
        export: import-export found it again for every cell, its name by a scan of all fields
        (a quarter of a 10,000-row export's time, issue 12)."""
        return [safe_cell(field.export(instance, **kwargs) if dehydrate is None else dehydrate(instance))
                for field, dehydrate in self._export_plan(selected_fields)]

    @classmethod
    def exported_attributes(cls) -> list[str]:
        """The model's attributes, related ones by their path ("power__agency__name"), that the
        export's columns read: what ``QuerySet.only`` needs for an export (a dehydrate method
        reads its own field's attribute)."""
        return [field.attribute for field in cls().fields.values() if field.attribute]

    def _export_plan(self, selected_fields) -> list:
        """[(field, its dehydrate method or None)] of the exported columns, in their order."""
        key = tuple(selected_fields) if selected_fields else None
        plans = self.__dict__.setdefault("_export_plans", {})
        if key not in plans:
            plan = []
            for field in self.get_export_fields(selected_fields):
                method = field.get_dehydrate_method(self.get_field_name(field))
                plan.append((field, method if callable(method) else getattr(self, method, None)))
            plans[key] = plan
        return plans[key]

    def choice_label(self, instance, name: str) -> str:
        """The label of ``instance``'s choice in the field ``name``, as ``str(get_FOO_display())``
        gives it, each label translated once an export: get_FOO_display rebuilds the field's
        choices and translates every label on each call (~80 µs a cell; 0.8 s of a
        10,000-row export, issue 12)."""
        labels_by_field = self.__dict__.setdefault("_choice_labels", {})
        key = (name, get_language())
        labels = labels_by_field.get(key)
        if labels is None:
            field = instance._meta.get_field(name)
            labels = labels_by_field[key] = {value: str(label) for value, label in field.flatchoices}
        value = getattr(instance, name)
        return labels[value] if value in labels else str(value)


class UnstyledDiff(resources.Diff):
    """The import preview's changes as import-export marks them, without the colours that
    diff-match-patch writes into each ``<ins>``/``<del>`` as a style attribute: the Content
    Security Policy refused every one (a console error a changed cell); import-export's own
    import.css colours them."""

    INLINE_COLOUR = re.compile(r'<(ins|del) style="[^"]*">')

    def as_html(self):
        return [mark_safe(self.INLINE_COLOUR.sub(r"<\1>", html)) for html in super().as_html()]


class StrictModelResource(SafeExportMixin, resources.ModelResource):
    """A ModelResource that validates every cell, m2m included, and the model's own rules.

    A Resource adds its own rules of a row in ``check_instance`` (every error under its
    attribute, all reported together). ``after_saved(report)`` is the model's service hook:
    ``import_table`` calls it inside the import's transaction once the rows are saved (never
    on a dry run). A Resource may define ``normalise_header(cell) -> str`` to read the
    header cells its files are written with.
    """

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def get_diff_class(self):
        return UnstyledDiff

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
        self.check_instance(instance, row, errors, **kwargs)
        if errors:
            raise ValidationError(errors)

    def check_instance(self, instance, row, errors: dict, **kwargs) -> None:
        """The Resource's own rules for a row, once its cells are read into ``instance``: add
        each error to ``errors`` as ``{attribute: [ValidationError]}`` (the cells' own errors
        are there already; ``kwargs["row_number"]`` is the row's number in the import)."""

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
