"""policyops.pagination at its edges (issue 12): a list of exactly the cap, the last page, the
rows a page reads, the page controls, the cursor's text and the schema. The mutation runner
found each of these unpinned."""
import datetime as dt
import re
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from policyops.errors import InvalidInput
from policyops.models import District, PolicyTask
from policyops.pagination import CappedLimitOffsetPagination, CappedPaginator, KeysetPagination
from tests.factories import PolicyDocumentFactory, PolicyTaskFactory

pytestmark = pytest.mark.django_db
D = dt.date


def rows_read(run) -> list[int]:
    """The LIMIT of each statement that reads rows (the count's aside) while ``run()`` runs."""
    with CaptureQueriesContext(connection) as captured:
        run()
    return [int(re.search(r"LIMIT (\d+)", q["sql"]).group(1))
            for q in captured.captured_queries if "COUNT(" not in q["sql"]]


def _query(link) -> dict:
    return parse_qs(urlparse(link).query)


# --- the capped count of the pages people page through ----------------------------------------


class SmallCap(CappedPaginator):
    cap = 5


def test_a_list_of_exactly_the_cap_is_counted_and_not_capped(seeded):
    paginator = SmallCap(District.objects.order_by("id")[:5], 2)
    assert (paginator.count, paginator.capped) == (5, False)


# --- the API's pages ---------------------------------------------------------------------------


class SmallCapPages(CappedLimitOffsetPagination):
    cap = 5


class TenCapPages(CappedLimitOffsetPagination):
    cap = 10  # the seeds hold 10 districts: exactly the cap


def api_page(query: str, pagination=None, rows=None):
    """(the pagination, the page's districts, the response's data) of ``rows`` (every district)."""
    pagination = pagination or CappedLimitOffsetPagination()
    request = Request(APIRequestFactory().get(f"/api/x/{query}"))
    page = pagination.paginate_queryset(District.objects.order_by("id") if rows is None else rows, request)
    return pagination, page, pagination.get_paginated_response([d.pk for d in page]).data


def test_the_api_counts_a_list_of_exactly_the_cap_exactly(seeded):
    _pagination, _rows, data = api_page("?limit=2", TenCapPages())
    assert (data["count"], data["count_capped"]) == (10, False)


def test_a_page_past_the_end_of_a_list_of_exactly_the_cap_keeps_its_count(seeded):
    _pagination, rows, data = api_page("?limit=2&offset=12", TenCapPages())
    assert (rows, data["count"], data["count_capped"]) == ([], 10, False)


def test_the_last_full_page_past_the_cap_has_no_next_link(seeded):
    _pagination, rows, data = api_page("?limit=2&offset=8", SmallCapPages())  # districts 9 and 10 of 10
    assert len(rows) == 2 and data["next"] is None


def test_a_page_past_the_cap_reads_one_row_more_than_it_shows(seeded):
    assert rows_read(lambda: api_page("?limit=2&offset=6", SmallCapPages())) == [3]


def test_a_page_at_the_end_of_a_list_within_the_cap_reads_no_rows(seeded):
    reads = rows_read(lambda: api_page("?limit=2&offset=10"))  # 10 districts: offset 10 is past the last
    assert reads == []


def test_an_empty_list_reads_only_its_count(seeded):
    assert rows_read(lambda: api_page("?limit=2", rows=District.objects.filter(name="无此区").order_by("id"))) == []


def test_an_api_list_longer_than_its_page_shows_the_page_controls(seeded):
    pagination, _rows, _data = api_page("?limit=2")
    assert pagination.display_page_controls is True


def test_an_api_list_that_fills_exactly_one_page_shows_no_page_controls(seeded):
    pagination, rows, _data = api_page("?limit=10")
    assert len(rows) == 10 and pagination.display_page_controls is False


def test_an_api_page_holds_at_most_200_rows(seeded):
    pagination, _rows, _data = api_page("?limit=1000")
    assert pagination.limit == 200  # README: "`?limit=` stops at 200"


def test_the_api_schema_says_in_chinese_where_the_count_stops():
    schema = CappedLimitOffsetPagination().get_paginated_response_schema({"type": "array"})
    assert schema["properties"]["count"]["description"] == (
        f"符合条件的条数，最多计到{CappedLimitOffsetPagination.cap}。")


def test_the_api_schema_declares_count_capped_as_a_required_truth():
    schema = CappedLimitOffsetPagination().get_paginated_response_schema({"type": "array"})
    assert schema["properties"]["count_capped"] == {
        "type": "boolean", "description": f"符合条件的超过{CappedLimitOffsetPagination.cap}条时为 true。"}
    assert "count_capped" in schema["required"] and "count" in schema["required"]


# --- pages read from a row's position ----------------------------------------------------------


class TaskPages(KeysetPagination):
    position_field = "deadline"


@pytest.fixture
def tasks(db):
    """Five tasks of one document in the list's order: two due on 1 March (the newer first), one on
    1 April, two without a deadline (the newer first)."""
    document = PolicyDocumentFactory()
    older_march, newer_march = (PolicyTaskFactory(document=document, deadline=D(2025, 3, 1)) for _ in range(2))
    april = PolicyTaskFactory(document=document, deadline=D(2025, 4, 1))
    older_open, newer_open = (PolicyTaskFactory(document=document, deadline=None) for _ in range(2))
    return [newer_march, older_march, april, newer_open, older_open]


def task_page(tasks, query: str):
    """(the pagination, the page's tasks) of the five tasks, paged by their deadline."""
    pagination = TaskPages()
    listed = PolicyTask.objects.filter(document=tasks[0].document).order_by(*pagination.ordering())
    return pagination, pagination.paginate_queryset(listed, Request(APIRequestFactory().get(f"/api/tasks/{query}")))


def cursor(direction: str, task) -> str:
    return TaskPages().encode_cursor(direction, task)


def test_the_first_page_of_a_longer_list_shows_the_page_controls(tasks):
    pagination, _rows = task_page(tasks, "?limit=2")
    assert pagination.display_page_controls is True


def test_a_list_on_one_page_shows_no_page_controls(tasks):
    pagination, rows = task_page(tasks, "?limit=5")
    assert rows == tasks and pagination.display_page_controls is False


def test_an_offset_page_that_ends_the_list_has_no_next_link(tasks):
    pagination, rows = task_page(tasks, "?limit=2&offset=3")
    assert rows == tasks[3:] and pagination.get_next_link() is None


def test_the_page_at_offset_one_links_back_to_the_first(tasks):
    pagination, _rows = task_page(tasks, "?limit=2&offset=1")
    previous = pagination.get_previous_link()
    assert previous is not None and "offset" not in _query(previous)


def test_a_page_reached_backwards_links_forward_to_the_page_after_it(tasks):
    pagination, rows = task_page(tasks, f"?limit=2&cursor={cursor('b', tasks[4])}")
    assert rows == tasks[2:4]
    _pagination, after = task_page(tasks, f"?limit=2&cursor={_query(pagination.get_next_link())['cursor'][0]}")
    assert after == tasks[4:]


def test_an_offset_page_reads_one_row_more_than_it_shows(tasks):
    assert rows_read(lambda: task_page(tasks, "?limit=2&offset=1")) == [3]


def test_a_page_after_a_cursor_reads_one_row_more_than_it_shows_across_the_dated_and_the_undated(tasks):
    # After the newer March task: the older one and April's (2 of 3), then one without a deadline.
    assert rows_read(lambda: task_page(tasks, f"?limit=2&cursor={cursor('a', tasks[0])}")) == [3, 1]


def test_a_page_before_a_cursor_reads_one_row_more_than_it_shows_across_the_undated_and_the_dated(tasks):
    # Before the older task without a deadline: the newer one (1 of 3), then two with a deadline.
    assert rows_read(lambda: task_page(tasks, f"?limit=2&cursor={cursor('b', tasks[4])}")) == [3, 2]


def test_a_page_whose_dated_rows_fill_it_reads_no_undated_ones(tasks):
    assert rows_read(lambda: task_page(tasks, f"?limit=1&cursor={cursor('a', tasks[0])}")) == [2]


def test_the_browsable_api_links_the_pages_by_their_cursors(tasks):
    pagination, _rows = task_page(tasks, "?limit=2")
    context = pagination.get_html_context()
    assert context == {"previous_url": None, "next_url": pagination.get_next_link()}
    assert "cursor" in _query(context["next_url"])


def test_the_api_schema_offers_the_cursor_as_an_optional_text_parameter():
    (parameter,) = [p for p in TaskPages().get_schema_operation_parameters(view=None) if p["name"] == "cursor"]
    assert parameter == {"name": "cursor", "required": False, "in": "query",
                         "description": "本页的起始位置，取自上一页、下一页链接中的值。", "schema": {"type": "string"}}


def read_cursor(text: str):
    pagination = TaskPages()
    pagination.model = PolicyTask  # as paginate_queryset sets it before it reads the cursor
    return pagination.decode_cursor(Request(APIRequestFactory().get("/api/tasks/", {"cursor": text})))


# "a||1" … "a||1234567" in base64 without their padding: 6, 7, 8, 10, 11, 12 and 14 characters, short
# of two, one or no "=".
@pytest.mark.parametrize("pk", [1, 12, 123, 1234, 12345, 123456, 1234567])
def test_a_cursor_of_any_length_is_read(db, pk):
    assert read_cursor(cursor("a", PolicyTask(pk=pk))) == ("a", None, pk)


@pytest.mark.parametrize("pk", [1, 12, 123])
def test_a_cursor_with_padding_after_it_is_read(db, pk):
    assert read_cursor(cursor("a", PolicyTask(pk=pk)) + "==") == ("a", None, pk)


@pytest.mark.parametrize("pk", [1, 12, 123])
@pytest.mark.parametrize("stray", [".", "!", "~", " "])
def test_a_cursor_with_a_character_no_link_has_is_refused_whatever_its_length(tasks, pk, stray):
    with pytest.raises(InvalidInput) as refused:
        task_page(tasks, "?" + urlencode({"cursor": cursor("a", PolicyTask(pk=pk)) + stray}))
    assert refused.value.field == "cursor"
