"""A model's own rules for many rows at once, without a query per row.

``Model.full_clean()`` asks the database about every constraint of every row: a
CheckConstraint is a ``SELECT`` (three statements inside a transaction), a unique rule one
more. A bulk import (programs.roads.project_lists) runs ``full_clean`` without them and
then ``ModelRules.errors`` here, which checks the same rules: a CheckConstraint made of plain
comparisons with constants (``Q(quantity__gt=0)``) in Python, with SQL's three-valued
logic (a comparison with NULL passes, as in the database); every other constraint, and a
unique rule the caller does not check itself across the whole file, through its own
``validate`` — a query, but only for models that have such a rule.
"""
from __future__ import annotations

import operator

from django.core.exceptions import ValidationError
from django.db.models import CheckConstraint, Q

_COMPARISONS = {"exact": operator.eq, "gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}


class _NotPlain(Exception):
    """The condition is more than comparisons of a field with a constant."""


def _truth(condition: Q, values: dict) -> bool | None:
    """True, False or None (unknown: SQL's NULL) of ``condition`` for the row's ``values``."""
    results = []
    for child in condition.children:
        if isinstance(child, Q):
            results.append(_truth(child, values))
            continue
        lookup, constant = child
        name, _sep, kind = lookup.partition("__")
        kind = kind or "exact"
        if name not in values or hasattr(constant, "resolve_expression") or (
                kind not in _COMPARISONS and kind != "isnull"):
            raise _NotPlain(lookup)
        value = values[name]
        if kind == "isnull":
            results.append((value is None) == bool(constant))
        elif value is None or constant is None:
            results.append(None)
        else:
            results.append(bool(_COMPARISONS[kind](value, constant)))
    if condition.connector == Q.AND:
        truth = False if False in results else None if None in results else True
    elif condition.connector == Q.OR:
        truth = True if True in results else None if None in results else False
    else:
        raise _NotPlain(condition.connector)
    return truth if truth is None or not condition.negated else not truth


def _fields_of(condition: Q) -> set[str]:
    names = set()
    for child in condition.children:
        names |= _fields_of(child) if isinstance(child, Q) else {child[0].partition("__")[0]}
    return names


class ModelRules:
    """A model's unique rules and constraints, sorted once for many rows: what ``errors``
    checks in Python, what it asks the database (only what cannot be checked otherwise).

    ``checked_unique``: field tuples whose uniqueness the caller checks itself, across the
    file and the saved rows (an import's natural key). The primary key needs no check.
    """

    def __init__(self, model, *, checked_unique=()):
        checked = {tuple(fields) for fields in checked_unique}
        unique_checks, date_checks = model()._get_unique_checks(include_meta_constraints=False)
        self.ask_unique = bool(date_checks) or any(
            fields not in checked and fields != (model._meta.pk.name,) for _model, fields in unique_checks)
        self.plain, self.others = [], []
        for model_class, constraints in model().get_constraints():
            for constraint in constraints:
                if tuple(getattr(constraint, "fields", ()) or ()) in checked \
                        and not getattr(constraint, "condition", None):
                    continue
                if isinstance(constraint, CheckConstraint):
                    condition = Q(constraint.condition)
                    names = _fields_of(condition)
                    try:
                        _truth(condition, dict.fromkeys(names))
                    except _NotPlain:
                        pass
                    else:
                        self.plain.append((constraint, condition, names))
                        continue
                self.others.append((model_class, constraint))
        self.attnames = {name: model._meta.get_field(name).attname
                         for _c, _q, names in self.plain for name in names}

    def errors(self, instance, *, exclude=()) -> dict[str, list[ValidationError]]:
        """The errors ``full_clean(validate_unique=True, validate_constraints=True)`` adds to
        those of ``full_clean(exclude, validate_unique=False, validate_constraints=False)``;
        ``exclude``: fields not checked (those with errors already, as full_clean does)."""
        exclude = set(exclude)
        errors: dict = {}
        if self.ask_unique:
            try:
                instance.validate_unique(exclude=exclude)
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
        values = {name: getattr(instance, attname) for name, attname in self.attnames.items()}
        for constraint, condition, names in self.plain:
            if names & exclude:
                continue  # as Django skips a constraint on a field that already failed
            if _truth(condition, values) is False:
                errors = _add(errors, ValidationError(constraint.get_violation_error_message(),
                                                      code=constraint.violation_error_code), constraint)
        for model_class, constraint in self.others:
            try:
                constraint.validate(model_class, instance, exclude=exclude)
            except ValidationError as exc:
                errors = _add(errors, exc, constraint)
        return errors


def _add(errors: dict, exc: ValidationError, constraint) -> dict:
    # As Model.validate_constraints files them.
    if getattr(exc, "code", None) == "unique" and len(getattr(constraint, "fields", ())) == 1:
        errors.setdefault(constraint.fields[0], []).append(exc)
        return errors
    return exc.update_error_dict(errors)
