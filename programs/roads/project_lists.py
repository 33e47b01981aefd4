"""Project lists in and out: an uploaded CSV or XLSX list checked and saved in bulk, and the export.

An import reads the file once, checks every row and saves all of them or none:

1. **Read** (policyops.importing.read_table): at most 5 MB and 50,000 rows, the zip-bomb
   check, UTF-8 or GBK, full-width headers; then the header check (missing, unknown or
   repeated columns).
2. **Check** each row with RoadProjectResource's cell widgets (the same cells, the same
   messages), the model's own checks (``full_clean`` without its per-row queries, then
   policyops.importing.checks.ModelRules) and the rules of a row
   (resources.add_row_errors: district scoping, the programme's years, duplicates in the
   file, frozen facts). Districts and the saved projects are read once each, into
   dictionaries: no query per row. Every problem is (line in the file, column, reason).
3. **Save**, if there is no problem, in one transaction: new projects and their history
   rows as simple-history's ``bulk_create_with_history`` writes them, through COPY on
   PostgreSQL (policyops.importing.writing.create_with_history; each with its four milestone rows, as
   services.project_create gives them), changed ones with ``bulk_update_with_history``,
   and one audit row per project created (``create``) or changed (``import_update``).

``preview_import`` does 1 and 2 and keeps the checked rows (programs.roads.import_store)
under a token bound to the user, the file's sha256 and an expiry; ``confirm_import`` takes
the token, checks again only what may have changed meanwhile (the saved projects the list
touches, the user's right to their districts) and does 3 — the file is not read again. A
list of more than ``BACKGROUND_ROWS`` rows is saved by a Celery task
(programs.roads.tasks.import_project_list) that records its progress. ``import_project_table``
does it all in one call (tests, scripts).
"""
from __future__ import annotations

import copy
import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from policyops import audit, importing, job_files
from policyops.exporting import dataset_xlsx
from policyops.importing.checks import ModelRules
from policyops.importing.reading import NO_COLUMN, ImportProblem, ImportRefused
from policyops.importing.tables import accepted_columns
from policyops.importing.writing import create_with_history, insert_rows
from policyops.models import AuditEntry
from programs.roads import import_store
from programs.roads.excel import cell_text
from programs.roads.models import ProjectMilestone, RoadProject, Step
from programs.roads.resources import (
    PROJECT_COLUMNS,
    ROW_KEY,
    RoadProjectResource,
    add_row_errors,
    forbidden_district_error,
    may_import_into,
)

logger = logging.getLogger(__name__)

# The file's limits: the pipeline's 5 MB (a 50,000-row workbook is some 4 MB); 50,000 rows,
# which the bulk path checks in under half a minute and saves, in the background, in another.
PROJECT_UPLOAD_MAX_BYTES = importing.MAX_BYTES
PROJECT_UPLOAD_MAX_ROWS = 50_000
# A 50,000-row list's sheet unpacks to some 46 MB (5,000 rows: 4.6 MB).
PROJECT_UPLOAD_MAX_UNPACKED_BYTES = 100 * 1024 * 1024
# A confirmed list of more rows is saved by a Celery task; its page shows the progress.
BACKGROUND_ROWS = 5_000
# How long a previewed list waits for its confirmation.
PREVIEW_LIFETIME = dt.timedelta(hours=24)
# Rows written per statement group (and per progress step).
WRITE_BATCH = 1_000  # pragma: no mutate (a size tunes statements and progress steps; any saves the same rows)
# The preview page lists at most this many rows (every problem is listed).
PREVIEW_ROWS = 1_000

NEW, UPDATE, SKIP, INVALID = "new", "update", "skip", "invalid"


def file_format(filename: str) -> str | None:
    """"csv" or "xlsx" from the file name's suffix; None for any other name (or none)."""
    return importing.file_format(filename) if Path(filename).suffix else None


# --- what an import reports ------------------------------------------------------------------------


@dataclass
class CheckedRow:
    """One row of the file as checked: what it does (new, update, skip, invalid), its cleaned
    values, the saved project it updates (and that project's version when checked), and
    the cells the preview shows as written."""

    line: int
    action: str
    district: str = ""
    name: str = ""
    plan_year: str = ""
    work_type: str = ""
    quantity: str = ""
    values: dict = dataclass_field(default_factory=dict)  # attribute (district as district_id) → value
    key: tuple | None = None  # (district_id, name, plan_year) once those cells are right
    project_id: int | None = None
    version: str = ""
    duplicate_of: int | None = None  # the line of an earlier row of the same key (while checking)

    def kept(self) -> tuple:
        """What import_store keeps of the row (plain values: no class to unpickle)."""
        return (self.line, self.action, self.district, self.name, self.plan_year, self.work_type, self.quantity,
                self.values, self.key, self.project_id, self.version)

    @classmethod
    def from_kept(cls, kept: tuple) -> CheckedRow:
        return cls(*kept)


@dataclass
class ProjectImport:
    """A list's import: its problems (none: it can be, or was, saved), its rows, its token."""

    filename: str = ""
    problems: list[ImportProblem] = dataclass_field(default_factory=list)
    rows: list[CheckedRow] = dataclass_field(default_factory=list)
    token: str | None = None
    saved: bool = False
    sha256: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def totals(self) -> dict[str, int]:
        totals = dict.fromkeys(("new", "update", "delete", "skip", "invalid", "error"), 0)
        for row in self.rows:
            totals[row.action] += 1
        return totals

    @property
    def shown_rows(self) -> list[CheckedRow]:
        return self.rows[:PREVIEW_ROWS]

    @property
    def rows_not_shown(self) -> int:
        return max(0, len(self.rows) - PREVIEW_ROWS)

    def refused(self, problem: ImportProblem) -> ProjectImport:
        self.problems = [problem]
        return self


# --- 1 and 2: read and check -----------------------------------------------------------------------


def read_project_table(file, *, filename: str = "") -> importing.Table:
    """The file as a Table within the project lists' limits; ImportRefused if it cannot be read."""
    return importing.read_table(file, filename=filename, max_bytes=PROJECT_UPLOAD_MAX_BYTES,
                                max_rows=PROJECT_UPLOAD_MAX_ROWS, max_unpacked_bytes=PROJECT_UPLOAD_MAX_UNPACKED_BYTES,
                                normalise_header=RoadProjectResource.normalise_header)


def check_file(file, *, filename: str = "", user) -> ProjectImport:
    """Read and check a list (nothing is saved); never raises for a bad file.

    ``file``: the file's bytes or an upload (``filename`` gives its format)."""
    content, own_name = importing.read_bytes(file, PROJECT_UPLOAD_MAX_BYTES)
    report = ProjectImport(filename=filename or own_name, sha256=hashlib.sha256(content).hexdigest())
    try:
        table = read_project_table(content, filename=report.filename)
    except ImportRefused as exc:
        return report.refused(exc.problem)
    return check_table(table, user=user, report=report)


def check_table(table: importing.Table, *, user, report: ProjectImport | None = None) -> ProjectImport:
    """Check every row of ``table`` for ``user``: the rows as they would be saved, and every problem."""
    if user is None:
        raise ValueError("The import has no acting user.")
    report = report or ProjectImport(filename=table.filename)
    resource = RoadProjectResource(user=user)
    if not table.headers:
        return report.refused(ImportProblem(None, NO_COLUMN, _("The file has no header row.")))
    expected = resource.expected_columns()
    report.problems = importing.tables.check_columns(
        table, expected, optional=resource.import_optional_columns, ignored=accepted_columns(resource))
    if report.problems:
        return report
    if not table.rows:
        return report.refused(ImportProblem(None, NO_COLUMN, _("The file has no rows to import.")))
    records, report.problems = table.records(expected)
    if report.problems:
        return report
    fields = [f for f in resource.bulk_fields() if f.column_name in table.headers]
    checker = _RowChecker(resource, fields, user)
    cleaned = [checker.clean(line, record) for line, record in records]
    checker.load_saved(key for _row, _errors, key in cleaned if key)
    for row, errors, key in cleaned:
        try:
            report.problems += checker.check(row, errors, key)
        except Exception:  # never a traceback for a row: logged, and the row refused
            logger.exception("Project list import: unexpected error in line %s", row.line)
            row.action = INVALID
            report.problems.append(ImportProblem(row.line, NO_COLUMN, _("This row could not be saved.")))
        report.rows.append(row)
    report.problems.sort(key=lambda p: (p.line, p.column))  # each a row's: a line
    return report


class _RowChecker:
    """The checks of each row, with what they need read once for the whole file."""

    def __init__(self, resource, fields, user):
        self.resource, self.fields, self.user = resource, fields, user
        self.columns = {f.attribute: f.column_name for f in resource.get_import_fields() if f.attribute}
        # The row's key is checked here, across the file and the saved projects, by the name as
        # read: both unique rules of a project's name.
        self.model_rules = ModelRules(RoadProject, checked_unique=[ROW_KEY, ("district", "name_as_read", "plan_year")])
        self.first_line_of_raw_key: dict[tuple, int] = {}
        self.first_line_of_key: dict[tuple, int] = {}
        self.saved: dict[tuple, list[RoadProject]] = {}
        self.may_import: dict[int, bool] = {}

    def clean(self, line: int, record: dict):
        """The row's cells through their widgets: the row (values, key) and the cells' errors."""
        shown = {name: cell_text(record.get(PROJECT_COLUMNS[name])) for name in
                 ("district", "name", "plan_year", "work_type", "quantity")}
        row = CheckedRow(line=line, action=INVALID, **shown)
        errors: dict[str, list[ValidationError]] = {}
        values = {}
        for f in self.fields:
            try:
                values[f.attribute] = f.clean(record)
            except ValueError as exc:
                errors[f.attribute] = [ValidationError(force_str(exc), code="invalid")]
            except Exception:  # never a traceback for a cell: logged, and the cell refused
                logger.exception("Project list import: unexpected error in line %s", line)
                errors[f.attribute] = [ValidationError(_("This row could not be saved."), code="error")]
        row.values = values
        key = None
        if not set(ROW_KEY) & set(errors) and values.get("district") is not None \
                and values.get("plan_year") is not None:
            key = (values["district"].pk, values["name"], values["plan_year"])
        raw_key = (row.district, row.name, row.plan_year)
        duplicate_of = self.first_line_of_raw_key.setdefault(raw_key, line)
        if duplicate_of == line and key is not None:
            # Cells written differently may still name the same project ("2019" and "2019年").
            duplicate_of = self.first_line_of_key.setdefault(key, line)
        row.duplicate_of = duplicate_of if duplicate_of != line else None
        return row, errors, key

    def load_saved(self, keys) -> None:
        """The saved projects the rows' keys may name: one query."""
        self.saved = saved_projects(keys)

    def column_for(self, attribute: str) -> str:
        """The file's column of an attribute an error names; "—" for a whole-row error and for an
        attribute no column of the file holds (the name as read: its English name told nobody anything)."""
        return self.columns.get(attribute, NO_COLUMN)

    def may(self, district_id) -> bool:
        if district_id not in self.may_import:
            self.may_import[district_id] = may_import_into(self.user, district_id)
        return self.may_import[district_id]

    def check(self, row: CheckedRow, errors: dict, key) -> list[ImportProblem]:
        found = self.saved.get(key, []) if key else []
        saved = found[0] if len(found) == 1 else None
        if saved is None:
            instance = new_project(row.values)
        else:
            keep_saved_spelling(row.values, saved)
            instance = copy_of(saved)
            for attribute, value in row.values.items():
                setattr(instance, attribute, value)
        add_row_errors(instance, errors, may_import=self.may(instance.district_id), saved=saved,
                       duplicate_of=row.duplicate_of, ambiguous=len(found) > 1)
        if not errors and saved is not None and not _changes(instance, saved, row.values):
            row.action = SKIP  # unchanged: nothing to save (and, as import-export, nothing to clean)
        else:
            # The district was read from the database with the file's others (its widget's
            # dictionary): full_clean's own check that it exists would be a query per row.
            known = {"district"} if instance.district_id is not None else set()
            # validate_unique=True would ask nothing either, today: Django skips a saved project's own
            # primary key, and validate_name_as_read a row whose district is known (excluded) or missing.
            # Any unique field added would be a query a row: the key and ModelRules check them in bulk.
            try:
                instance.full_clean(exclude=set(errors) | known, validate_constraints=False,
                                    validate_unique=False)  # pragma: no mutate (equivalent today: see above)
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
            # As full_clean, no rule of a field with an error already (NON_FIELD_ERRORS names no field),
            # nor of the name as read when the name has one: it is the name's reading (a blank name
            # was also told 约束 “roadproject_name_as_read_kept” 是无效的, in no column).
            exclude = set(errors) | ({"name_as_read"} if "name" in errors else set())
            for name, found_errors in self.model_rules.errors(instance, exclude=exclude).items():
                errors.setdefault(name, []).extend(found_errors)
            row.action = INVALID if errors else UPDATE if saved is not None else NEW
        row.key = key
        if saved is not None:
            row.project_id, row.version = saved.pk, version_of(saved)
        row.values = {("district_id" if a == "district" else a): (v.pk if a == "district" and v is not None else v)
                      for a, v in row.values.items()}
        return [ImportProblem(row.line, self.column_for(attribute), message)
                for attribute, attribute_errors in errors.items()
                for error in attribute_errors
                for message in error.messages]


def saved_projects(keys, *, lock: bool = False) -> dict[tuple, list[RoadProject]]:
    """The saved projects by key (district_id, name as read, plan_year) among ``keys``: one
    query (of the keys' districts and years: a list has few of either). A row's name is read
    as its cell (cell_text) and a saved project is found by its name as read, so that a list
    finds the project it names however the name was typed: a project named in the admin as
    平度…路（演示） came back from its own export read as 平度…路(演示), and the import took it
    for a new project (round 18). ``lock``: select them for update (a confirm writes what it
    compared)."""
    keys = set(keys)  # none: Django asks nothing of an empty ``__in``
    found: dict[tuple, list[RoadProject]] = {}
    projects = RoadProject.objects.filter(district_id__in={k[0] for k in keys},
                                          plan_year__in={k[2] for k in keys}).order_by("pk")
    if lock:
        projects = projects.select_for_update()
    for project in projects:
        key = (project.district_id, project.name_as_read, project.plan_year)
        if key in keys:
            found.setdefault(key, []).append(project)
    return found


def keep_saved_spelling(values: dict, saved: RoadProject) -> None:
    """Text of ``values`` that reads as the saved text (``cell_text``: 东（北） as 东(北)) takes
    the saved spelling: the list names the project and leaves unchanged what it did not change."""
    for attribute, value in values.items():
        if not isinstance(value, str):
            continue  # before getattr: the saved project's district would be a query per row
        before = getattr(saved, attribute, None)
        if isinstance(before, str) and value != before and value == cell_text(before):
            values[attribute] = before


def copy_of(project: RoadProject) -> RoadProject:
    return copy.copy(project)  # Model.__getstate__ copies its _state: the two stay apart


_FRESH: list[RoadProject] = []


def new_project(values: dict) -> RoadProject:
    """RoadProject(**values), for many rows: a copy of one fresh instance with the values set.
    RoadProject() runs django-fsm's bookkeeping (some 40 µs); copying it costs a tenth."""
    if not _FRESH:
        _FRESH.append(RoadProject())
    project = copy.copy(_FRESH[0])
    for name, value in values.items():
        setattr(project, name, value)
    project.read_name()  # as save() would: the rows are written without it
    return project


def version_of(project: RoadProject) -> str:
    """A digest of every saved field: the confirm saves only if the project is still so."""
    values = repr([getattr(project, f.attname) for f in RoadProject._meta.concrete_fields])
    return hashlib.sha256(values.encode("utf-8")).hexdigest()[:32]  # pragma: no mutate (any length compares alike)


def _changes(instance: RoadProject, saved: RoadProject, values: dict) -> bool:
    attnames = [RoadProject._meta.get_field(attribute).attname for attribute in values]
    return any(getattr(instance, name) != getattr(saved, name) for name in attnames)


# --- 3: save -----------------------------------------------------------------------------------------


def save_rows(rows: list[CheckedRow], *, user, now: dt.datetime, on_progress=None) -> list[ImportProblem]:
    """Save the checked rows of a list, all or none, after checking again what may have changed
    since they were checked: the problems if anything did (then nothing is saved)."""
    written = [r for r in rows if r.action in (NEW, UPDATE)]
    total = len(written)
    try:
        with transaction.atomic():
            problems, current = recheck(rows, user=user, lock=True)
            if problems:
                return problems  # nothing written yet
            done = 0
            creator = _Creator(user, now)
            for batch in _batches([r for r in written if r.action == NEW]):
                creator.create(batch)
                done += len(batch)
                if on_progress:
                    on_progress(done, total)
            for batch in _batches([r for r in written if r.action == UPDATE]):
                creator.update(batch, current)
                done += len(batch)
                if on_progress:
                    on_progress(done, total)
    except IntegrityError:
        # Another user saved a project of the same key between our check and our write.
        logger.info("Project list import refused: a concurrent change", exc_info=True)
        return [ImportProblem(None, NO_COLUMN, _("A project of this list was added or changed by someone else "
                                                 "while it was being saved."))]
    return []


def recheck(rows: list[CheckedRow], *, user, lock: bool = False) -> tuple[list[ImportProblem], dict]:
    """What may have changed since the rows were checked: the user's right to each district,
    and each saved project the list names (the same project, unchanged; no new one of a new
    row's key). One query for the projects (``lock``: selected for update)."""
    valid = [r for r in rows if r.action in (NEW, UPDATE, SKIP)]
    saved = saved_projects((r.key for r in valid if r.key), lock=lock)
    problems, current, may = [], {}, {}
    for row in valid:
        district_id = row.key[0] if row.key else row.values.get("district_id")
        if district_id is not None and row.action != SKIP:
            if district_id not in may:
                may[district_id] = may_import_into(user, district_id)
            if not may[district_id]:
                problems.append(ImportProblem(row.line, PROJECT_COLUMNS["district"],
                                              forbidden_district_error(row.district).messages[0]))
                continue
        found = saved.get(row.key, []) if row.key else []
        project = found[0] if len(found) == 1 else None
        same = (len(found) == (1 if row.project_id else 0)
                and (project is None or (project.pk == row.project_id and version_of(project) == row.version)))
        if not same:
            problems.append(ImportProblem(row.line, NO_COLUMN, _(
                "This row's project was changed, or a project with its district, name and plan year was added, "
                "after the preview.")))
        elif project is not None:
            current[project.pk] = project
    return problems, current


def changed_since_preview_message() -> str:
    return _("Nothing was imported: the projects changed since the preview. Correct the file and upload it "
             "again.")


def _batches(rows: list) -> list[list]:
    return [rows[i:i + WRITE_BATCH] for i in range(0, len(rows), WRITE_BATCH)]


class _Creator:
    """The writes of a batch of rows: a history row per project (simple-history's bulk helpers),
    and what services.project_create and policyops.audit.record write besides (a new
    project's four milestone rows, an audit row per project) as plain rows."""

    def __init__(self, user, now):
        # A saved user: recheck has refused, before any write, a user without the right to the
        # rows' districts (has_perm: never an anonymous or inactive one).
        self.user, self.now = user, now

    def _audit(self, projects, action: str, **extra) -> None:
        insert_rows(AuditEntry, (audit.entry_values(model=RoadProject, object_id=p.pk, object_repr=str(p),
                                                    action=action, actor=self.user, at=self.now, **extra)
                                 for p in projects))

    def create(self, rows: list[CheckedRow]) -> None:
        projects = create_with_history([new_project(r.values) for r in rows], RoadProject,
                                       default_user=self.user, default_date=self.now)
        for row, project in zip(rows, projects, strict=True):  # pragma: no mutate (a guard: one project a row)
            row.project_id = project.pk
        insert_rows(ProjectMilestone, ({"project_id": p.pk, "step": step} for p in projects for step in Step.ORDER))
        self._audit(projects, "create", to_state=RoadProject.State.PLANNED)

    def update(self, rows: list[CheckedRow], current: dict[int, RoadProject]) -> None:
        # The name as read is left as saved: the row found its project by it (its name cell read as
        # the project's name_as_read), and keep_saved_spelling gave the row the saved name itself.
        projects, changed = [], set()
        for row in rows:
            project = current[row.project_id]
            for name, value in row.values.items():
                setattr(project, name, value)
                changed.add(RoadProject._meta.get_field(name).name)
            projects.append(project)
        bulk_update_with_history(projects, RoadProject, sorted(changed), default_user=self.user,
                                 default_date=self.now)
        self._audit(projects, "import_update")


# --- preview and confirm (the page, the admin, the benchmark) --------------------------------------


def preview_import(file, *, filename: str, user, now: dt.datetime | None = None) -> ProjectImport:
    """Read and check a list; if it has no problem, keep its checked rows for ``confirm_import``
    under ``report.token`` (for this user, until ``PREVIEW_LIFETIME`` has passed)."""
    now = now or timezone.now()
    report = check_file(file, filename=filename, user=user)
    if report.ok:
        import_store.purge(now)
        report.token = job_files.new_token()
        import_store.save(report.token, {
            "user_id": user.pk, "filename": report.filename, "sha256": report.sha256, "rows": len(report.rows),
            "writes": sum(r.action in (NEW, UPDATE) for r in report.rows),
            "uploaded_at": now.isoformat(), "expires_at": (now + PREVIEW_LIFETIME).isoformat(),
        }, [row.kept() for row in report.rows])
    return report


def waiting_import(token: str, *, user, now: dt.datetime) -> dict | None:
    """The meta data of the list waiting under ``token`` if it is this user's and not expired."""
    meta = import_store.meta(token)
    if not meta or meta.get("user_id") != getattr(user, "pk", None) or has_expired(meta, now):
        return None
    return meta


def has_expired(meta: dict, now: dt.datetime) -> bool:
    try:
        return dt.datetime.fromisoformat(meta["expires_at"]) <= now
    except (KeyError, TypeError, ValueError):
        return True


def expired_problem() -> ImportProblem:
    return ImportProblem(None, NO_COLUMN, _("This preview has expired or was replaced by another upload; upload "
                                            "the file again."))


def shown_again(token: str, *, user, now: dt.datetime | None = None) -> ProjectImport:
    """The waiting list's preview again, from its checked rows, with what has changed since
    (its token is then of no more use)."""
    now = now or timezone.now()
    meta = waiting_import(token, user=user, now=now)
    stored = import_store.rows(token) if meta else None
    if stored is None:
        return ProjectImport().refused(expired_problem())
    report = ProjectImport(filename=meta["filename"], sha256=meta["sha256"],
                           rows=[CheckedRow.from_kept(r) for r in stored])
    report.problems, _current = recheck(report.rows, user=user)
    report.token = token if report.ok else None
    return report


def confirm_import(token: str, *, user, now: dt.datetime | None = None, on_progress=None) -> ProjectImport:
    """Save the list previewed under ``token`` (by this user, not expired), all or none; the
    file is not read again. ``on_progress(done, total)`` follows the writes."""
    now = now or timezone.now()
    if not waiting_import(token, user=user, now=now) or not import_store.claim(token):
        return ProjectImport().refused(expired_problem())
    return save_claimed(token, user=user, now=now, on_progress=on_progress)


def claim_for_background(token: str, *, user, now: dt.datetime | None = None) -> dict | None:
    """Take the waiting list for a background save (programs.roads.tasks); its meta data, or None."""
    now = now or timezone.now()
    meta = waiting_import(token, user=user, now=now)
    if meta is None or not import_store.claim(token):
        return None
    import_store.write_progress(token, {"user_id": user.pk, "filename": meta["filename"], "state": "queued",
                                        "done": 0, "total": meta["writes"],
                                        "expires_at": meta["expires_at"]})
    return meta


def save_claimed(token: str, *, user, now: dt.datetime, on_progress=None) -> ProjectImport:
    """Save a claimed list (confirm_import, or the background task); its rows are then forgotten."""
    meta = import_store.claimed_meta(token)
    stored = import_store.rows(token) if meta and meta.get("user_id") == user.pk else None
    try:
        if stored is None:
            return ProjectImport().refused(expired_problem())
        report = ProjectImport(filename=meta["filename"], sha256=meta["sha256"], token=token,
                               rows=[CheckedRow.from_kept(r) for r in stored])
        report.problems = save_rows(report.rows, user=user, now=now, on_progress=on_progress)
        report.saved = report.ok
        return report
    finally:
        import_store.discard_rows(token)


def runs_in_background(meta: dict) -> bool:
    return meta["rows"] > BACKGROUND_ROWS


def import_project_table(file, *, user, dry_run: bool, filename: str = "") -> ProjectImport:
    """Check (``dry_run``) or check and save a list in one call: every row or none.

    ``file``: the file's bytes or an upload (``filename`` gives its format). Never raises
    for a bad file: what is wrong is in the report's problems.
    """
    report = check_file(file, filename=filename, user=user)
    if report.ok and not dry_run:
        report.problems = save_rows(report.rows, user=user, now=timezone.now())
        report.saved = report.ok
    return report


def as_import_result(report: ProjectImport, *, dry_run: bool):
    """The report as django-import-export's Result, for the admin's import pages (its preview
    table shows the rows' shown cells; a saved import logs its projects in the admin log)."""
    from import_export.results import Result, RowResult

    result = Result()
    result.diff_headers = [PROJECT_COLUMNS[name] for name in ("district", "name", "plan_year", "work_type",
                                                               "quantity")]
    for row in report.shown_rows if dry_run else report.rows:
        row_result = RowResult()
        row_result.import_type = row.action
        row_result.diff = [row.district, row.name, row.plan_year, row.work_type, row.quantity]
        if row.project_id is not None:
            row_result.instance = RoadProject(pk=row.project_id, name=row.name)
            row_result.object_id, row_result.object_repr = row.project_id, row.name
        result.append_row_result(row_result)
    for action, count in report.totals.items():
        result.totals[action] = count
    return result


# --- export ----------------------------------------------------------------------------------------


def export_projects(queryset, file_kind: str) -> bytes:
    """The projects as an XLSX workbook or a UTF-8 CSV (with BOM, so Excel reads the Chinese)."""
    resource = RoadProjectResource()
    native = file_kind == "xlsx"
    dataset = resource.export(queryset, force_native_type=native)
    # The Resource has neutralised formulas and removed XML's forbidden characters (policyops.cells).
    if native:
        return dataset_xlsx(dataset, RoadProject._meta.verbose_name_plural)
    return ("\ufeff" + dataset.export("csv")).encode("utf-8")
