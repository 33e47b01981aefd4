"""Text as a person typed it: without the invisible characters a paste brings along.

Text pasted from Word, WeChat or a web page carries characters nobody sees: zero-width
spaces (U+200B) and byte-order marks (U+FEFF), direction marks and overrides (U+200E,
U+202E …), control characters (Word's line break is U+000B). Stored, they make two names
that look the same differ — a search for 张三 misses 张, U+200B, 三, and a duplicate check lets
it in — and a direction override shows a name backwards in every list and notice.

Every door that takes text passes it through ``plain_text``: form posts and query strings
(``policyops.middleware.PlainTextMiddleware``), the API's bodies (``policyops.api_parsers``) and
imported files (``policyops.cells.imported_text``). NUL is not among these characters: a
form refuses it and an address holding one is answered 400 (``NullCharacterMiddleware``).
Kept as typed: tab, LF and CR, the zero-width joiners (emoji sequences are built with
U+200D), the ideographic space U+3000.

Rows stored before the doors did this: ``stored_text_cleanup`` (``manage.py plain_text``) finds
them and, asked to, makes them plain.
"""
from __future__ import annotations

import functools
import operator
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.http import QueryDict

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


def plain_query(query: QueryDict) -> QueryDict:
    """``query`` (a query string or a form post) with its values through ``plain_text``, password
    fields aside (a password set before the doors did this must still match); ``query`` itself
    when no value changes."""
    typed = dict(query.lists())
    plain = {key: values if "password" in key else [plain_text(v) for v in values] for key, values in typed.items()}
    if plain == typed:
        return query
    copy = QueryDict(mutable=True, encoding=query.encoding)
    for key, values in plain.items():
        copy.setlist(key, values)
    copy._mutable = False
    return copy


# --- rows stored before every door made text plain ----------------------------------------------


@dataclass
class TableCleanup:
    """What ``stored_text_cleanup`` found (and, applied, changed) in one table."""

    model: type
    rows: int = 0  # rows holding invisible characters in some text column
    columns: Counter = field(default_factory=Counter)  # column → rows holding them there
    changed: int = 0
    clashes: list = field(default_factory=list)  # keys of rows left as they are: made plain, they meet a unique one


def _own_models() -> list:
    """This project's tables whose text is data to clean: not another package's, not a proxy,
    not simple-history's records (what was stored then), and not a table whose rows record what
    was written, sent or issued (``keeps_text_as_written``: the hash-chained audit trail, the
    issued notices, the seal log, the messages sent, the sign-in attempts)."""
    root = Path(settings.BASE_DIR).resolve()
    own_apps = [config for config in apps.get_app_configs()
                if Path(config.path).resolve().is_relative_to(root)
                and not {"site-packages", "dist-packages"} & set(Path(config.path).parts)]
    return [model for config in own_apps for model in config.get_models()
            if not model._meta.proxy and model._meta.managed and not getattr(model, "keeps_text_as_written", False)
            and not hasattr(model, "instance_type")]  # simple-history's historical models have one


def _text_columns(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField)) and not f.primary_key and not f.choices]


def stored_text_cleanup(*, apply: bool, actor=None) -> list[TableCleanup]:
    """The rows of this project's tables whose text holds what ``plain_text`` removes (rows stored
    before every door made text plain); with ``apply``, each made plain with an UPDATE of its own
    (a row that would then meet a unique constraint is left and reported) and one audit row per
    table that changed. The tables' history records keep what was stored, as records do."""
    from policyops import audit

    found = []
    for model in _own_models():
        columns = _text_columns(model)
        if not columns:
            continue
        holding = functools.reduce(operator.or_, (Q(**{f"{c}__regex": _SUSPECT.pattern}) for c in columns))
        table = TableCleanup(model)
        rows = model._base_manager.filter(holding).order_by("pk").values("pk", *columns)
        for row in rows.iterator(2000):  # pragma: no mutate (a size)
            plain = {c: cleaned for c in columns if row[c] and (cleaned := plain_text(row[c])) != row[c]}
            if not plain:  # the database's regex and Python's disagreed: nothing to change
                continue
            table.rows += 1
            table.columns.update(plain.keys())
            if apply:
                try:
                    with transaction.atomic():
                        model._base_manager.filter(pk=row["pk"]).update(**plain)
                except IntegrityError:
                    table.clashes.append(row["pk"])
                else:
                    table.changed += 1
        if table.changed:
            # The trail names the columns as the pages do (申请人 ×3), not by their attributes.
            audit.record_event(action="plain_text", model=model, actor=actor, reason="; ".join(
                f"{model._meta.get_field(column).verbose_name} ×{count}"
                for column, count in sorted(table.columns.items())))
        if table.rows:
            found.append(table)
    return found
