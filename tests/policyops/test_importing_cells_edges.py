"""The edges of the strict cell widgets (policyops.importing.widgets) and of a model's rules
checked for many rows at once (policyops.importing.checks). One behaviour a test; what the
user reads is Chinese (zh-hans)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from policyops.importing import checks
from policyops.importing.widgets import (
    IsoDateWidget,
    NaturalKeysWidget,
    NaturalKeyWidget,
    StrictBooleanWidget,
    StrictDecimalWidget,
    StrictIntegerWidget,
)
from policyops.models import Department, District

# --- numbers ----------------------------------------------------------------------------------------------


def test_a_decimal_is_read_from_its_trimmed_digits():
    assert StrictDecimalWidget().clean(" 1.50 ") == Decimal("1.50")


def test_a_blank_decimal_is_none():
    assert StrictDecimalWidget().clean("") is None


@pytest.mark.parametrize("text", ["约160", "69.7公里", "NaN", "Infinity", "-inf"])
def test_a_decimal_that_is_not_plain_digits_is_refused_naming_it(text):
    with pytest.raises(ValueError, match=f"^“{text}”不是有效数字。$"):
        StrictDecimalWidget().clean(f" {text} ")


def test_a_whole_number_may_be_written_with_zero_decimals():
    value = StrictIntegerWidget().clean("3.00")
    assert value == 3 and type(value) is int


def test_a_number_with_a_fraction_is_not_a_whole_number():
    with pytest.raises(ValueError, match="^“3.5”不是整数。$"):
        StrictIntegerWidget().clean("3.5")


def test_a_whole_number_that_is_not_finite_is_refused():
    with pytest.raises(ValueError, match="^“NaN”不是整数。$"):
        StrictIntegerWidget().clean("NaN")


def test_a_blank_whole_number_is_none():
    assert StrictIntegerWidget().clean(None) is None


# --- dates -----------------------------------------------------------------------------------------------------


def test_a_workbooks_date_time_cell_is_its_date():
    assert IsoDateWidget().clean(dt.datetime(2026, 3, 1, 9, 30)) == dt.date(2026, 3, 1)


def test_a_date_cell_is_taken_as_it_is():
    assert IsoDateWidget().clean(dt.date(2026, 3, 1)) == dt.date(2026, 3, 1)


@pytest.mark.parametrize("value", [None, "", "  "])
def test_a_blank_date_is_none(value):
    assert IsoDateWidget().clean(value) is None


def test_a_date_is_read_as_yyyy_mm_dd():
    assert IsoDateWidget().clean(" 2026-03-01 ") == dt.date(2026, 3, 1)


def test_a_date_in_another_form_is_refused_naming_it():
    with pytest.raises(ValueError, match="^“2026/03/01”不是有效日期（格式为YYYY-MM-DD）。$"):
        IsoDateWidget().clean("2026/03/01 ")


# --- yes or no -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "read"), [
    (True, True), (False, False), ("1", True), (" Yes ", True), ("是", True), ("y", True), ("TRUE", True),
    ("0", False), ("否", False), ("No", False), ("n", False), ("false", False), (None, None), (" ", None)])
def test_a_yes_or_no_cell_is_read_strictly(value, read):
    assert StrictBooleanWidget().clean(value) is read


def test_anything_else_is_refused_rather_than_read_as_no():
    with pytest.raises(ValueError, match="^“Maybe”不是1/0、true/false或是/否。$"):
        StrictBooleanWidget().clean(" Maybe ")


# --- natural keys ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_natural_key_is_found_by_its_trimmed_name(seeded):
    assert NaturalKeyWidget(District, field="name").clean(" 平度市 ") == District.objects.get(name="平度市")


@pytest.mark.django_db
@pytest.mark.parametrize("preloaded", [False, True])
def test_a_natural_key_not_there_is_refused_naming_it(seeded, preloaded):
    widget = NaturalKeyWidget(District, field="name")
    widget = widget.preloaded() if preloaded else widget
    with pytest.raises(ValueError, match="^不存在名为“火星区”的区（市）。$"):
        widget.clean(" 火星区 ")


@pytest.mark.parametrize("value", [None, "", "  "])
def test_a_blank_natural_key_is_none(value):
    assert NaturalKeyWidget(District, field="name").clean(value) is None


@pytest.mark.django_db
def test_a_preloaded_widget_reads_the_rows_it_is_given(seeded):
    pingdu = District.objects.get(name="平度市")
    widget = NaturalKeyWidget(District, field="name").preloaded(District.objects.filter(pk=pingdu.pk))
    assert widget.clean("平度市") == pingdu
    with pytest.raises(ValueError):
        widget.clean("莱西市")


def test_a_preloaded_key_two_rows_share_is_ambiguous():
    widget = NaturalKeyWidget(District, field="name").preloaded([District(name="甲"), District(name="甲"),
                                                                 District(name="乙")])
    assert widget.clean("乙").name == "乙"
    with pytest.raises(District.MultipleObjectsReturned):
        widget.clean("甲")


@pytest.mark.django_db
def test_preloading_leaves_the_widget_it_copies_reading_the_database(seeded):
    widget = NaturalKeyWidget(District, field="name")
    widget.preloaded(District.objects.none())
    assert widget.known is None and widget.clean("平度市").name == "平度市"


@pytest.mark.django_db
def test_names_joined_by_a_pause_mark_are_each_found(seeded):
    names = list(Department.objects.values_list("name", flat=True)[:2])
    found = NaturalKeysWidget(Department).clean(f" {names[0]} 、{names[1]}、 ")
    assert sorted(d.name for d in found) == sorted(names)


@pytest.mark.django_db
@pytest.mark.parametrize("value", [None, "", " "])
def test_a_blank_names_cell_is_no_names(seeded, value):
    assert list(NaturalKeysWidget(Department).clean(value)) == []


@pytest.mark.django_db
def test_the_names_not_there_are_named_in_order(seeded):
    name = Department.objects.values_list("name", flat=True).first()
    with pytest.raises(ValueError) as raised:
        NaturalKeysWidget(Department).clean(f"乙局、{name}、甲局")
    assert str(raised.value) == f"不存在名为“{'、'.join(sorted(['乙局', '甲局']))}”的部门。"


# --- a constraint's condition in Python, with SQL's NULL -------------------------------------------------------


@pytest.mark.parametrize(("condition", "values", "truth"), [
    (Q(a__gt=1), {"a": 2}, True), (Q(a__gt=1), {"a": 1}, False), (Q(a__gte=1), {"a": 1}, True),
    (Q(a__lt=1), {"a": 1}, False), (Q(a__lte=1), {"a": 1}, True), (Q(a=1), {"a": 1}, True),
    (Q(a__exact=1), {"a": 2}, False), (Q(a__gt=1), {"a": None}, None), (Q(a__gt=None), {"a": 1}, None),
    (Q(a__isnull=True), {"a": None}, True), (Q(a__isnull=True), {"a": 0}, False),
    (Q(a__isnull=False), {"a": None}, False), (Q(a__isnull=False), {"a": 0}, True),
])
def test_a_comparison_is_true_false_or_unknown(condition, values, truth):
    assert checks._truth(condition, values) is truth


@pytest.mark.parametrize(("values", "truth"), [
    ({"a": 1, "b": 1}, True), ({"a": 1, "b": None}, None), ({"a": 0, "b": None}, False), ({"a": None, "b": 0}, False)])
def test_and_is_false_if_one_part_is_false_else_unknown_if_one_is(values, truth):
    assert checks._truth(Q(a__gt=0) & Q(b__gt=0), values) is truth


@pytest.mark.parametrize(("values", "truth"), [
    ({"a": 0, "b": 0}, False), ({"a": 0, "b": None}, None), ({"a": 1, "b": None}, True), ({"a": None, "b": 1}, True)])
def test_or_is_true_if_one_part_is_true_else_unknown_if_one_is(values, truth):
    assert checks._truth(Q(a__gt=0) | Q(b__gt=0), values) is truth


@pytest.mark.parametrize(("values", "truth"), [({"a": 1}, False), ({"a": 2}, True), ({"a": None}, None)])
def test_a_negated_condition_flips_true_and_false_but_not_unknown(values, truth):
    assert checks._truth(~Q(a=1), values) is truth


def test_a_nested_condition_is_read_part_by_part():
    condition = Q(a__gt=0) & (Q(b=1) | Q(c__isnull=True))
    assert [checks._truth(condition, {"a": 1, "b": b, "c": 5}) for b in (1, 2)] == [True, False]


@pytest.mark.parametrize("condition", [
    Q(z__gt=1), Q(a__gt=F("b")), Q(a__startswith="x"), Q(a=1) ^ Q(b=1)])
def test_a_condition_beyond_plain_comparisons_is_not_plain(condition):
    with pytest.raises(checks._NotPlain):
        checks._truth(condition, {"a": 1, "b": 1})


def test_the_fields_of_a_condition_are_every_fields_name():
    assert checks._fields_of(Q(a__gt=0) & (Q(b=1) | ~Q(c__isnull=True))) == {"a", "b", "c"}


# --- ModelRules ------------------------------------------------------------------------------------------------


def test_rules_sort_plain_checks_to_python_and_the_rest_to_the_database():
    from programs.roads.models import RoadProject

    rules = checks.ModelRules(RoadProject, checked_unique=[("district", "name", "plan_year")])
    assert sorted(c.name for c, _q, _n in rules.plain) == [
        "roadproject_estimate_nonneg", "roadproject_name_as_read_kept", "roadproject_quantity_positive"]
    assert [c.name for _m, c in rules.others] == ["roadproject_unique_name_as_read"]
    assert rules.attnames == {"quantity": "quantity", "estimate_wan": "estimate_wan", "name_as_read": "name_as_read"}


def test_a_unique_constraint_is_checked_as_a_constraint_not_asked_again_as_a_unique_rule():
    from programs.roads.models import RoadProject

    assert not checks.ModelRules(RoadProject, checked_unique=[("district", "name", "plan_year")]).ask_unique


def test_a_unique_field_the_caller_does_not_check_is_asked_of_the_database():
    assert checks.ModelRules(District).ask_unique
    assert not checks.ModelRules(District, checked_unique=[("name",)]).ask_unique


def test_a_checked_unique_rule_with_a_condition_is_still_asked():
    from policyops.models import PolicyDocument

    rules = checks.ModelRules(PolicyDocument, checked_unique=[("number",)])
    assert [c.name for _m, c in rules.others] == ["policydocument_unique_number"]


@pytest.mark.django_db
def test_a_model_without_rules_has_no_errors(seeded):
    assert checks.ModelRules(District, checked_unique=[("name",)]).errors(District(name="平度市")) == {}


@pytest.mark.django_db
def test_a_unique_field_taken_is_an_error_under_it(seeded):
    errors = checks.ModelRules(District).errors(District(name="平度市", position=1))
    assert list(errors) == ["name"] and errors["name"][0].code == "unique"


@pytest.mark.django_db
def test_a_unique_field_excluded_is_not_checked(seeded):
    assert checks.ModelRules(District).errors(District(name="平度市", position=1), exclude=["name"]) == {}


def test_a_constraint_on_an_excluded_field_is_skipped_and_the_others_are_checked():
    from programs.roads.models import RoadProject

    rules = checks.ModelRules(RoadProject, checked_unique=[("district", "name", "plan_year")])
    rules.others = []
    project = RoadProject(quantity=Decimal(0), estimate_wan=Decimal(-1), name_as_read="甲")
    errors = rules.errors(project, exclude={"quantity"})
    estimate = next(c for c in RoadProject._meta.constraints if c.name == "roadproject_estimate_nonneg")
    assert [e.messages for e in errors["__all__"]] == [[estimate.get_violation_error_message()]]


def test_a_unique_error_of_one_field_is_filed_under_that_field():
    one = models.UniqueConstraint(fields=["name"], name="one")
    error = ValidationError("taken", code="unique")
    assert checks._add({}, error, one) == {"name": [error]}


@pytest.mark.parametrize(("code", "fields"), [("unique", ["name", "year"]), ("other", ["name"])])
def test_any_other_constraint_error_is_filed_for_the_whole_row(code, fields):
    constraint = models.UniqueConstraint(fields=fields, name="c")
    errors = checks._add({"x": [ValidationError("a")]}, ValidationError("b", code=code), constraint)
    assert sorted(errors) == ["__all__", "x"] and errors["__all__"][0].messages == ["b"]
