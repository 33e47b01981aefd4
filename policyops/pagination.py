"""Pages of lists that may hold a million rows (issue 12)."""
import base64
import binascii
import re

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from policyops.errors import InvalidInput
from policyops.forms import key_of

# A page counts at most this many rows (Frappe caps exact counts at 1,000 for the same reason):
# COUNT(*) over a million cases costs more than the page itself; past it, a search or filter helps.
COUNT_CAP = 1000
# An API page holds at most this many rows (``?limit=`` beyond it is cut to it).
MAX_LIMIT = 200  # pragma: no mutate (read once, into max_limit, as the class below is made)
# Offsets beyond this are past any table here; larger ones would overflow the database's bigint.
MAX_OFFSET = 10**9


def capped_count(rows, cap: int, *, in_list_order: bool = False) -> int:
    """How many of ``rows`` there are, counted up to ``cap`` + 1.

    Without the list's order unless ``in_list_order``: the count of the first cap + 1 rows is
    the same in any order, and PostgreSQL then reads any cap + 1 entries of an index instead
    of sorting its way to the first ones (the front list of a district with 638,000 cases:
    4.7 ms -> 0.8 ms).
    """
    if not hasattr(rows, "order_by"):  # a list, not a queryset
        return min(len(rows), cap + 1)
    if not rows.query.is_sliced and not in_list_order:  # a slice's rows depend on the order: keep it
        rows = rows.order_by()
    return rows[: cap + 1].count()  # SELECT COUNT(*) FROM (… LIMIT cap + 1)


class CappedPaginator(Paginator):
    """A Paginator whose count stops at ``cap`` + 1: ``capped`` then says there are more.

    The pages up to the cap are reachable as usual; the last one says "of more than N".
    """

    cap = COUNT_CAP
    count_in_list_order = False

    @cached_property
    def count(self) -> int:
        return capped_count(self.object_list, self.cap, in_list_order=self.count_in_list_order)

    @property
    def capped(self) -> bool:
        return self.count > self.cap


class CappedInListOrderPaginator(CappedPaginator):
    """For a log whose order an index gives (newest first): counted in that order, the count
    reads the index as far as the page would. Free to count in any order, PostgreSQL chose
    to merge the seal uses with the cases matching "PD-2025" by case id, from the oldest
    case, and read 800,000 of them (0.25 s against 34 ms; issue 12)."""

    count_in_list_order = True


class CappedLimitOffsetPagination(LimitOffsetPagination):
    """The API's pages: ``count`` stops at COUNT_CAP (``count_capped`` then says there are more),
    ``limit`` at MAX_LIMIT, and an offset past what the database can address gives an empty page."""

    max_limit = MAX_LIMIT
    cap = COUNT_CAP

    def get_count(self, queryset) -> int:
        return capped_count(queryset, self.cap)

    def get_offset(self, request) -> int:
        return min(super().get_offset(request), MAX_OFFSET)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.limit = self.get_limit(request)
        if self.limit is None:
            return None
        self.offset = self.get_offset(request)
        self.count = self.get_count(queryset)
        if self.count > self.cap:
            # Past the cap the total is unknown: one row more than the page says whether there is a next.
            page = list(queryset[self.offset:self.offset + self.limit + 1])
            more = len(page) > self.limit
            page = page[:self.limit]
            # Still past the cap (the count is cap + 1 here), or as far as this page reaches.
            self.count = max(self.count, self.offset + len(page) + more)
        elif self.offset >= self.count:  # an empty list, or past its end: no rows to read
            page = []
        else:
            page = list(queryset[self.offset:self.offset + self.limit])
        if self.count > self.limit and self.template is not None:
            self.display_page_controls = True
        return page

    def get_paginated_response(self, data):
        capped = self.count > self.cap
        return Response({"count": min(self.count, self.cap), "count_capped": capped,
                         "next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        result = super().get_paginated_response_schema(schema)
        result["properties"]["count"]["description"] = _("Matching rows, counted up to %(cap)s.") % {"cap": COUNT_CAP}
        result["properties"]["count_capped"] = {
            "type": "boolean", "description": _("True when more than %(cap)s rows match.") % {"cap": COUNT_CAP}}
        result["required"] = [*result.get("required", ["count", "results"]), "count_capped"]
        return result


OFFSET_PAST_THE_CAP = _("An offset goes at most to %(cap)s. Further pages are reached through the "
                        "“next” link of the page before.")
CURSOR_INVALID = _("This page link is not valid. Start again from the first page.")
# What encode_cursor writes (URL-safe base64), with the padding it strips if a client kept it.
CURSOR_TEXT = re.compile(r"[A-Za-z0-9_-]*=*")


class KeysetPagination(CappedLimitOffsetPagination):
    """Pages of a list ordered by ``position_field`` ascending (rows without one last), then
    newest id first, read from the position of a row rather than counted to (issue 12).

    An offset reads and drops every row before its page: 0.5 s at offset 100,000 of a district's
    cases, 0.66 s at 600,000, so a client following ``next`` through a million cases would
    wait hours. ``next`` and ``previous`` carry the position of the page's last or first row
    (``?cursor=``), and each page costs what the first does. ``offset`` still reaches the first
    ``cap`` rows (the pages a person pages through) and is refused past them. The queryset must
    be in the keyset's order (checked: another order would skip or repeat rows).
    """

    position_field: str
    cursor_query_param = "cursor"
    template = "rest_framework/pagination/previous_and_next.html"
    AFTER, BEFORE = "a", "b"

    def ordering(self):
        return (F(self.position_field).asc(nulls_last=True), "-id")

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.limit = self.get_limit(request)
        if tuple(queryset.query.order_by) != self.ordering():
            raise ImproperlyConfigured(f"{type(self).__name__} pages a list ordered by {self.ordering()}, "
                                       f"not by {queryset.query.order_by}.")
        self.model = queryset.model
        self.count = self.get_count(queryset)
        self.cursor = self.decode_cursor(request)
        if self.cursor is None:
            self.offset = self.get_offset(request)
            if self.offset > self.cap:
                raise InvalidInput(OFFSET_PAST_THE_CAP, field=self.offset_query_param, cap=self.cap)
            rows = list(queryset[self.offset:self.offset + self.limit + 1])
            self.has_next, self.has_previous = len(rows) > self.limit, self.offset > 0
            rows = rows[:self.limit]
        elif self.cursor[0] == self.AFTER:
            rows = self._rows_after(queryset, *self.cursor[1:])
            self.has_next, self.has_previous = len(rows) > self.limit, True
            rows = rows[:self.limit]
        else:
            rows = self._rows_before(queryset, *self.cursor[1:])
            self.has_next, self.has_previous = True, len(rows) > self.limit
            rows = rows[:self.limit][::-1]
        self.rows = rows
        self.display_page_controls = self.has_next or self.has_previous
        return rows

    # Each segment is read in one index range: an OR across the empty and the set positions
    # sends PostgreSQL back to the start of the index. The rows without a position are read by
    # their id alone (they all share the empty position): ordered by the position as well,
    # PostgreSQL sorted all of them — half a million closed cases — for every page.

    def _rows_after(self, queryset, position, pk) -> list:
        """The rows after (position, pk) in the list's order, one more than a page at most."""
        field, wanted = self.position_field, self.limit + 1
        without_position = queryset.filter(**{f"{field}__isnull": True}).order_by("-id")
        if position is None:
            return list(without_position.filter(id__lt=pk)[:wanted])
        rows = list(queryset.filter(**{f"{field}__gte": position})
                    .filter(Q(**{f"{field}__gt": position}) | Q(id__lt=pk))[:wanted])
        return rows + list(without_position[:wanted - len(rows)])  # a full page slices none: no query

    def _rows_before(self, queryset, position, pk) -> list:
        """The rows before (position, pk), nearest first, one more than a page at most."""
        field, wanted = self.position_field, self.limit + 1
        with_position = queryset.filter(**{f"{field}__isnull": False}).order_by(F(field).desc(), "id")
        if position is not None:
            return list(with_position.filter(**{f"{field}__lte": position})
                        .filter(Q(**{f"{field}__lt": position}) | Q(id__gt=pk))[:wanted])
        rows = list(queryset.filter(**{f"{field}__isnull": True, "id__gt": pk}).order_by("id")[:wanted])
        return rows + list(with_position[:wanted - len(rows)])  # a full page slices none: no query

    # --- the cursor: direction, position and id of a row, base64 in the link ---

    def encode_cursor(self, direction: str, row) -> str:
        position = getattr(row, self.position_field)
        text = f"{direction}|{'' if position is None else position}|{row.pk}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        # Only what encode_cursor writes: base64 would drop any other character unread (a "."
        # pasted after a link), and the padding, counted with it, took or refused the rest by its length.
        if not CURSOR_TEXT.fullmatch(encoded):
            raise InvalidInput(CURSOR_INVALID, field=self.cursor_query_param)
        try:
            # Padded as far as any link needs: base64 reads no padding beyond its own.
            direction, position, pk = base64.urlsafe_b64decode(encoded + "==").decode().split("|")
            field = self.model._meta.get_field(self.position_field)
            position = field.to_python(position) if position else None
        except (ValueError, UnicodeDecodeError, binascii.Error, ValidationError):
            raise InvalidInput(CURSOR_INVALID, field=self.cursor_query_param) from None
        pk = key_of(self.model, pk)
        if direction not in (self.AFTER, self.BEFORE) or pk is None:
            raise InvalidInput(CURSOR_INVALID, field=self.cursor_query_param)
        return direction, position, pk

    def _link(self, direction, row):
        url = remove_query_param(self.request.build_absolute_uri(), self.offset_query_param)
        return replace_query_param(url, self.cursor_query_param, self.encode_cursor(direction, row))

    def get_next_link(self):
        return self._link(self.AFTER, self.rows[-1]) if self.has_next and self.rows else None

    def get_previous_link(self):
        if not self.has_previous:
            return None
        if self.cursor is None:  # an offset page: the page before by its offset
            return super().get_previous_link()
        # An empty page (its rows gone since the link was made) has no row to go back from.
        return self._link(self.BEFORE, self.rows[0]) if self.rows else None

    def get_html_context(self):
        return {"previous_url": self.get_previous_link(), "next_url": self.get_next_link()}

    def get_schema_operation_parameters(self, view):
        return [*super().get_schema_operation_parameters(view), {
            "name": self.cursor_query_param, "required": False, "in": "query",
            "description": _("The position a page starts from, as the next and previous links carry it."),
            "schema": {"type": "string"}}]
