from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policyops.indicators import ABOUT_TOLERANCE, progress, target_met

D = Decimal
values = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
COMPARATORS = [">=", ">", "<=", "<", "=", "~", "降低", "约降低", "提高"]


@pytest.mark.parametrize("comparator, target, value, met", [
    (">=", D(3), D(3), True), (">=", D(3), D("2.99"), False),
    (">", D(35), D(35), False), (">", D(35), D("35.01"), True),
    ("<=", D(3380), D(3380), True), ("<=", D(3380), D(3381), False),
    ("<", D(10), D(10), False), ("=", D(30), D(30), True), ("=", D(30), D(31), False),
    ("~", D(160), D(160) * (1 + ABOUT_TOLERANCE), True), ("~", D(160), D(150), False),
    ("降低", D(16), D(16), True), ("降低", D(16), D(15), False), ("提高", D(5), D(6), True),
])
def test_comparators(comparator, target, value, met):
    assert target_met(comparator, target, value) is met


def test_unknown_comparator_is_an_error():
    with pytest.raises(ValueError):
        target_met("≈", D(1), D(1))


def test_progress_from_baseline():
    # 2039 high-tech firms in 2017 toward 5000: 3519.5 is half way.
    assert progress(">=", D(5000), D("3519.5"), D(2039)) == D("0.5")


def test_progress_without_reading_is_none():
    assert progress(">=", D(5000), None, D(2039)) is None


def test_progress_downwards_target():
    assert progress("<=", D(80), D(90), D(100)) == D("0.5")


@given(comparator=st.sampled_from(COMPARATORS), target=values.filter(lambda v: v > 0), value=values,
       baseline=st.one_of(st.none(), values))
def test_progress_is_a_share_and_full_only_when_met(comparator, target, value, baseline):
    share = progress(comparator, target, value, baseline)
    assert D(0) <= share <= D(1)
    assert (share == D(1)) == target_met(comparator, target, value)


@given(target=values.filter(lambda v: v > 0), low=values, high=values, baseline=st.one_of(st.none(), values))
def test_progress_never_falls_as_an_upward_value_rises(target, low, high, baseline):
    low, high = sorted((low, high))
    assert progress(">=", target, low, baseline) <= progress(">=", target, high, baseline)


# --- edges found by `make mutants` (README *Mutation testing*) ------------------------------


def test_a_reduction_halfway_to_its_target_is_half_way():
    assert progress("降低", D(20), D(10)) == D("0.5")


def test_a_ceiling_without_a_baseline_is_reached_as_the_value_comes_down_to_it():
    assert progress("<=", D(100), D(200)) == D("0.5")


def test_a_baseline_already_at_the_target_counts_the_way_from_zero():
    assert progress(">=", D(100), D(50), baseline=D(100)) == D("0.5")


def test_an_indicators_progress_reads_its_comparator_target_and_baseline():
    from policyops.indicators import indicator_progress
    from policyops.models import Indicator

    indicator = Indicator(comparator=">=", target_value=D(100), baseline_value=D(20))
    assert indicator_progress(indicator, D(60)) == D("0.5")
