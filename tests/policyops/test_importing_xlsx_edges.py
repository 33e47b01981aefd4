"""The edges of the fast XLSX reader (policyops.importing.xlsx) on workbooks written by hand:
what Excel writes and openpyxl does not (shared strings, phonetic runs, cells without a
reference, dates typed "d"), and what a hostile or odd package holds (a DTD, a chart sheet
first, a cell far to the right). One behaviour a test."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from policyops.importing import xlsx
from policyops.importing.reading import ImportRefused, read_table

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
KIND = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def rels(*relationships: tuple[str, str, str]) -> str:
    return f'<Relationships xmlns="{RELS}">' + "".join(
        f'<Relationship Id="{rid}" Type="{KIND}{kind}" Target="{target}"/>' for rid, kind, target in relationships
    ) + "</Relationships>"


def package(sheet_data: str, *, shared: list[str] | None = None, styles: str | None = None, workbook_pr: str = "",
            sheets: str = '<sheet name="S" sheetId="1" r:id="rId1"/>', extra: dict[str, str] | None = None,
            workbook_rels: str | None = None) -> bytes:
    """A workbook package written by hand: its first sheet's <sheetData> is ``sheet_data``;
    ``shared`` the <si> elements of its shared strings; ``styles`` its styles part."""
    parts = {
        "_rels/.rels": rels(("rId1", "officeDocument", "xl/workbook.xml")),
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{KIND[:-1]}">{workbook_pr}<sheets>{sheets}</sheets>'
                           "</workbook>",
        "xl/_rels/workbook.xml.rels": workbook_rels or rels(
            ("rId1", "worksheet", "worksheets/sheet1.xml"), ("rId2", "sharedStrings", "sharedStrings.xml"),
            ("rId3", "styles", "styles.xml")),
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}"><sheetData>{sheet_data}</sheetData></worksheet>',
    }
    if shared is not None:
        parts["xl/sharedStrings.xml"] = f'<sst xmlns="{MAIN}">' + "".join(shared) + "</sst>"
    if styles is not None:
        parts["xl/styles.xml"] = styles
    parts.update(extra or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


def rows_of(content: bytes, max_columns: int | None = None) -> list:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return list(xlsx.read_rows(archive, max_columns=max_columns))


def cells(content: bytes) -> list:
    """The values of the one row, line 1, of the workbook."""
    [(line, values)] = rows_of(content)
    assert line == 1
    return values


def strings(*si: str) -> list:
    """The shared strings a sheet of one row, citing each of ``si`` in turn, reads."""
    row = "".join(f'<c r="{xlsx.column_letters(i)}1" t="s"><v>{i}</v></c>' for i in range(len(si)))
    return cells(package(f'<row r="1">{row}</row>', shared=list(si)))


DATE_STYLES = (f'<styleSheet xmlns="{MAIN}"><numFmts><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
               '<numFmt numFmtId="165" formatCode="[h]:mm"/></numFmts>'
               '<cellXfs><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="14"/></cellXfs>'
               "</styleSheet>")


# --- shared strings -----------------------------------------------------------------------------------


def test_a_shared_string_is_read_by_its_index():
    assert strings("<si><t>甲</t></si>", "<si><t>乙</t></si>") == ["甲", "乙"]


def test_a_rich_shared_string_joins_its_runs():
    assert strings('<si><r><rPr><b/></rPr><t>加粗</t></r><r><t xml:space="preserve"> 普通</t></r></si>') == [
        "加粗 普通"]


def test_a_shared_string_leaves_out_its_phonetic_runs():
    assert strings('<si><t>漢字</t><rPh sb="0" eb="2"><t>かんじ</t></rPh><phoneticPr fontId="1"/></si>',
                   "<si><t>後</t></si>") == ["漢字", "後"]


def test_a_shared_strings_plain_text_comes_before_its_runs_as_openpyxl_reads_it():
    assert strings("<si><r><t>B</t></r><t>A</t></si>") == ["AB"]


def test_a_shared_string_unescapes_an_escaped_underscore():
    assert strings("<si><t>a_x005F_x000D_b</t></si>") == ["a_x000D_b"]


def test_shared_strings_under_a_prefix_are_read():
    content = package('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', extra={
        "xl/sharedStrings.xml": f'<x:sst xmlns:x="{MAIN}"><x:si><x:r><x:t>前</x:t></x:r><x:t>缀</x:t></x:si></x:sst>'})
    assert rows_of(content) == [(1, ["缀前"])]


def test_a_shared_strings_part_the_package_lacks_is_no_strings():
    workbook = xlsx.Workbook(zipfile.ZipFile(io.BytesIO(package('<row r="1"><c r="A1"><v>1</v></c></row>'))))
    assert workbook.shared_strings == [] and list(workbook.rows()) == [(1, [1])]


# --- cells -----------------------------------------------------------------------------------------------


def test_numbers_are_int_or_float_as_written():
    data = ('<row r="1"><c r="A1"><v>5</v></c><c r="B1"><v>1E2</v></c><c r="C1"><v>2.5e1</v></c>'
            '<c r="D1"><v>3.0</v></c></row>')
    values = cells(package(data))
    assert values == [5, 100.0, 25.0, 3.0] and [type(v) for v in values] == [int, float, float, float]


def test_a_whole_float_is_read_by_the_import_as_an_int():
    data = '<row r="1"><c r="A1" t="inlineStr"><is><t>n</t></is></c></row><row r="2"><c r="A2"><v>3.0</v></c></row>'
    assert read_table(package(data), filename="d.xlsx").rows == [(2, [3])]
    assert type(read_table(package(data), filename="d.xlsx").rows[0][1][0]) is int


def test_a_cell_typed_d_is_read_as_its_iso_date():
    assert cells(package('<row r="1"><c r="A1" t="d"><v>2026-03-01T09:30:00</v></c></row>')) == [
        dt.datetime(2026, 3, 1, 9, 30)]


def test_a_number_in_a_date_style_is_a_date_of_the_1900_epoch():
    values = cells(package('<row r="1"><c r="A1" s="1"><v>45000</v></c><c r="B1" s="3"><v>45000</v></c>'
                           '<c r="C1" s="0"><v>45000</v></c></row>', styles=DATE_STYLES))
    assert values == [dt.datetime(2023, 3, 15), dt.datetime(2023, 3, 15), 45000]


def test_a_workbook_of_the_1904_epoch_counts_its_dates_from_1904():
    assert cells(package('<row r="1"><c r="A1" s="1"><v>45000</v></c></row>', styles=DATE_STYLES,
                         workbook_pr='<workbookPr date1904="true"/>')) == [dt.datetime(2027, 3, 16)]


def test_a_number_in_a_duration_style_is_a_timedelta():
    assert cells(package('<row r="1"><c r="A1" s="2"><v>1.5</v></c></row>', styles=DATE_STYLES)) == [
        dt.timedelta(days=1, hours=12)]


def test_a_date_out_of_range_reads_as_value_error_text():
    assert cells(package('<row r="1"><c r="A1" s="1"><v>99999999</v></c></row>', styles=DATE_STYLES)) == [
        "#VALUE!"]


def test_an_inline_string_leaves_out_its_phonetic_run_and_the_next_cell_is_read_whole():
    data = ('<row r="1"><c r="A1" t="inlineStr"><is><t>漢字</t><rPh sb="0" eb="2"><t>かんじ</t></rPh></is></c>'
            '<c r="B1" t="inlineStr"><is><t>後</t></is></c></row>')
    assert rows_of(package(data)) == [(1, ["漢字", "後"])]


def test_booleans_and_errors_are_read_as_written():
    data = '<row r="1"><c r="A1" t="b"><v>1</v></c><c r="B1" t="b"><v>0</v></c><c r="C1" t="e"><v>#N/A</v></c></row>'
    assert rows_of(package(data)) == [(1, [True, False, "#N/A"])]


# --- rows and columns --------------------------------------------------------------------------------------


def test_rows_and_cells_without_a_reference_follow_the_ones_before():
    data = ('<row><c><v>1</v></c><c><v>2</v></c></row><row r="5"><c r="B5"><v>3</v></c><c><v>4</v></c></row>'
            '<row><c><v>5</v></c></row>')
    assert rows_of(package(data)) == [(1, [1, 2]), (5, [None, 3, 4]), (6, [5])]


def test_an_empty_row_is_no_row():
    assert rows_of(package('<row r="1"/><row r="2"><c r="A2"><v>1</v></c></row>')) == [(2, [1])]


def test_a_cell_just_at_the_column_limit_is_kept_as_it_is_even_blank():
    data = '<row r="1"><c r="A1"><v>1</v></c><c r="B1" t="inlineStr"><is><t> </t></is></c></row>'
    assert rows_of(package(data), max_columns=1) == [(1, [1, " "])]


def test_a_blank_cell_far_right_of_the_limit_is_dropped():
    data = '<row r="1"><c r="A1"><v>1</v></c><c r="XFD1" t="inlineStr"><is><t> </t></is></c><c r="XFC1"/></row>'
    assert rows_of(package(data), max_columns=1) == [(1, [1])]


def test_a_blank_cell_far_right_does_not_hide_a_cell_past_the_limit():
    data = ('<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row>'
            '<row r="2"><c r="A2"><v>1</v></c><c r="B2"><v>2</v></c>'
            '<c r="XFD2" t="inlineStr"><is><t> </t></is></c></row>')
    with pytest.raises(ImportRefused, match="^文件超过1列。$"):
        read_table(package(data), filename="d.xlsx", max_columns=1)


def test_a_bad_cell_reference_is_refused():
    with pytest.raises(xlsx.NotAWorkbook):
        rows_of(package('<row r="1"><c r="11"><v>1</v></c></row>'))


@pytest.mark.parametrize(("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")])
def test_column_letters_count_as_excel_does(index, letters):
    assert xlsx.column_letters(index) == letters


# --- formulas ----------------------------------------------------------------------------------------------


def test_a_formula_cell_without_a_reference_is_named_by_its_place():
    data = '<row r="3"><c r="A3"><v>1</v></c><c><f>A3*2</f><v>2</v></c></row>'
    workbook = xlsx.Workbook(zipfile.ZipFile(io.BytesIO(package(data))))
    assert list(workbook.rows()) == [(3, [1, 2])] and workbook.formula_cells == ["B3"]


def test_only_the_first_five_formula_cells_are_named():
    cells = "".join(f'<c r="{xlsx.column_letters(i)}1"><f>1+1</f><v>2</v></c>' for i in range(7))
    workbook = xlsx.Workbook(zipfile.ZipFile(io.BytesIO(package(f'<row r="1">{cells}</row>'))))
    list(workbook.rows())
    assert workbook.formula_cells == ["A1", "B1", "C1", "D1", "E1"]


# --- the package -------------------------------------------------------------------------------------------


def test_a_part_declaring_a_doctype_is_refused_even_without_entities():
    content = package('<row r="1"><c r="A1"><v>1</v></c></row>', extra={
        "xl/workbook.xml": f'<!DOCTYPE workbook><workbook xmlns="{MAIN}" xmlns:r="{KIND[:-1]}"><sheets>'
                           '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'})
    with pytest.raises(xlsx.NotAWorkbook):
        rows_of(content)


def test_a_chart_sheet_first_is_passed_over_for_the_first_worksheet():
    content = package('<row r="1"><c r="A1"><v>1</v></c></row>',
                      sheets='<sheet name="C" sheetId="1" r:id="rId9"/><sheet name="S" sheetId="2" r:id="rId1"/>',
                      workbook_rels=rels(("rId9", "chartsheet", "chartsheets/sheet1.xml"),
                                         ("rId1", "worksheet", "worksheets/sheet1.xml")),
                      extra={"xl/chartsheets/sheet1.xml": f'<chartsheet xmlns="{MAIN}"/>'})
    assert rows_of(content) == [(1, [1])]


def test_a_worksheet_the_package_lacks_is_passed_over():
    content = package('<row r="1"><c r="A1"><v>1</v></c></row>',
                      sheets='<sheet name="X" sheetId="1" r:id="rId9"/><sheet name="S" sheetId="2" r:id="rId1"/>',
                      workbook_rels=rels(("rId9", "worksheet", "worksheets/missing.xml"),
                                         ("rId1", "worksheet", "worksheets/sheet1.xml")))
    assert rows_of(content) == [(1, [1])]
