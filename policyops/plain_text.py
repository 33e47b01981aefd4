"""Text as a person typed it: without the invisible characters a paste brings along.

Text pasted from Word, WeChat or a web page carries characters nobody sees: zero-width
spaces (U+200B) and byte-order marks (U+FEFF), direction marks and overrides (U+200E,
U+202E …), control characters (Word's line break is U+000B). Stored, they make two names
that look the same differ — a search for 张三 misses 张, U+200B, 三, and a duplicate check lets
it in — and a direction override shows a name backwards in every list and notice.

Every door that takes text passes it through ``plain_text``: form posts and query strings
(``policyops.middleware.PlainTextMiddleware``), the API's JSON (``policyops.api_parsers``) and
imported files (``policyops.cells.imported_text``). NUL is not among these characters: a
form refuses it and an address holding one is answered 400 (``NullCharacterMiddleware``).
Kept as typed: tab, LF and CR, the zero-width joiners (emoji sequences are built with
U+200D), the ideographic space U+3000.
"""
from __future__ import annotations

import re

# Removed: C0 and C1 controls but NUL, tab, LF, VT, FF and CR (those four are kept or made LF);
# the zero-width space, the direction marks, embeddings, overrides and isolates; the word
# joiner and the invisible operators; the byte-order mark.
INVISIBLE_CHARACTERS = re.compile(
    "[\x01-\x08\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# Breaks and spaces that look like LF and a space: read as such.
LOOK_ALIKES = {"\x0b": "\n", "\x0c": "\n", "\u2028": "\n", "\u2029": "\n", "\xa0": " "}
_AS_PLAIN = str.maketrans(LOOK_ALIKES)
_SUSPECT = re.compile(f"{INVISIBLE_CHARACTERS.pattern}|[{''.join(LOOK_ALIKES)}]")


def plain_text(text: str) -> str:
    """``text`` without invisible characters, its look-alike breaks and spaces made plain ones."""
    if not _SUSPECT.search(text):  # nearly every text: one scan, no copy
        return text
    return INVISIBLE_CHARACTERS.sub("", text.translate(_AS_PLAIN))


def plain_data(data):
    """``data`` read from JSON with ``plain_text`` applied to every text value (keys are left as
    sent: they name fields). Changed in place, walked without recursion: the reader allows
    nesting nearly as deep as the interpreter does."""
    if isinstance(data, str):
        return plain_text(data)
    pending = [data]
    while pending:
        item = pending.pop()
        pairs = item.items() if isinstance(item, dict) else enumerate(item) if isinstance(item, list) else ()
        for key, value in list(pairs):
            if isinstance(value, str):
                item[key] = plain_text(value)
            elif isinstance(value, (dict, list)):
                pending.append(value)
    return data
