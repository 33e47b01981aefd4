"""Reading a CSV or XLSX file into a Table, within limits (step 1 of ``import_table``).

At most ``max_bytes``, ``max_rows`` data rows and ``max_columns`` columns; an XLSX workbook
is refused *before it is parsed* when its zip members would unpack to more than
``max_unpacked_bytes`` (a zip bomb). CSV is read as UTF-8 (with or without BOM) or else as
GBK (GB 18030), the encodings Excel writes. Blank lines are skipped; every row keeps the
line it has in the file. A file that cannot be read raises ImportRefused, whose message the
user reads.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import tablib
from django.utils.encoding import force_str
from django.utils.translation import gettext as _

from policyops.cells import imported_text
from policyops.errors import InvalidInput

# --- limits ------------------------------------------------------------------------------

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000  # pragma: no mutate (read once, as read_table's and import_table's default)
MAX_COLUMNS = 100  # pragma: no mutate (read once, as read_table's and import_table's default)
# An XLSX whose members unpack to more is refused unparsed: 5,000 rows of 19 columns unpack to
# 5 MB; parsing 30 MB takes a few seconds (100 MB of filler: 15 s). Project lists pass their own.
MAX_UNPACKED_BYTES = 30 * 1024 * 1024
MAX_ZIP_MEMBERS = 1000  # pragma: no mutate (read once, as the default of check_zip)
# Excel's parts deflate 2–15 times (a 5,000-row sheet: 12); a big part that deflates more is
# filler, whose parsing alone could keep a worker busy for minutes (a 150 KB file of 95 MB of
# blank rows: 80 s). Parts under RATIO_FREE_BYTES unpacked may deflate as they like.
MAX_COMPRESSION_RATIO = 100
RATIO_FREE_BYTES = 1024 * 1024
FORMATS = ("csv", "xlsx")
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # UTF-8 with or without BOM; GBK (and its superset GB 18030)
NO_COLUMN = "—"


# --- what reading gives: the table, or the problem that stops it ---------------------------


@dataclass(frozen=True)
class ImportProblem:
    """One error: the line in the file (1 = the header; None = the file as a whole), the
    column it is in ("—" for a whole row or file) and the reason, in the user's words."""

    line: int | None
    column: str
    reason: str

    def __str__(self):
        if self.line is None:
            return str(self.reason)
        return _("Line %(line)s, column %(column)s: %(reason)s") % {
            "line": self.line, "column": self.column, "reason": self.reason}


class ImportRefused(InvalidInput):
    """The file cannot be read as a table at all (format, size, encoding, limits)."""

    @property
    def problem(self) -> ImportProblem:
        return ImportProblem(None, NO_COLUMN, str(self))


@dataclass
class Table:
    """A file read as a table: its header (as written, trimmed) and its rows with their lines."""

    headers: list[str]
    rows: list[tuple[int, list]]  # (line in the file, cells); cells are text, or values from XLSX
    header_line: int = 1
    filename: str = ""

    @property
    def lines(self) -> list[int]:
        """The line in the file of each data row, in order (row 1 of the import is ``lines[0]``)."""
        return [line for line, _cells in self.rows]

    def line_of(self, row_number: int | None) -> int | None:
        """The file line of import-export's ``row_number`` (1-based)."""
        if row_number is None or not 1 <= row_number <= len(self.rows):
            return None
        return self.rows[row_number - 1][0]

    def records(self, columns: Iterable[str]) -> tuple[list[tuple[int, dict]], list[ImportProblem]]:
        """Each row as (line, {column: cell}) of ``columns`` (a column the file lacks is left
        out), and the rows of the wrong shape (cells right of the last column) as problems."""
        positions = {name: i for i, name in enumerate(self.headers)}
        present = [(c, positions[c]) for c in columns if c in positions]
        width = len(self.headers)
        records, problems = [], []
        for line, cells in self.rows:
            if any(not _is_blank(c) for c in cells[width:]):
                problems.append(ImportProblem(line, NO_COLUMN, _("the row has cells to the right of the last column.")))
                continue
            records.append((line, {c: cells[i] if i < len(cells) else "" for c, i in present}))
        return records, problems

    def dataset(self, columns: Iterable[str]) -> tuple[tablib.Dataset, list[ImportProblem]]:
        """The rows as a Dataset of ``columns`` (in that order), and the rows of the wrong shape."""
        columns = list(columns)
        records, problems = self.records(columns)
        dataset = tablib.Dataset(headers=columns)
        for _line, record in records:
            dataset.append([record.get(c, "") for c in columns])
        return dataset, problems


# --- reading -------------------------------------------------------------------------------


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _size_text(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def read_bytes(file, max_bytes: int | None) -> tuple[bytes, str]:
    """The file's bytes (never more than ``max_bytes`` + 1 read) and its name if it has one.

    ``file``: bytes; a str (the file's *text*, not a path); a ``pathlib.Path``; or a file
    object (an upload).
    """
    limit = None if max_bytes is None else max_bytes + 1
    if isinstance(file, bytes):
        return file, ""
    if isinstance(file, str):
        return file.encode("utf-8"), ""
    if isinstance(file, os.PathLike):
        path = Path(file)
        with path.open("rb") as handle:
            return (handle.read() if limit is None else handle.read(limit)), path.name
    name = os.path.basename(getattr(file, "name", "") or "")
    if hasattr(file, "seek"):
        try:
            file.seek(0)
        except (OSError, ValueError):
            pass
    data = file.read() if limit is None else file.read(limit)
    if isinstance(data, str):
        data = data.encode("utf-8")
    return data, name


def file_format(filename: str, content: bytes = b"") -> str | None:
    """"csv" or "xlsx" from the file name; without a suffix, from the content."""
    suffix = Path(filename).suffix.lower().lstrip(".") if filename else ""
    if suffix:
        return suffix if suffix in FORMATS else None
    return "xlsx" if content.startswith(b"PK\x03\x04") else "csv"


def _csv_rows(content: bytes) -> Iterator[tuple[int, list]]:
    for encoding in CSV_ENCODINGS:
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRefused(_("The file is neither UTF-8 nor GBK text: save it from Excel as CSV (UTF-8)."))
    if "\x00" in text:
        raise ImportRefused(_("The file is not a CSV text file."))
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for row in reader:
            yield start, [imported_text(cell) for cell in row]
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportRefused(_("The CSV file cannot be read near line %(line)s.") % {"line": start}) from exc


def check_zip(content: bytes, *, max_unpacked_bytes: int | None = MAX_UNPACKED_BYTES,
              max_members: int = MAX_ZIP_MEMBERS) -> None:
    """Refuse a workbook whose zip members would unpack to more than ``max_unpacked_bytes``,
    or a big member deflated more than ``MAX_COMPRESSION_RATIO`` times.

    Only the zip's directory is read. Python's zipfile never inflates a member beyond the
    size the directory declares, so the declared sizes bound what parsing can unpack.
    """
    if not content.startswith(b"PK\x03\x04"):
        raise ImportRefused(_("The file is not an Excel workbook (.xlsx)."))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ImportRefused(_("The Excel workbook cannot be opened; it may be damaged.")) from exc
    if len(members) > max_members or (
            max_unpacked_bytes is not None and sum(m.file_size for m in members) > max_unpacked_bytes) or any(
            m.file_size > RATIO_FREE_BYTES and m.file_size > MAX_COMPRESSION_RATIO * m.compress_size
            for m in members):
        raise ImportRefused(_("The Excel workbook is too large once unpacked."))


def _xlsx_cell(value):
    if isinstance(value, str):
        return imported_text(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return "" if value is None else value


def _xlsx_rows(content: bytes, *, max_columns: int, max_unpacked_bytes: int | None) -> Iterator[tuple[int, list]]:
    from policyops.importing import xlsx

    check_zip(content, max_unpacked_bytes=max_unpacked_bytes)
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        workbook = xlsx.Workbook(archive)
    except Exception as exc:  # a damaged or hostile file raises anything from zipfile to XML errors
        raise ImportRefused(_("The Excel workbook cannot be opened; it may be damaged.")) from exc
    try:
        if workbook.sheet is None:
            raise ImportRefused(_("The Excel workbook has no sheet."))
        for line, row in workbook.rows(max_columns):
            yield line, [_xlsx_cell(v) for v in row]  # at most max_columns + 1 cells (xlsx.Workbook.rows)
        if workbook.formula_cells:
            # Only a formula's last saved result is in the file, and nobody typed it: refused,
            # as a live formula would be if it were exported again (policyops.cells).
            raise ImportRefused(_("The workbook has formulas (cells %(cells)s): copy the sheet and paste it "
                                  "as values only, then upload it again.")
                                % {"cells": ", ".join(workbook.formula_cells)})
    except ImportRefused:
        raise
    except Exception as exc:
        raise ImportRefused(_("The Excel workbook cannot be read; it may be damaged.")) from exc
    finally:
        archive.close()


def read_table(file, *, filename: str = "", format: str | None = None, max_bytes: int | None = MAX_BYTES,
               max_rows: int | None = MAX_ROWS, max_columns: int = MAX_COLUMNS,
               max_unpacked_bytes: int | None = MAX_UNPACKED_BYTES,
               normalise_header: Callable[[object], str] | None = None) -> Table:
    """Read a CSV or XLSX file into a Table; raise ImportRefused if it cannot be read.

    The first non-blank row is the header; ``normalise_header`` (default: the trimmed
    text) turns each header cell into a column name. ``None`` for a limit turns it off.
    """
    content, own_name = read_bytes(file, max_bytes)
    filename = filename or own_name
    kind = format or file_format(filename, content)
    if kind not in FORMATS:
        raise ImportRefused(_("Upload a .csv or .xlsx file."))
    if not content:
        raise ImportRefused(_("The file is empty."))
    if max_bytes is not None and len(content) > max_bytes:
        raise ImportRefused(_("The file is too large (at most %(size)s).") % {"size": _size_text(max_bytes)})
    normalise = normalise_header or (lambda cell: force_str(cell).strip() if cell is not None else "")
    lines = (_csv_rows(content) if kind == "csv"
             else _xlsx_rows(content, max_columns=max_columns, max_unpacked_bytes=max_unpacked_bytes))
    header, header_line, rows = None, None, []
    for line, cells in lines:
        if all(_is_blank(c) for c in cells):
            continue  # blank lines are not rows
        while cells and _is_blank(cells[-1]):
            cells = cells[:-1]
        if len(cells) > max_columns:
            raise ImportRefused(_("The file has more than %(count)s columns.") % {"count": max_columns})
        if header is None:
            header, header_line = [normalise(c) for c in cells], line
            continue
        if max_rows is not None and len(rows) >= max_rows:
            raise ImportRefused(_("The file has more than %(count)s rows; split it.") % {"count": max_rows})
        rows.append((line, list(cells)))
    if header is None:  # only blank lines
        return Table(headers=[], rows=[], filename=filename)
    return Table(headers=header, rows=rows, header_line=header_line, filename=filename)
