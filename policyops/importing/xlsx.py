"""The first worksheet of an XLSX workbook, read fast: the values openpyxl's read-only,
data-only mode gives, without a Python object per cell.

openpyxl spends ~20 µs a cell (10,000 rows of 19 columns: 4 s); this reads the worksheet
with expat, callbacks only, in a fifth of that. The values are openpyxl's: shared and
inline strings (rich text joined, phonetic runs left out), numbers as int or float,
booleans, error texts, a formula's cached value, and numbers in a date or time format
converted as openpyxl converts them (``from_excel``, with the workbook's 1900 or 1904
epoch). tests/policyops/test_import_pipeline.py reads the same workbooks with both.

A part that declares a DTD is refused (no entity tricks); the caller has checked the
zip's unpacked size first (reading.check_zip).
"""
from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, from_ISO8601

CHUNK_BYTES = 1024 * 1024
FORMULA_CELLS_NAMED = 5  # a refusal names the first few formula cells, not millions
RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


class NotAWorkbook(Exception):
    """The package lacks what a workbook has, or a part is not well-formed XML."""


def _local(tag: str) -> str:
    return tag.rpartition("}")[2].rpartition(":")[2]


def _refuse_dtd(*args):
    raise NotAWorkbook("a part declares a DTD")


def _tree(archive: zipfile.ZipFile, name: str) -> ET.Element | None:
    """A small part (workbook, relationships, styles) as a tree; None if it is missing."""
    try:
        data = archive.read(name)
    except KeyError:
        return None
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise NotAWorkbook("a part declares a DTD")
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise NotAWorkbook(str(exc)) from exc


def _relationships(archive: zipfile.ZipFile, part: str) -> list[tuple[str, str, str]]:
    """(id, type, target path in the zip) of each relationship of ``part``."""
    folder, name = posixpath.split(part)
    root = _tree(archive, posixpath.join(folder, "_rels", name + ".rels"))
    found = []
    for rel in root if root is not None else ():
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        found.append((rel.get("Id", ""), rel.get("Type", ""), path))
    return found


def _parser(handlers: dict) -> expat.XMLParserType:
    parser = expat.ParserCreate()
    parser.buffer_text = True  # pragma: no mutate (fewer text callbacks, the same text: each handler joins its parts)
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    for name, handler in handlers.items():
        setattr(parser, name, handler)
    return parser


class Workbook:
    """What reading the first worksheet needs: its part, the shared strings, the date styles."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        names = set(archive.namelist())
        book = next((path for _id, kind, path in _relationships(archive, "")
                     if kind.endswith("/officeDocument")), "xl/workbook.xml")
        root = _tree(archive, book)
        if root is None:
            raise NotAWorkbook("no workbook part")
        rels = _relationships(archive, book)
        by_id = {rel_id: (kind, path) for rel_id, kind, path in rels}
        self.sheet = None
        for element in root.iter():
            if _local(element.tag) == "sheet":
                kind, path = by_id.get(element.get(RELATIONSHIP_ID), ("", ""))
                if kind.endswith("/worksheet") and path in names:
                    self.sheet = path
                    break
        properties = next((e for e in root.iter() if _local(e.tag) == "workbookPr"), None)
        date1904 = properties is not None and properties.get("date1904", "").lower() in ("1", "true")
        self.epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        self.shared_strings = []
        # The first cells (e.g. "B3") holding a formula, of the rows read so far: the import refuses them.
        self.formula_cells: list[str] = []
        self.date_styles, self.timedelta_styles = set(), set()
        for _id, kind, path in rels:
            if kind.endswith("/sharedStrings") and path in names:
                self.shared_strings = self._read_shared_strings(path)
            elif kind.endswith("/styles") and path in names:
                self._read_styles(path)

    def _read_styles(self, path: str) -> None:
        root = _tree(self.archive, path)
        custom = {}
        for element in root.iter():
            if _local(element.tag) == "numFmt":
                custom[int(element.get("numFmtId", "-1"))] = element.get("formatCode")
        cell_xfs = next((e for e in root if _local(e.tag) == "cellXfs"), None)
        for index, xf in enumerate(cell_xfs if cell_xfs is not None else ()):
            number_format_id = int(xf.get("numFmtId", "0"))
            code = custom.get(number_format_id, BUILTIN_FORMATS.get(number_format_id))
            if is_date_format(code):
                self.date_styles.add(index)
            if is_timedelta_format(code):
                self.timedelta_styles.add(index)

    def _read_shared_strings(self, path: str) -> list[str]:
        strings: list[str] = []
        plain: list[str] = []
        runs: list[str] = []
        opened: list[str] = []  # the elements open, outermost first
        state = {"into": None}

        def start(name, attrs):
            local = name.rpartition(":")[2]
            if local == "si":
                plain.clear()
                runs.clear()
            elif local == "t" and "rPh" not in opened:
                # A <t> inside a run <r> is rich text; one right under <si> is the plain text.
                state["into"] = runs if opened[-1:] == ["r"] else plain
            opened.append(local)

        def end(name):
            local = opened.pop()
            if local == "t":
                state["into"] = None
            elif local == "si":
                strings.append(("".join(plain) + "".join(runs)).replace("x005F_", ""))

        def text(data):
            into = state["into"]
            if into is not None:
                into.append(data)

        parser = _parser({"StartElementHandler": start, "EndElementHandler": end, "CharacterDataHandler": text})
        with self.archive.open(path) as stream:
            parser.ParseFile(stream)
        return strings

    def rows(self, max_columns: int | None = None) -> Iterator[tuple[int, list]]:
        """(row number, values) of each row of the first worksheet, in order; values by column
        (None where a row has no cell). A non-blank cell right of ``max_columns`` is kept as
        column ``max_columns`` + 1, so that the caller sees the row too wide without a cell
        reference like "ZZZZZ1" making a list of millions."""
        if self.sheet is None:
            raise NotAWorkbook("no worksheet")
        shared, epoch = self.shared_strings, self.epoch
        date_styles, timedelta_styles = self.date_styles, self.timedelta_styles
        done: list[tuple[int, list]] = []
        columns: dict[str, int] = {}
        local_names: dict[str, str] = {}
        value_parts: list[str] = []
        inline_parts: list[str] = []
        formula_cells = self.formula_cells
        # The cell being read (each <c> sets these before anything reads them), and the row
        # (closures' variables: the fastest to reach).
        kind = ref = style = inline = has_value = formula = None
        phonetic, into = False, None
        number, values = 0, []

        def local(name: str) -> str:
            found = local_names.get(name)
            if found is None:
                found = local_names[name] = name.rpartition(":")[2]
            return found

        def start(tag, attrs):
            nonlocal kind, ref, style, inline, has_value, phonetic, into, number, values, formula
            if tag == "c":
                kind = attrs.get("t", "n")
                ref = attrs.get("r")
                style = attrs.get("s")
                style = int(style) if style else 0
                inline = has_value = formula = False
                value_parts.clear()
                inline_parts.clear()
            elif tag == "v":
                into, has_value = value_parts, True
            elif tag == "is":
                inline = True
            elif tag == "rPh":
                phonetic = True
            elif tag == "t" and inline and not phonetic:
                into = inline_parts
            elif tag == "row":
                given = attrs.get("r")
                number = int(given) if given else number + 1
                values = []
            elif tag == "f":
                formula = True
            elif ":" in tag:  # a prefixed name (<x:c>): the same element
                start(local(tag), attrs)

        def end(tag):
            nonlocal into, phonetic
            if tag == "c":
                if formula and len(formula_cells) < FORMULA_CELLS_NAMED:
                    formula_cells.append(ref or f"{column_letters(len(values))}{number}")
                values_end(cell_value())
            elif tag == "v" or tag == "t":
                into = None
            elif tag == "rPh":
                phonetic = False
            elif tag == "row" and values:  # an empty <row/> (filler) costs no object
                done.append((number, values))
            elif ":" in tag:
                end(local(tag))

        def cell_value():
            text = "".join(value_parts) if has_value else None
            if kind == "inlineStr":
                return "".join(inline_parts) if inline else None
            if not text:
                return None
            if kind == "n":
                value = float(text) if ("." in text or "E" in text or "e" in text) else int(text)
                if style in date_styles:
                    try:
                        return from_excel(value, epoch, timedelta=style in timedelta_styles)
                    except (OverflowError, ValueError):
                        return "#VALUE!"  # as openpyxl reads a date out of range
                return value
            if kind == "s":
                return shared[int(text)]
            if kind == "b":
                return bool(int(text))
            if kind == "d":
                return from_ISO8601(text)
            return text  # "str" (a formula's text), "e" (an error such as #N/A)

        def values_end(value):
            index = column_of(ref) if ref else len(values)
            if max_columns is not None and index > max_columns:
                if value is None or (isinstance(value, str) and not value.strip()):
                    return
                index = max_columns
            if index >= len(values):
                values.extend([None] * (index - len(values)))
                values.append(value)
            else:
                values[index] = value

        def column_of(ref: str) -> int:
            letters = ref.rstrip("0123456789")
            index = columns.get(letters)
            if index is None:
                index = 0
                for ch in letters.upper():
                    index = index * 26 + ord(ch) - 64
                index -= 1
                if index < 0:
                    raise NotAWorkbook(f"bad cell reference {ref!r}")
                columns[letters] = index
            return index

        def text(data):
            if into is not None:
                into.append(data)

        parser = _parser({"StartElementHandler": start, "EndElementHandler": end, "CharacterDataHandler": text})
        with self.archive.open(self.sheet) as stream:
            while chunk := stream.read(CHUNK_BYTES):
                parser.Parse(chunk, False)
                yield from done
                done.clear()
            parser.Parse(b"", True)
        yield from done


def column_letters(index: int) -> str:
    """The letters of the 0-based column ``index`` ("A", …, "Z", "AA", …)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_rows(archive: zipfile.ZipFile, *, max_columns: int | None = None) -> Iterator[tuple[int, list]]:
    """The first worksheet's rows; NotAWorkbook, expat.ExpatError, ValueError, … for a damaged file."""
    yield from Workbook(archive).rows(max_columns)
