"""The edges of reading a file into a Table (policyops.importing.reading): the size, row and
column limits at their exact bounds, the zip-bomb guard's declared sizes, the encodings, and
the lines each row keeps. One behaviour a test; what the user reads is Chinese (zh-hans)."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

from policyops.importing import reading
from policyops.importing.reading import ImportProblem, ImportRefused, Table, check_zip, read_bytes, read_table
from tests.policyops.test_import_pipeline import xlsx as workbook

MB = 1024 * 1024


def refusal(file, **kwargs) -> str:
    with pytest.raises(ImportRefused) as raised:
        read_table(file, **kwargs)
    return str(raised.value)




def stored_zip(count: int) -> bytes:
    """A zip of ``count`` members of one byte each, stored (not deflated)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for i in range(count):
            archive.writestr(f"m{i}.xml", b"x")
    return out.getvalue()


def declaring(sizes: list[tuple[int, int]]) -> bytes:
    """A zip whose central directory declares each member's (unpacked, packed) size as given:
    check_zip reads the directory only, so nothing of that size need exist."""
    content = bytearray(stored_zip(len(sizes)))
    offset = -1
    for file_size, compress_size in sizes:
        offset = content.index(b"PK\x01\x02", offset + 1)
        content[offset + 20:offset + 24] = compress_size.to_bytes(4, "little")
        content[offset + 24:offset + 28] = file_size.to_bytes(4, "little")
    return bytes(content)


# --- the problem and the refusal -------------------------------------------------------------------


def test_a_problem_of_the_whole_file_reads_as_its_reason_alone():
    assert str(ImportProblem(None, "—", "文件为空。")) == "文件为空。"


def test_a_problem_of_a_cell_names_its_line_and_column():
    assert str(ImportProblem(3, "name", "缺少该列。")) == "第3行，name列：缺少该列。"


def test_a_refusal_is_a_problem_of_the_whole_file():
    assert ImportRefused("文件为空。").problem == ImportProblem(None, "—", "文件为空。")


# --- the table -----------------------------------------------------------------------------------------


def test_the_lines_of_a_table_are_its_rows_lines_in_order():
    assert Table(headers=["a"], rows=[(2, ["x"]), (5, ["y"])]).lines == [2, 5]


def test_line_of_maps_each_row_number_to_its_line_and_nothing_outside():
    table = Table(headers=["a"], rows=[(2, ["x"]), (5, ["y"])])
    assert [table.line_of(n) for n in (None, 0, 1, 2, 3)] == [None, None, 2, 5, None]


def test_a_short_row_reads_its_missing_cells_as_blank():
    table = Table(headers=["a", "b"], rows=[(2, ["x"])])
    assert table.records(["a", "b"]) == ([(2, {"a": "x", "b": ""})], [])


def test_a_column_the_file_lacks_is_left_out_of_the_records():
    table = Table(headers=["a"], rows=[(2, ["x"])])
    assert table.records(["a", "z"]) == ([(2, {"a": "x"})], [])


def test_a_row_with_a_cell_right_of_the_last_column_is_a_problem_not_a_record():
    table = Table(headers=["a"], rows=[(2, ["x", "", "y"]), (3, ["z", " ", None])])
    records, problems = table.records(["a"])
    assert records == [(3, {"a": "z"})]
    assert problems == [ImportProblem(2, "—", "该行在最后一列右侧还有单元格。")]


def test_a_dataset_has_the_columns_in_the_order_asked():
    table = Table(headers=["a", "b"], rows=[(2, ["x", "y"])])
    dataset, problems = table.dataset(["b", "a"])
    assert (dataset.headers, list(dataset), problems) == (["b", "a"], [("y", "x")], [])


# --- reading the bytes ---------------------------------------------------------------------------------


class Spy(io.BytesIO):
    def __init__(self, data, name=""):
        super().__init__(data)
        self.name = name
        self.asked = []

    def read(self, size=-1):
        self.asked.append(size)
        return super().read(size)


def test_an_upload_is_read_no_further_than_one_byte_past_the_limit():
    upload = Spy(b"x" * 100, name="dir/up.csv")
    assert read_bytes(upload, 10) == (b"x" * 11, "up.csv")
    assert upload.asked == [11]


def test_an_upload_without_a_limit_is_read_whole():
    assert read_bytes(Spy(b"x" * 100), None) == (b"x" * 100, "")


def test_an_upload_read_before_is_read_from_its_start():
    upload = io.BytesIO(b"name\nx\n")
    upload.read()
    assert read_bytes(upload, 100) == (b"name\nx\n", "")


def test_an_upload_that_cannot_seek_is_read_from_where_it_is():
    class Stream(io.BytesIO):
        def seek(self, *args):
            raise io.UnsupportedOperation("not seekable")

    assert read_bytes(Stream(b"abc"), 100) == (b"abc", "")


def test_a_text_stream_is_read_as_utf8_bytes():
    assert read_bytes(io.StringIO("名称\n"), None) == ("名称\n".encode(), "")


def test_a_str_is_the_files_text():
    assert read_bytes("名称\n", 1) == ("名称\n".encode(), "")


def test_a_path_is_read_no_further_than_one_byte_past_the_limit(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(b"x" * 100)
    assert read_bytes(path, 10) == (b"x" * 11, "d.csv")
    assert read_bytes(path, None) == (b"x" * 100, "d.csv")


def test_a_path_gives_the_table_its_name(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(b"name\nx\n")
    assert read_table(Path(path)).filename == "d.csv"


# --- the format and the size --------------------------------------------------------------------------


@pytest.mark.parametrize(("filename", "content", "kind"), [
    ("d.CSV", b"", "csv"), ("d.xlsx", b"", "xlsx"), ("d.txt", b"", None), ("d.xls", b"PK\x03\x04", None),
    ("", b"PK\x03\x04rest", "xlsx"), ("", b"name\n", "csv"), ("noext", b"PK\x03\x04", "xlsx"),
])
def test_the_format_is_the_suffix_else_the_content(filename, content, kind):
    assert reading.file_format(filename, content) == kind


def test_a_file_of_another_format_is_refused():
    assert refusal(b"name\nx\n", filename="d.txt") == "请上传.csv或.xlsx文件。"


def test_the_format_given_wins_over_the_name():
    assert read_table(b"name\nx\n", filename="d.txt", format="csv").rows == [(2, ["x"])]


def test_an_empty_file_is_refused():
    assert refusal(b"", filename="d.csv") == "文件为空。"


def test_a_file_of_exactly_the_size_limit_is_read():
    content = b"name\n" + b"x" * 1019
    assert len(content) == 1024
    assert read_table(content, filename="d.csv", max_bytes=1024).rows == [(2, ["x" * 1019])]


def test_a_file_one_byte_over_the_limit_is_refused_naming_the_limit():
    assert refusal(b"name\n" + b"x" * 1020, filename="d.csv", max_bytes=1024) == "文件过大（不得超过1 KB）。"


@pytest.mark.parametrize(("limit", "shown"), [(MB, "1 MB"), (MB - 1, "1023 KB"), (3 * MB, "3 MB"), (100, "1 KB"),
                                              (2048, "2 KB")])
def test_the_size_limit_is_named_in_mb_or_kb(limit, shown):
    assert refusal(b"n" * (limit + 1), filename="d.csv", max_bytes=limit) == f"文件过大（不得超过{shown}）。"


def test_without_a_size_limit_a_large_file_is_read():
    assert len(read_table(b"name\n" + b"x\n" * 5000, filename="d.csv", max_bytes=None, max_rows=None).rows) == 5000


# --- CSV: encodings and lines ----------------------------------------------------------------------------


def test_a_gbk_file_is_read_as_gbk():
    assert read_table("名称\n测试区\n".encode("gbk"), filename="d.csv").rows == [(2, ["测试区"])]


def test_a_file_neither_utf8_nor_gbk_is_refused():
    assert refusal(b"name\n\xff\xfe\xff\n", filename="d.csv").startswith("文件既不是UTF-8编码也不是GBK编码的文本")


def test_a_file_with_a_nul_byte_is_not_csv_text():
    assert refusal(b"name\nx\x00y\n", filename="d.csv") == "文件不是CSV文本文件。"


def test_a_row_after_a_cell_of_several_lines_keeps_its_own_line():
    table = read_table(b'name,note\n"a","two\nlines"\nb,c\n', filename="d.csv")
    assert table.rows == [(2, ["a", "two\nlines"]), (4, ["b", "c"])]


def test_an_unreadable_csv_names_the_line_it_stopped_at():
    content = b"name\nx\n" + b"y" * (200 * 1024) + b"\n"  # a cell past the csv module's field limit
    assert refusal(content, filename="d.csv") == "CSV文件第3行附近无法读取。"


# --- the header, blank lines and the limits of a table ----------------------------------------------------


def test_the_header_is_the_first_non_blank_row_and_keeps_its_line():
    table = read_table(b"\n,,\nname , other\nx,y\n", filename="d.csv")
    assert (table.header_line, table.headers, table.rows) == (3, ["name", "other"], [(4, ["x", "y"])])


def test_a_row_with_some_blank_cells_is_kept():
    assert read_table(b"a,b,c\n,x,\n", filename="d.csv").rows == [(2, ["", "x"])]


def test_a_file_of_blank_lines_has_no_header():
    table = read_table(b"\n , \n", filename="d.csv")
    assert (table.headers, table.rows) == ([], [])


def test_a_row_as_wide_as_the_column_limit_is_read():
    table = read_table(b"a,b,c\n1,2,3,,\n", filename="d.csv", max_columns=3)
    assert table.rows == [(2, ["1", "2", "3"])]


def test_a_row_wider_than_the_column_limit_is_refused():
    assert refusal(b"a,b,c\n1,2,3,4\n", filename="d.csv", max_columns=3) == "文件超过3列。"


def test_a_header_wider_than_the_column_limit_is_refused():
    assert refusal(b"a,b,c,d\n", filename="d.csv", max_columns=3) == "文件超过3列。"


def test_as_many_rows_as_the_row_limit_are_read():
    assert read_table(b"a\n1\n2\n", filename="d.csv", max_rows=2).lines == [2, 3]


def test_one_row_over_the_row_limit_is_refused():
    assert refusal(b"a\n1\n2\n3\n", filename="d.csv", max_rows=2) == "文件超过2行，请拆分后上传。"


def test_a_header_is_normalised_by_the_function_given():
    assert read_table(b"A,B\n", filename="d.csv", normalise_header=str.lower).headers == ["a", "b"]


# --- XLSX cells -------------------------------------------------------------------------------------------


def test_xlsx_cells_are_read_as_the_values_the_import_takes():
    content = workbook([["a", "b", "c", "d", "e", "f"],
                        [dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 1, 9, 30), 3.0, 3.5, None, " x "]])
    [(line, cells)] = read_table(content, filename="d.xlsx").rows
    assert line == 2
    assert cells == [dt.date(2026, 3, 1), dt.datetime(2026, 3, 1, 9, 30), 3, 3.5, "", " x "]
    assert type(cells[2]) is int and type(cells[0]) is dt.date


def test_an_xlsx_header_cell_left_empty_is_a_blank_column_name():
    assert read_table(workbook([["a", None, "c"], [1, 2, 3]]), filename="d.xlsx").headers == ["a", "", "c"]


def test_an_xlsx_row_wider_than_the_column_limit_is_refused():
    content = workbook([["a", "b", "c"], [1, 2, 3, 4]])
    assert refusal(content, filename="d.xlsx", max_columns=3) == "文件超过3列。"


def test_an_xlsx_row_as_wide_as_the_column_limit_is_read():
    assert read_table(workbook([["a", "b", "c"], [1, 2, 3]]), filename="d.xlsx", max_columns=3).rows == [
        (2, [1, 2, 3])]


def test_an_xlsx_with_a_formula_is_refused_naming_its_cell():
    message = refusal(workbook([["a", "b"], [1, "=1+1"]]), filename="d.xlsx")
    assert message.startswith("工作簿含有公式（单元格 B2）")


def test_an_xlsx_without_a_sheet_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", '<workbook xmlns="http://schemas.openxmlformats.org/'
                                            'spreadsheetml/2006/main"><sheets/></workbook>')
    assert refusal(out.getvalue(), filename="d.xlsx") == "Excel工作簿中没有工作表。"


def test_an_xlsx_without_a_workbook_part_cannot_be_opened():
    assert refusal(stored_zip(2), filename="d.xlsx") == "无法打开Excel工作簿，文件可能已损坏。"


def test_an_xlsx_whose_sheet_is_not_xml_cannot_be_read():
    content = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook([["a"], [1]]))) as source, zipfile.ZipFile(content, "w") as copy:
        for item in source.infolist():
            data = source.read(item)
            copy.writestr(item, b"<worksheet><sheetData><row>" if item.filename.endswith("sheet1.xml") else data)
    assert refusal(content.getvalue(), filename="d.xlsx") == "无法读取Excel工作簿，文件可能已损坏。"


# --- the zip-bomb guard ----------------------------------------------------------------------------------


def test_a_file_that_is_no_zip_is_no_workbook():
    with pytest.raises(ImportRefused, match="^文件不是Excel工作簿（.xlsx）。$"):
        check_zip(b"name\nx\n")


def test_a_zip_that_cannot_be_opened_is_refused():
    with pytest.raises(ImportRefused, match="^无法打开Excel工作簿，文件可能已损坏。$"):
        check_zip(b"PK\x03\x04" + b"\0" * 100)


def test_a_zip_of_as_many_members_as_allowed_passes():
    check_zip(stored_zip(3), max_members=3)


def test_a_zip_of_one_member_more_than_allowed_is_refused():
    with pytest.raises(ImportRefused, match="^Excel工作簿解压后过大。$"):
        check_zip(stored_zip(4), max_members=3)


def test_the_default_member_limit_is_a_thousand():
    check_zip(stored_zip(1000))
    with pytest.raises(ImportRefused):
        check_zip(stored_zip(1001))


def test_members_unpacking_to_exactly_the_limit_pass():
    check_zip(declaring([(600, 300), (400, 300)]), max_unpacked_bytes=1000)


def test_members_unpacking_to_one_byte_over_the_limit_are_refused():
    with pytest.raises(ImportRefused, match="^Excel工作簿解压后过大。$"):
        check_zip(declaring([(601, 300), (400, 300)]), max_unpacked_bytes=1000)


def test_without_an_unpacked_limit_only_the_ratio_counts():
    check_zip(declaring([(50 * MB, MB), (50 * MB, MB)]), max_unpacked_bytes=None)


def test_a_small_part_may_deflate_as_much_as_it_likes():
    check_zip(declaring([(reading.RATIO_FREE_BYTES, 1)]))


def test_a_big_part_deflated_exactly_a_hundred_times_passes():
    check_zip(declaring([(2_000_000, 20_000)]))


def test_a_big_part_deflated_more_than_a_hundred_times_is_refused():
    with pytest.raises(ImportRefused, match="^Excel工作簿解压后过大。$"):
        check_zip(declaring([(2_000_001, 20_000)]))


def test_a_part_just_over_the_free_size_that_deflates_to_nothing_is_refused():
    with pytest.raises(ImportRefused):
        check_zip(declaring([(reading.RATIO_FREE_BYTES + 1, 0)]))


def test_the_default_limit_is_a_hundred_columns():
    assert read_table(",".join(f"c{i}" for i in range(100)).encode(), filename="d.csv").headers[-1] == "c99"
    assert refusal(",".join(f"c{i}" for i in range(101)).encode(), filename="d.csv") == "文件超过100列。"
