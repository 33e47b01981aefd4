"""The number parser of project lists: numbers with their unit, never estimates or ranges."""
from decimal import Decimal

import pytest

from programs.roads.parsing import UnitKind, parse_quantity, parse_whole

D = Decimal


@pytest.mark.parametrize("text, kind, expected", [
    ("69.7", UnitKind.KM, "69.7"),
    ("69.7公里", UnitKind.KM, "69.7"),
    ("69.7 km", UnitKind.KM, "69.7"),
    ("69.7KM", UnitKind.KM, "69.7"),
    ("６９．７公里", UnitKind.KM, "69.7"),      # full-width digits and point
    ("69。7", UnitKind.KM, "69.7"),            # the Chinese full stop typed for a point
    (" 8座 ", UnitKind.BRIDGES, "8"),
    ("300个", UnitKind.STOPS, "300"),
    ("12.5万元", UnitKind.MONEY_WAN, "12.5"),
    ("1,234.5万", UnitKind.MONEY_WAN, "1234.5"),
    ("6.5米", UnitKind.METRES, "6.5"),
    ("20cm", UnitKind.CENTIMETRES, "20"),
    ("0", UnitKind.KM, "0"),
    (69.7, UnitKind.KM, "69.7"),               # numeric Excel cells
    (8, UnitKind.BRIDGES, "8"),
    (D("4.90"), UnitKind.KM, "4.90"),
])
def test_parse_quantity_accepts_numbers_with_their_unit(text, kind, expected):
    assert parse_quantity(text, kind) == D(expected)


@pytest.mark.parametrize("text", ["", "   ", None])
def test_parse_quantity_empty_is_none(text):
    assert parse_quantity(text, UnitKind.KM) is None


@pytest.mark.parametrize("text, kind, words", [
    ("约160", UnitKind.KM, ["约160", "估计值"]),
    ("160左右", UnitKind.KM, ["160左右", "估计值"]),
    ("大约 160 公里", UnitKind.KM, ["估计值"]),
    ("160多公里", UnitKind.KM, ["估计值"]),
    ("若干", UnitKind.BRIDGES, ["若干", "估计值"]),
    ("10-20", UnitKind.KM, ["10-20", "范围"]),
    ("10～20公里", UnitKind.KM, ["范围"]),
    ("10至20", UnitKind.KM, ["范围"]),
    ("-5", UnitKind.KM, ["负数"]),
    ("69.7公里", UnitKind.MONEY_WAN, ["单位应为万元"]),
    ("8座", UnitKind.KM, ["单位应为公里"]),
    ("125000元", UnitKind.MONEY_WAN, ["万元"]),
    ("abc", UnitKind.KM, ["不是数字"]),
    ("1e3", UnitKind.KM, ["单位"]),
    ("NaN", UnitKind.KM, ["不是数字"]),
])
def test_parse_quantity_refuses_estimates_ranges_and_other_units(text, kind, words):
    with pytest.raises(ValueError) as exc:
        parse_quantity(text, kind)
    for word in words:
        assert word in str(exc.value)


def test_parse_whole_refuses_fractions():
    assert parse_whole("2019年", UnitKind.YEAR) == 2019
    with pytest.raises(ValueError, match="整数"):
        parse_whole("2.5座", UnitKind.BRIDGES)


# --- edges found by `make mutants` (README *Mutation testing*) ------------------------------


@pytest.mark.parametrize("cell", [float("inf"), float("-inf"), float("nan")])
def test_a_numeric_cell_that_is_no_number_is_refused(cell):
    with pytest.raises(ValueError, match="不是数字"):
        parse_quantity(cell, UnitKind.KM)


def test_fifteen_digits_are_a_number_and_sixteen_too_long():
    assert parse_quantity("9" * 15, UnitKind.KM) == D("9" * 15)
    with pytest.raises(ValueError, match="数字过长"):
        parse_quantity("9" * 16, UnitKind.KM)


def test_a_sum_in_yuan_is_asked_in_wan_only_in_a_money_column():
    with pytest.raises(ValueError) as exc:
        parse_quantity("3元", UnitKind.KM)
    assert "单位应为公里" in str(exc.value) and "万元" not in str(exc.value)


@pytest.mark.parametrize("kind, example", [(UnitKind.KM, "如 12.5 或 12.5公里"), (UnitKind.YEAR, "如 2019")])
def test_a_cell_that_is_no_number_is_answered_with_an_example(kind, example):
    with pytest.raises(ValueError) as exc:
        parse_quantity("abc", kind)
    assert example in str(exc.value)


def test_a_long_value_is_named_in_its_first_forty_characters():
    forty = "约" + "1" * 39
    with pytest.raises(ValueError) as exc:
        parse_quantity(forty, UnitKind.KM)
    assert f"“{forty}”" in str(exc.value)
    with pytest.raises(ValueError) as exc:
        parse_quantity(forty + "2", UnitKind.KM)
    assert f"“{forty}…”" in str(exc.value)
