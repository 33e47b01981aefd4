"""Spreadsheet downloads: sheets of rows → an XLSX ``HttpResponse``.

    xlsx_response("report.xlsx", [(title, header, rows), ...])

A cell that is a ``Share`` is written as a number with a percentage format; lazy
translations are written as text; text passes through ``policyops.cells.safe_cell``.
"""
from __future__ import annotations

import io
import re

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from policyops.cells import ILLEGAL_XML_CHARACTERS, safe_cell

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_TITLE_MAX = 31


class Share(float):
    """A ratio written to the XLSX as a percentage."""


def share(value) -> Share | None:
    return None if value is None else Share(value)


def _cell(value):
    if isinstance(value, Share):
        return float(value)
    return safe_cell(value)  # no live formula, no character XML forbids (policyops.cells)


def _styled(sheet, value, **style):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def workbook_bytes(sheets) -> bytes:
    """``sheets``: [(title, header, rows)] → the bytes of an XLSX workbook (bold, frozen header row).

    openpyxl's write-only mode streams each row once; the normal mode re-read the sheet for
    every row it styled (a 1,000-director briefing took most of a second, issue 12).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, header, rows in sheets:
        title = ILLEGAL_XML_CHARACTERS.sub("", str(title))
        sheet = workbook.create_sheet(SHEET_TITLE_FORBIDDEN.sub(" ", title)[:SHEET_TITLE_MAX])
        sheet.freeze_panes = "A2"  # the header row stays in view as the rows scroll
        for index in range(len(header)):
            sheet.column_dimensions[get_column_letter(index + 1)].width = 16 if index else 28
        sheet.append([_styled(sheet, safe_cell(str(h)), font=bold) for h in header])
        for row in rows:
            sheet.append([_styled(sheet, float(v), number_format="0.0%") if isinstance(v, Share) else _cell(v)
                          for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, sheets) -> HttpResponse:
    """An XLSX download of ``sheets`` named ``filename``."""
    response = HttpResponse(workbook_bytes(sheets), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
