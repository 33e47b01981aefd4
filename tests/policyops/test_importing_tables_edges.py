"""The edges of importing a Table into a Resource (policyops.importing.tables): the header
check, the natural key on two rows, where each error is filed, what a report counts, and
the hooks. One behaviour a test; what the user reads is Chinese (zh-hans)."""
from __future__ import annotations

import logging

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from import_export import fields, resources

from policyops.importing import tables
from policyops.importing.reading import ImportProblem, Table
from policyops.importing.tables import ImportReport, check_columns, check_duplicate_keys, import_table
from policyops.models import District
from policyops.resources import DistrictResource

HEADER = "name,position,source\n"


def table(headers, *rows, header_line=1) -> Table:
    return Table(headers=list(headers), rows=[(header_line + 1 + i, list(r)) for i, r in enumerate(rows)],
                 header_line=header_line)


class PlainDistrictResource(resources.ModelResource):
    """A Resource of import-export's own, without StrictModelResource's methods."""

    shown = fields.Field(attribute="name", column_name="shown", readonly=True)
    where = fields.Field(attribute="position", column_name="where")

    class Meta:
        model = District
        fields = ("name", "source", "where", "shown")
        import_id_fields = ("name", "nowhere")


# --- the report ---------------------------------------------------------------------------------------


def test_a_report_without_a_result_counts_nothing():
    report = ImportReport()
    assert report.ok and report.rows() == [] and report.changed_instances() == []
    assert report.totals == {"new": 0, "update": 0, "delete": 0, "skip": 0, "invalid": 0, "error": 0}


@pytest.mark.django_db
def test_a_report_counts_and_lists_the_rows_by_kind(seeded):
    source = District.objects.get(name="平度市").source
    content = f"{HEADER}平度市,{District.objects.get(name='平度市').position},{source}\n测试区,99,x\n".encode()
    class Fresh(DistrictResource):
        """A Resource class no import has run yet (import-export keeps ``store_instance`` on the class)."""

    report = import_table(Fresh(), content, filename="d.csv", dry_run=True)
    assert report.totals == {"new": 1, "update": 0, "delete": 0, "skip": 1, "invalid": 0, "error": 0}
    assert [r.instance.name for r in report.rows("new")] == ["测试区"]
    assert [r.import_type for r in report.rows()] == ["skip", "new"]
    assert [i.name for i in report.changed_instances()] == ["测试区"]


# --- the header -------------------------------------------------------------------------------------------


def test_a_missing_optional_column_is_no_problem():
    assert check_columns(table(["a"]), ["a", "b"], optional=["b"]) == []


def test_an_ignored_column_is_no_problem_and_an_unknown_one_is():
    assert check_columns(table(["a", "note", "colour"], header_line=3), ["a"], ignored=["note"]) == [
        ImportProblem(3, "colour", "无法识别的列。")]


def test_a_blank_header_cell_is_an_unknown_column_named_blank():
    assert check_columns(table(["a", ""]), ["a"]) == [ImportProblem(1, "（空白）", "无法识别的列。")]


def test_a_repeated_column_is_reported_once_and_two_blank_ones_not_as_repeated():
    problems = check_columns(table(["b", "a", "", "b", "a", "b", ""]), ["a", "b"], ignored=[""])
    assert problems == [ImportProblem(1, "a", "该列重复出现。"), ImportProblem(1, "b", "该列重复出现。")]


def test_a_column_present_once_is_not_repeated():
    assert check_columns(table(["a", "b"]), ["a", "b"]) == []


def test_a_plain_resource_expects_its_fields_but_not_the_export_only_ones():
    resource = PlainDistrictResource()
    assert sorted(tables.expected_columns(resource)) == ["name", "source", "where"]
    assert tables.accepted_columns(resource) == ["shown"]


def test_a_resource_may_accept_columns_it_ignores():
    class Noted(DistrictResource):
        import_ignored_columns = ("note",)

    assert tables.accepted_columns(Noted()) == ["note"]


def test_a_plain_resources_key_is_its_id_fields_as_columns():
    assert tables.key_columns(PlainDistrictResource()) == ["name"]


# --- the natural key on two rows ---------------------------------------------------------------------------


def test_a_key_a_row_above_has_is_reported_with_that_rows_line():
    rows = table(["name", "year"], ["甲", "2024"], ["乙", "2024"], [" 甲 ", "2024"], header_line=2)
    assert check_duplicate_keys(rows, ["name", "year"]) == [
        ImportProblem(5, "—", "与第3行的键相同（name=甲, year=2024）。")]


def test_a_key_differing_in_one_part_is_no_duplicate():
    assert check_duplicate_keys(table(["name", "year"], ["甲", "2024"], ["甲", "2025"]), ["name", "year"]) == []


def test_rows_whose_key_is_all_blank_are_left_to_their_own_checks():
    assert check_duplicate_keys(table(["name", "x"], ["", "1"], [None, "2"], ["  "]), ["name"]) == []


def test_a_key_column_the_file_lacks_is_blank_on_every_row():
    rows = table(["name", "x"], ["甲", "1"], ["甲"], ["甲", "2"])
    assert [p.line for p in check_duplicate_keys(rows, ["name", "district"])] == [3, 4]


def test_a_short_row_reads_its_missing_key_part_as_blank():
    rows = table(["name", "district"], ["甲"], ["甲", ""])
    assert [p.line for p in check_duplicate_keys(rows, ["name", "district"])] == [3]


def test_no_key_column_in_the_file_means_no_duplicate():
    assert check_duplicate_keys(table(["x"], ["1"], ["1"]), ["name"]) == []


# --- where an error is filed --------------------------------------------------------------------------------


@pytest.mark.parametrize(("attribute", "column"), [
    (None, "—"), ("", "—"), (NON_FIELD_ERRORS, "—"), ("position", "where"), ("where", "where"),
    ("elsewhere", "elsewhere")])
def test_a_plain_resource_files_an_error_under_its_column(attribute, column):
    assert tables.column_for(PlainDistrictResource(), attribute) == column


@pytest.mark.parametrize(("attribute", "column"), [
    ("", "—"), ("__all__", "—"), (NON_FIELD_ERRORS, "—"), ("position", "position"), ("elsewhere", "elsewhere")])
def test_a_strict_resource_files_an_error_under_its_column(attribute, column):
    assert DistrictResource().column_for(attribute) == column


def test_a_row_error_reads_as_its_own_message():
    assert tables._message_of(ValueError("“x”不是整数。")) == "“x”不是整数。"


def test_a_validation_error_reads_as_its_messages_joined():
    assert tables._message_of(ValidationError(["甲。", "乙。"])) == "甲。；乙。"


def test_an_unexpected_error_is_logged_and_reads_as_could_not_be_saved(caplog):
    with caplog.at_level(logging.ERROR, logger="policyops.importing.tables"):
        assert tables._message_of(KeyError("x")) == "该行无法保存。"
    assert [r.message for r in caplog.records] == ["Import: unexpected row error"]


# --- import_table ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_file_of_blank_lines_has_no_header_row(seeded):
    report = import_table(DistrictResource(), b"\n\n", filename="d.csv", dry_run=True)
    assert report.problems == [ImportProblem(None, "—", "文件没有表头行。")]


@pytest.mark.django_db
def test_a_header_without_rows_is_a_problem_unless_allowed(seeded):
    assert import_table(DistrictResource(), HEADER.encode(), filename="d.csv", dry_run=True).problems == [
        ImportProblem(None, "—", "文件中没有可导入的数据行。")]
    assert import_table(DistrictResource(), HEADER.encode(), filename="d.csv", dry_run=True, allow_empty=True).ok


@pytest.mark.django_db
def test_an_ignored_column_is_read_past(seeded):
    report = import_table(DistrictResource(), b"name,position,source,note\n\xe6\xb5\x8b,99,x,n\n", filename="d.csv",
                          dry_run=False, ignore_columns=["note"])
    assert report.saved and District.objects.get(name="测").position == 99


@pytest.mark.django_db
def test_an_optional_column_may_be_left_out(seeded):
    report = import_table(DistrictResource(), "name,position\n测试区,99\n".encode(), filename="d.csv",
                          dry_run=False, optional_columns=["source"])
    assert report.saved and District.objects.get(name="测试区").source == ""


@pytest.mark.django_db
def test_a_duplicate_key_stops_the_import_before_any_row_is_read(seeded):
    report = import_table(DistrictResource(), f"{HEADER}测试区,98,x\n测试区,99,x\n".encode(), filename="d.csv",
                          dry_run=False)
    assert report.problems == [ImportProblem(3, "—", "与第2行的键相同（name=测试区）。")]
    assert report.result is None and not District.objects.filter(name="测试区").exists()


@pytest.mark.django_db
def test_a_row_wider_than_the_header_stops_the_import(seeded):
    report = import_table(DistrictResource(), f"{HEADER}测试区,99,x,extra\n".encode(), filename="d.csv",
                          dry_run=False)
    assert report.problems == [ImportProblem(2, "—", "该行在最后一列右侧还有单元格。")] and report.result is None


@pytest.mark.django_db
def test_a_table_read_before_is_imported_as_it_is(seeded):
    read = Table(headers=["name", "position", "source"], rows=[(7, ["测试区", "约99", "x"])], filename="t.csv")
    report = import_table(DistrictResource(), read, dry_run=True)
    assert report.filename == "t.csv" and report.table is read
    assert report.problems == [ImportProblem(7, "position", "“约99”不是整数。")]


@pytest.mark.django_db
def test_the_filename_given_wins_over_the_tables(seeded):
    read = Table(headers=["name", "position", "source"], rows=[(2, ["测试区", "99", "x"])], filename="t.csv")
    assert import_table(DistrictResource(), read, filename="given.csv", dry_run=True).filename == "given.csv"


@pytest.mark.django_db
def test_after_import_runs_after_a_saved_import_only(seeded):
    seen = []
    content = f"{HEADER}测试区,99,x\n".encode()
    import_table(DistrictResource(), content, filename="d.csv", dry_run=True, after_import=seen.append)
    assert seen == []
    report = import_table(DistrictResource(), content, filename="d.csv", dry_run=False, after_import=seen.append)
    assert seen == [report] and report.saved


@pytest.mark.django_db
def test_a_bad_row_rolls_back_and_runs_no_hook(seeded):
    seen = []
    report = import_table(DistrictResource(), f"{HEADER}测试区,99,x\n乙区,约1,x\n".encode(), filename="d.csv",
                          dry_run=False, after_import=seen.append)
    assert not report.saved and seen == [] and not District.objects.filter(name="测试区").exists()


@pytest.mark.django_db
def test_problems_are_sorted_by_line_then_column(seeded):
    content = f"{HEADER}甲区,约1,x\n乙区,约2,x\n".encode()
    problems = import_table(DistrictResource(), content, filename="d.csv", dry_run=True).problems
    assert [(p.line, p.column) for p in problems] == [(2, "position"), (3, "position")]


@pytest.mark.django_db
def test_a_resources_own_header_normaliser_is_used(seeded):
    class Upper(DistrictResource):
        def normalise_header(self, cell):
            return str(cell).strip().lower()

    report = import_table(Upper(), "NAME,Position,SOURCE\n测试区,99,x\n".encode(), filename="d.csv", dry_run=True)
    assert report.ok, report.problems


class _Error:
    def __init__(self, error):
        self.error = error


def test_a_whole_file_error_comes_before_the_rows_errors():
    from types import SimpleNamespace

    result = SimpleNamespace(invalid_rows=[], row_errors=lambda: [(1, [_Error(ValueError("行。"))])],
                             base_errors=[_Error(ValueError("文件。"))])
    problems = tables.result_problems(DistrictResource(), result, Table(headers=["name"], rows=[(1, ["x"])]))
    assert problems == [ImportProblem(None, "—", "文件。"), ImportProblem(1, "—", "行。")]


@pytest.mark.django_db
def test_problems_are_sorted_by_line_before_column(seeded):
    content = f"{HEADER}甲区,约1,x\n,2,x\n".encode()
    problems = import_table(DistrictResource(), content, filename="d.csv", dry_run=True).problems
    assert [(p.line, p.column) for p in problems] == [(2, "position"), (3, "name")]


@pytest.mark.django_db
def test_a_header_normaliser_given_wins_over_the_resources_own(seeded):
    class Lower(DistrictResource):
        def normalise_header(self, cell):
            return str(cell).lower()

    report = import_table(Lower(), "name*,position,source\n测试区,99,x\n".encode(), filename="d.csv", dry_run=True,
                          normalise_header=lambda cell: str(cell).replace("*", ""))
    assert report.ok, report.problems


@pytest.mark.django_db
def test_the_context_columns_the_resource_reads_are_those_of_the_file_not_imported_otherwise(seeded):
    seen = []

    class Context(DistrictResource):
        import_context_columns = ("note", "absent", "name")

        def before_import(self, dataset, **kwargs):
            seen.append(dataset.headers)

    report = import_table(Context(), "name,position,source,note\n测试区,99,x,n\n".encode(), filename="d.csv",
                          dry_run=True, ignore_columns=["note"])
    assert report.ok, report.problems
    assert seen == [["name", "position", "source", "note"]]


@pytest.mark.django_db
def test_a_preview_finds_a_row_that_a_row_above_it_creates(seeded):
    from policyops.models import ServiceHall
    from policyops.resources import ServiceHallResource

    content = ("name,kind,district,parent,source\n"
               "测试大厅,district_hall,平度市,,x\n测试分厅,sub_hall,平度市,测试大厅,x\n").encode()
    report = import_table(ServiceHallResource(), content, filename="h.csv", dry_run=True)
    assert report.ok, report.problems
    assert report.totals["new"] == 2 and not ServiceHall.objects.filter(name__startswith="测试").exists()


TASK_HEADER = "document,number,text,lead_unit,deadline,deadline_from_plan_period,source_line"
TASK = "青政办发〔2018〕20号,（九十九）,测试条目,市城乡建设委,2020-12-31,1,test:1"


@pytest.mark.django_db
def test_a_name_a_many_to_many_cell_lacks_is_filed_under_its_column(seeded):
    from policyops.resources import PolicyTaskResource

    content = f"{TASK_HEADER},cooperating_units\n{TASK},市环保局、火星局\n".encode()
    report = import_table(PolicyTaskResource(), content, filename="t.csv", dry_run=True)
    assert report.problems == [ImportProblem(2, "cooperating_units", "不存在名为“火星局”的部门。")]


@pytest.mark.django_db
def test_a_many_to_many_column_the_file_may_leave_out_is_not_read(seeded):
    from policyops.resources import PolicyTaskResource

    report = import_table(PolicyTaskResource(), f"{TASK_HEADER}\n{TASK}\n".encode(), filename="t.csv",
                          dry_run=True, optional_columns=["cooperating_units"])
    assert report.ok, report.problems


@pytest.mark.django_db
def test_a_row_the_database_refuses_spoils_no_other_row(seeded):
    """Each row is saved in a savepoint of its own: on PostgreSQL a failed statement outside one
    would abort the transaction, and every later row would fail with it."""

    class Failing(DistrictResource):
        def save_instance(self, instance, is_create, row, **kwargs):
            if instance.name == "坏区":
                District.objects.create(name="平度市")  # taken: the database refuses it
            super().save_instance(instance, is_create, row, **kwargs)

    report = import_table(Failing(), f"{HEADER}坏区,98,x\n好区,99,x\n".encode(), filename="d.csv", dry_run=False)
    assert report.problems == [ImportProblem(2, "—", "该行无法保存。")]
