"""The API's JSON parser: DRF's, refusing as a 400 what reached a 500 through it.

A crawl of every writable endpoint with odd bodies (round 23) found three such bodies, all
valid JSON to Python's reader:

* nested 100,000 deep: the reader raised ``RecursionError``, which DRF does not catch;
* a lone surrogate (``"\\ud800"``): no UTF-8 text holds it, so the database cannot store it and
  the error message that echoes it could not be written out;
* a number past the float range (``1e400``, read as infinity): a key field failed on it.

DRF's messages ("JSON parse error - Expecting value: line 1 column 6 (char 5)") were Python's,
in English; these say where, in the user's language.

Text values come out without the invisible characters a paste brings (``policyops.plain_text``),
from JSON and from the form posts of the browsable API's HTML forms alike.
"""
from __future__ import annotations

import codecs
import json
import math

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from policyops.plain_text import plain_data, plain_query


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(text)
    return number


def _refuse_constant(text: str):
    raise ValueError(text)  # NaN, Infinity and -Infinity are not JSON


def _holds_lone_surrogate(data) -> bool:
    """Whether any text (key or value) in ``data`` holds a surrogate UTF-8 cannot encode; walked
    without recursion, as the reader allows nesting nearly as deep as the interpreter does."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.load(codecs.getreader(encoding)(stream), parse_float=_finite_float,
                             parse_constant=_refuse_constant)
        except RecursionError:
            raise ParseError(_("The request body is nested too deeply.")) from None
        except json.JSONDecodeError as exc:
            raise ParseError(_("The request body is not valid JSON (line %(line)s, column %(column)s).")
                             % {"line": exc.lineno, "column": exc.colno}) from None
        except (ValueError, LookupError):  # a number out of range, undecodable bytes, an unknown charset
            raise ParseError(_("The request body is not valid JSON.")) from None
        if _holds_lone_surrogate(data):
            raise ParseError(_("The request body holds a character that is not text (a lone surrogate)."))
        return plain_data(data)


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return plain_query(super().parse(stream, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    """Its text fields made plain; its files' names are the storage's business."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        return parsers.DataAndFiles(plain_query(parsed.data), parsed.files)
