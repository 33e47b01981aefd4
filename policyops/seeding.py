"""Loading seeds/: the data transcribed from the sources, one CSV per table.

Each app registers its seed files (``register``) with the django-import-export
Resource that reads them, so the admin imports and exports the same format. Every file
goes through the one import pipeline (``policyops.importing.import_table``: limits,
header check, row validation, the Resource's service hook). Loading is all-or-nothing:
every file is first read and checked (size, header, no natural key twice) before anything
is written; then all files load inside one transaction; any error (file, line, column,
reason) rolls everything back.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from policyops import importing


@dataclass(frozen=True)
class SeedFile:
    filename: str
    resource_class: type
    order: int


@dataclass(frozen=True)
class SeedProblem:
    filename: str
    line: int
    column: str
    reason: str

    def __str__(self):
        return _("%(file)s, line %(line)s, column %(column)s: %(reason)s") % {
            "file": self.filename, "line": self.line, "column": self.column, "reason": self.reason}


@dataclass
class SeedReport:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(c["new"] or c["update"] or c["delete"] for c in self.counts.values())


class SeedsInvalid(Exception):
    def __init__(self, problems: list[SeedProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# The largest seed (policy_tasks.csv) is under 40 KB: a seed file 25 times that is a mistake.
SEED_MAX_BYTES = 1024 * 1024

_registry: dict[str, SeedFile] = {}


def register(filename: str, resource_class: type, order: int) -> None:
    _registry[filename] = SeedFile(filename, resource_class, order)


def seed_files() -> list[SeedFile]:
    return sorted(_registry.values(), key=lambda s: (s.order, s.filename))


def seeds_dir() -> Path:
    return Path(getattr(settings, "SEEDS_DIR", settings.BASE_DIR / "seeds"))


def read_seed_file(seed: SeedFile, path: Path) -> tuple[importing.Table | None, list[SeedProblem]]:
    """One seed file read and checked before anything is written: its size, its header and
    no natural key twice. The Table, or None and the problems."""
    try:
        table = importing.read_table(path, filename=seed.filename, format="csv", max_bytes=SEED_MAX_BYTES)
    except importing.ImportRefused as exc:
        return None, [_seed_problem(seed, exc.problem)]
    resource = seed.resource_class()
    problems = importing.tables.check_columns(table, importing.tables.expected_columns(resource),
                                              optional=getattr(resource, "import_optional_columns", ()),
                                              ignored=importing.tables.accepted_columns(resource))
    problems = problems or importing.tables.check_duplicate_keys(table, importing.tables.key_columns(resource))
    return (None, [_seed_problem(seed, p) for p in problems]) if problems else (table, [])


def _seed_problem(seed: SeedFile, problem: importing.ImportProblem) -> SeedProblem:
    """A problem of the pipeline as the load reports it: a problem of the whole file is on line 0."""
    return SeedProblem(seed.filename, problem.line or 0, problem.column, problem.reason)


def load_seed_file(seed: SeedFile, path: Path | importing.Table) -> importing.ImportReport:
    """Import one seed file (or its Table, read already) through the pipeline (inside the
    caller's transaction)."""
    return importing.import_table(seed.resource_class(), path, filename=seed.filename, format="csv",
                                  dry_run=False, allow_empty=True, max_bytes=SEED_MAX_BYTES)


def load_seeds(directory: Path | None = None) -> SeedReport:
    """Load every registered seed file; raise SeedsInvalid (and write nothing) on any error.

    A file with an error is not imported at all, and the others are still checked (so one
    run lists every problem); the whole load is then rolled back.
    """
    directory = Path(directory or seeds_dir())
    report = SeedReport()
    problems: list[SeedProblem] = []
    tables = {}
    for seed in seed_files():
        path = directory / seed.filename
        if not path.exists():
            problems.append(SeedProblem(seed.filename, 0, importing.NO_COLUMN, _("the file is missing.")))
            continue
        tables[seed.filename], found = read_seed_file(seed, path)
        problems.extend(found)
    if problems:
        raise SeedsInvalid(problems)
    with transaction.atomic():
        for seed in seed_files():
            result = load_seed_file(seed, tables[seed.filename])
            problems.extend(_seed_problem(seed, p) for p in result.problems)
            if result.ok:
                report.counts[seed.filename] = {k: result.totals[k] for k in ("new", "update", "delete", "skip")}
        if problems:
            # Leaving the block by an exception rolls back every file, valid ones too.
            raise SeedsInvalid(problems)
    return report


def register_policyops_seeds() -> None:
    from policyops import resources

    register("districts.csv", resources.DistrictResource, 10)
    register("departments.csv", resources.DepartmentResource, 20)
    register("halls.csv", resources.ServiceHallResource, 30)
    register("policy_documents.csv", resources.PolicyDocumentResource, 40)
    register("indicators.csv", resources.IndicatorResource, 60)
    register("policy_tasks.csv", resources.PolicyTaskResource, 70)
