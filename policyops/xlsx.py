"""Spreadsheet downloads: sheets of rows → an XLSX ``HttpResponse``.

    xlsx_response("report.xlsx", [(title, header, rows), ...])

A cell that is a ``Share`` is written as a number with a percentage format; lazy
translations are written as text.
"""
from __future__ import annotations

import io
import re

from django.http import HttpResponse
from django.utils.functional import Promise
from django.utils.http import content_disposition_header

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
    return str(value) if isinstance(value, Promise) else value


def workbook_bytes(sheets) -> bytes:
    """``sheets``: [(title, header, rows)] → the bytes of an XLSX workbook (bold header row)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(SHEET_TITLE_FORBIDDEN.sub(" ", str(title))[:SHEET_TITLE_MAX])
        sheet.append([str(h) for h in header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_cell(v) for v in row])
            for cell, value in zip(sheet[sheet.max_row], row):
                if isinstance(value, Share):
                    cell.number_format = "0.0%"
        for index in range(len(header)):
            sheet.column_dimensions[sheet.cell(row=1, column=index + 1).column_letter].width = 16 if index else 28
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, sheets) -> HttpResponse:
    """An XLSX download of ``sheets`` named ``filename``."""
    response = HttpResponse(workbook_bytes(sheets), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
