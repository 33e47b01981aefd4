"""Spreadsheet cells that are safe to open: the one rule for every export, and its reverse.

Every CSV and XLSX PolicyOps writes (the admin's 导出 through ``StrictModelResource`` and
``SafeExportMixin``, the road project lists, ``policyops.xlsx`` downloads) passes its
cells through ``safe_cell``; every import reads text cells through ``imported_text``
(``policyops.importing.reading``), so what was exported imports back unchanged.

* A text cell starting with = + - @ tab or CR is a formula to Excel or LibreOffice (CSV
  injection, OWASP "CSV Injection"): it gets a leading apostrophe, which both show as text.
  A plain number written as text ("-5", "+3.5") stays as it is: it cannot carry a formula,
  and a negative number must stay a number.
* Characters XML 1.0 forbids (C0 controls but tab, LF and CR) cannot be in an XLSX cell
  (openpyxl raises and the whole export fails): they are removed, in CSV too, so that both
  faces hold the same text and a CSV stays readable by the import.

Imports keep text as text: "+86 532…" or "-" are legitimate values. The only formula an
import refuses is a real one: an XLSX cell holding a formula (``importing.reading``).
"""
from __future__ import annotations

import re

from django.utils.functional import Promise

from policyops.plain_text import plain_text

# OWASP CSV injection guidance: the characters that make a spreadsheet read a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
# XML 1.0's forbidden characters: openpyxl's ILLEGAL_CHARACTERS_RE (it raises on them).
ILLEGAL_XML_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_text(text: str) -> str:
    """``text`` as a cell that opens as the same text: no forbidden character, no live formula."""
    text = ILLEGAL_XML_CHARACTERS.sub("", text)
    if text.startswith(FORMULA_PREFIXES) and not PLAIN_NUMBER.fullmatch(text):
        return ESCAPE + text
    return text


def safe_cell(value):
    """A cell value to export: text through ``safe_text``; numbers, dates and None unchanged."""
    if isinstance(value, Promise):
        value = str(value)
    return safe_text(value) if isinstance(value, str) else value


def imported_text(text: str) -> str:
    """A text cell read from a file, with the apostrophe ``safe_text`` added taken off again and
    without the invisible characters a paste brings (``policyops.plain_text``)."""
    if text.startswith(ESCAPE) and text[1:].startswith(FORMULA_PREFIXES):
        text = text[1:]
    return plain_text(text)
