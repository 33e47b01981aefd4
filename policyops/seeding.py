"""Loading seeds/: the data transcribed from the sources, one CSV per table.

Each app registers its seed files (``register``) with the django-import-export
Resource that reads them, so the admin imports and exports the same format. Loading is
all-or-nothing: every file is validated row by row inside one transaction; any error
(file, line, column, reason) rolls everything back.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import tablib
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _


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


_registry: dict[str, SeedFile] = {}


def register(filename: str, resource_class: type, order: int) -> None:
    _registry[filename] = SeedFile(filename, resource_class, order)


def seed_files() -> list[SeedFile]:
    return sorted(_registry.values(), key=lambda s: (s.order, s.filename))


def seeds_dir() -> Path:
    return Path(getattr(settings, "SEEDS_DIR", settings.BASE_DIR / "seeds"))


def read_csv(path: Path) -> tablib.Dataset:
    """Read a UTF-8 CSV with a header row into a Dataset (every cell a string)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        return tablib.Dataset()
    width = len(rows[0])
    dataset = tablib.Dataset(headers=[h.strip() for h in rows[0]])
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != width:
            raise SeedsInvalid([SeedProblem(path.name, line, "—", _(
                "the row has %(found)s cells, the header %(expected)s.") % {"found": len(row), "expected": width})])
        dataset.append(row)
    return dataset


def import_problems(filename: str, resource, result) -> list[SeedProblem]:
    """Every error of an import result as file, line, column, reason (line 1 = header)."""
    problems = []
    for invalid in result.invalid_rows:
        for attribute, errors in invalid.error_dict.items():
            for error in errors:
                messages = error.messages if hasattr(error, "messages") else [str(error)]
                for message in messages:
                    problems.append(SeedProblem(filename, invalid.number + 1, resource.column_for(attribute), message))
    for number, errors in result.row_errors():
        for error in errors:
            problems.append(SeedProblem(filename, number + 1, "—", str(error.error)))
    for error in result.base_errors:
        problems.append(SeedProblem(filename, 0, "—", str(error.error)))
    return sorted(problems, key=lambda p: (p.line, p.column))


def check_header(filename: str, dataset: tablib.Dataset, resource) -> list[SeedProblem]:
    expected = resource.expected_columns()
    found = list(dataset.headers or [])
    missing = [c for c in expected if c not in found]
    unknown = [c for c in found if c not in expected]
    problems = []
    if missing:
        problems.append(SeedProblem(filename, 1, "、".join(missing), _("missing column.")))
    if unknown:
        problems.append(SeedProblem(filename, 1, "、".join(unknown), _("unknown column.")))
    return problems


def import_dataset(filename: str, dataset: tablib.Dataset, resource, *, dry_run: bool = False):
    """Import one dataset inside the caller's transaction; returns (result, problems)."""
    problems = check_header(filename, dataset, resource)
    if problems:
        return None, problems
    result = resource.import_data(dataset, dry_run=dry_run, raise_errors=False, use_transactions=False,
                                  collect_failed_rows=True)
    return result, import_problems(filename, resource, result)


def load_seeds(directory: Path | None = None) -> SeedReport:
    """Load every registered seed file; raise SeedsInvalid (and write nothing) on any error."""
    directory = Path(directory or seeds_dir())
    report = SeedReport()
    problems: list[SeedProblem] = []
    with transaction.atomic():
        for seed in seed_files():
            path = directory / seed.filename
            if not path.exists():
                problems.append(SeedProblem(seed.filename, 0, "—", _("the file is missing.")))
                continue
            try:
                dataset = read_csv(path)
            except SeedsInvalid as exc:
                problems.extend(exc.problems)
                continue
            except UnicodeDecodeError:
                problems.append(SeedProblem(seed.filename, 0, "—", _("the file is not UTF-8 text.")))
                continue
            resource = seed.resource_class()
            result, file_problems = import_dataset(seed.filename, dataset, resource)
            problems.extend(file_problems)
            if result is not None:
                report.counts[seed.filename] = {k: result.totals.get(k, 0) for k in ("new", "update", "delete", "skip")}
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
