"""Whether an indicator's target is met, and how far a value has come from baseline.

One place for the comparator semantics (DOMAIN.md §4: a target is comparator + value +
unit, never a bare number). How the sources' wording maps to a comparator is in
seeds/README.md: a bare number in a target column is a level to reach (``>=``, e.g.
000:36 每万人拥有研发人员 120); 约 / 左右 is "about" (``~``, or ``约降低`` for "降低 X%左右").
"""
from __future__ import annotations

from decimal import Decimal

from policyops.models.ledger import Comparator

# "约 160" (about): within this share of the target counts as met. A plan's "约" carries
# no tolerance of its own; 5 % is our reading, stated here once.
ABOUT_TOLERANCE = Decimal("0.05")

ONE = Decimal(1)
ZERO = Decimal(0)


def _clamp(x: Decimal) -> Decimal:
    return max(ZERO, min(ONE, x))


def target_met(comparator: str, target: Decimal, value: Decimal) -> bool:
    if comparator == Comparator.AT_LEAST:
        return value >= target
    if comparator == Comparator.MORE_THAN:
        return value > target
    if comparator == Comparator.AT_MOST:
        return value <= target
    if comparator == Comparator.LESS_THAN:
        return value < target
    if comparator == Comparator.EQUAL:
        return value == target
    if comparator == Comparator.ABOUT:
        return abs(value - target) <= abs(target) * ABOUT_TOLERANCE
    if comparator in (Comparator.REDUCE_BY, Comparator.INCREASE_BY):
        # The reading is the achieved change in percent (see IndicatorReading).
        return value >= target
    if comparator == Comparator.REDUCE_BY_ABOUT:
        # 002:1638 "比2015年降低20%左右": 左右 is "about", so within the same tolerance as 约;
        # a larger reduction than the target is met as well.
        return value >= target - abs(target) * ABOUT_TOLERANCE
    raise ValueError(f"unknown comparator {comparator!r}")


def progress(comparator: str, target: Decimal, value: Decimal | None,
             baseline: Decimal | None = None) -> Decimal | None:
    """Share of the way from baseline to target, 0…1 (1 exactly when the target is met).

    None when there is no value yet. Without a baseline the way starts at zero.
    """
    if value is None:
        return None
    if target_met(comparator, target, value):
        return ONE
    if comparator in (Comparator.REDUCE_BY, Comparator.INCREASE_BY, Comparator.REDUCE_BY_ABOUT):
        share = value / target if target else ZERO
    elif comparator in (Comparator.AT_MOST, Comparator.LESS_THAN):
        # Coming down towards the target from a higher baseline.
        if baseline is None or baseline <= target:
            share = target / value if value else ZERO
        else:
            share = (baseline - value) / (baseline - target)
    else:
        start = baseline if baseline is not None and baseline < target else ZERO
        share = (value - start) / (target - start) if target != start else ZERO
    # Not met, so never report a full bar.
    return min(_clamp(share), Decimal("0.99"))


def indicator_progress(indicator, value: Decimal | None) -> Decimal | None:
    return progress(indicator.comparator, indicator.target_value, value, indicator.baseline_value)


def indicator_met(indicator, value: Decimal | None) -> bool:
    return value is not None and target_met(indicator.comparator, indicator.target_value, value)
