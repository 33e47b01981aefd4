"""Capped counting: no list page counts a million rows (issue 12)."""
import pytest

from policyops.models import District
from policyops.pagination import CappedPaginator

pytestmark = pytest.mark.django_db


class SmallCap(CappedPaginator):
    cap = 5


def test_a_list_longer_than_the_cap_is_counted_to_one_past_it(seeded):
    paginator = SmallCap(District.objects.order_by("id"), 2)  # the seeds hold 10 districts
    assert (paginator.count, paginator.capped, paginator.num_pages) == (6, True, 3)


def test_a_list_within_the_cap_is_counted_exactly(seeded):
    paginator = SmallCap(District.objects.order_by("id")[:4], 2)
    assert (paginator.count, paginator.capped, paginator.num_pages) == (4, False, 2)


# --- the API's pages -----------------------------------------------------------------------

from rest_framework.request import Request  # noqa: E402
from rest_framework.test import APIRequestFactory  # noqa: E402

from policyops.pagination import MAX_LIMIT, MAX_OFFSET, CappedLimitOffsetPagination  # noqa: E402


class SmallCapPages(CappedLimitOffsetPagination):
    cap = 5


def api_page(query: str, pagination=None):
    pagination = pagination or SmallCapPages()
    request = Request(APIRequestFactory().get(f"/api/x/{query}"))
    rows = pagination.paginate_queryset(District.objects.order_by("id"), request)
    return pagination, rows, pagination.get_paginated_response([d.pk for d in rows]).data


def test_the_api_count_stops_at_the_cap_and_says_so(seeded):
    _pagination, _rows, data = api_page("?limit=2")
    assert (data["count"], data["count_capped"]) == (5, True)


def test_the_api_count_is_exact_within_the_cap(seeded):
    _pagination, _rows, data = api_page("?limit=2", CappedLimitOffsetPagination())
    assert (data["count"], data["count_capped"]) == (10, False)  # the seeds hold 10 districts


def test_a_full_page_past_the_cap_links_to_the_next_one(seeded):
    _pagination, rows, data = api_page("?limit=2&offset=6")
    assert len(rows) == 2 and data["next"] is not None and "offset=8" in data["next"]


def test_the_last_page_past_the_cap_has_no_next_link(seeded):
    _pagination, rows, data = api_page("?limit=2&offset=9")
    assert len(rows) == 1 and data["next"] is None


def test_a_limit_beyond_the_maximum_is_cut_to_it(seeded):
    pagination, _rows, _data = api_page(f"?limit={MAX_LIMIT * 1000}")
    assert pagination.limit == MAX_LIMIT


def test_an_offset_beyond_any_table_gives_an_empty_page_not_an_error(seeded):
    pagination, rows, _data = api_page("?offset=99999999999999999999999")
    assert rows == [] and pagination.offset == MAX_OFFSET




def test_the_capped_count_reads_without_the_lists_order(seeded):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert SmallCap(District.objects.order_by("-position", "name"), 2).count == 6
    (count,) = captured.captured_queries
    assert "COUNT(" in count["sql"] and "ORDER BY" not in count["sql"]


def test_a_sliced_list_is_counted_in_its_own_order(seeded):
    first_three = District.objects.order_by("-position")[:3]
    assert SmallCap(first_three, 2).count == 3


def test_a_plain_list_is_counted_up_to_one_past_the_cap():
    assert SmallCap(list(range(9)), 2).count == 6 and SmallCap([1, 2], 2).count == 2


def test_a_list_counted_in_its_order_keeps_it(seeded):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from policyops.pagination import CappedInListOrderPaginator

    class SmallCapInOrder(CappedInListOrderPaginator):
        cap = 5

    with CaptureQueriesContext(connection) as captured:
        assert SmallCapInOrder(District.objects.order_by("-position", "name"), 2).count == 6
    (count,) = captured.captured_queries
    assert "ORDER BY" in count["sql"]
