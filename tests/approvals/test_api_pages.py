"""The case API's pages read from a case's position, not counted to (issue 12: an offset of
600,000 read and dropped 600,000 cases)."""
import base64
import datetime as dt
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from approvals import selectors
from approvals.api import CaseListPagination
from approvals.models import ApprovalCase
from policyops.errors import InvalidInput
from policyops.pagination import COUNT_CAP
from tests.approvals.factories import register_case

pytestmark = pytest.mark.django_db

D = dt.date
CJK = re.compile(r"[\u4e00-\u9fff]")
API = "/api/approvals/cases/"
DUE_DATES = (None, D(2024, 10, 8), D(2024, 10, 9), D(2024, 10, 15))  # None: nothing due (closed, paused)


@pytest.fixture
def nine_cases(power, entrustment, clerk):
    return [register_case(power, clerk=clerk, received_on=D(2024, 9, 27)) for _ in range(9)]


def with_due_dates(cases, due_dates):
    """Give the cases these due dates (the list's position; ties and empty ones included)."""
    for case, due_on in zip(cases, due_dates, strict=True):
        ApprovalCase.objects.filter(pk=case.pk).update(due_on=due_on)


def in_list_order(clerk) -> list[int]:
    return list(selectors.case_list(user=clerk).values_list("pk", flat=True))


def page(clerk, query: str):
    """One page of the case list as the API pages it: (ids, next query, previous query)."""
    pagination = CaseListPagination()
    request = Request(APIRequestFactory().get(f"{API}{query}"))
    rows = pagination.paginate_queryset(selectors.case_list(user=clerk), request)
    data = pagination.get_paginated_response([row.pk for row in rows]).data
    return data["results"], _query_of(data["next"]), _query_of(data["previous"])


def _query_of(link):
    return None if link is None else "?" + urlparse(link).query


positions = st.lists(st.sampled_from(DUE_DATES), min_size=9, max_size=9)
quick = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@quick
@given(due_dates=positions, limit=st.integers(min_value=1, max_value=4))
def test_following_next_from_the_first_page_reads_every_case_once_in_the_lists_order(
        nine_cases, clerk, due_dates, limit):
    with_due_dates(nine_cases, due_dates)
    read, query = [], f"?limit={limit}"
    while query is not None:
        ids, query, _previous = page(clerk, query)
        read += ids
    assert read == in_list_order(clerk)


@quick
@given(due_dates=positions, limit=st.integers(min_value=1, max_value=4))
def test_following_previous_from_the_last_page_reads_the_same_pages_backwards(nine_cases, clerk, due_dates, limit):
    with_due_dates(nine_cases, due_dates)
    pages, query = [], f"?limit={limit}"
    while query is not None:
        ids, query, previous = page(clerk, query)
        pages.append((ids, previous))
    read_back, query = [], pages[-1][1]
    while query is not None:
        ids, _next, query = page(clerk, query)
        read_back.append(ids)
    assert read_back == [ids for ids, _previous in pages[-2::-1]]


def test_an_offset_page_links_to_the_next_by_position_and_back_by_offset(nine_cases, clerk):
    ids, next_query, previous_query = page(clerk, "?limit=2&offset=4")
    assert ids == in_list_order(clerk)[4:6]
    assert "cursor" in parse_qs(next_query[1:]) and "offset" not in parse_qs(next_query[1:])
    assert parse_qs(previous_query[1:])["offset"] == ["2"]


def test_an_offset_past_the_cap_is_refused_in_chinese(clerk):
    client = APIClient()
    client.force_login(clerk)
    refused = client.get(f"{API}?offset={COUNT_CAP + 1}")
    assert refused.status_code == 400 and refused.json()["field"] == "offset"
    assert CJK.search(refused.json()["detail"]) and str(COUNT_CAP) in refused.json()["detail"]


def test_an_offset_at_the_cap_is_served(clerk):
    client = APIClient()
    client.force_login(clerk)
    assert client.get(f"{API}?offset={COUNT_CAP}").status_code == 200


@pytest.mark.parametrize("text", ["a|2024-13-01|3", "x|2024-10-08|3", "a||-3", "a||", "a|2024-10-08", "a|||3",
                                  f"a||{2**63}"])
def test_a_cursor_not_made_by_a_page_is_refused_naming_it(clerk, text):
    cursor = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
    with pytest.raises(InvalidInput) as refused:
        page(clerk, f"?cursor={cursor}")
    assert refused.value.field == "cursor"


@pytest.mark.parametrize("cursor", ["not base64!", "%FF%FE", "////"])
def test_a_cursor_that_is_not_even_text_is_refused_naming_it(clerk, cursor):
    with pytest.raises(InvalidInput) as refused:
        page(clerk, f"?cursor={cursor}")
    assert refused.value.field == "cursor"


def test_a_list_in_another_order_is_not_paged_by_position(clerk):
    request = Request(APIRequestFactory().get(API))
    with pytest.raises(ImproperlyConfigured):
        CaseListPagination().paginate_queryset(selectors.case_list(user=clerk).order_by("-id"), request)


def test_a_page_read_by_position_keeps_its_query_count_as_cases_grow(
        power, entrustment, clerk, assert_constant_queries):
    def grow(n):
        for _ in range(n):
            register_case(power, clerk=clerk, received_on=D(2024, 9, 27))

    # Before every due date: the page reads the cases due, then those with nothing due.
    cursor = CaseListPagination().encode_cursor("a", ApprovalCase(due_on=D(2000, 1, 1), pk=1))
    client = APIClient()
    client.force_login(clerk)
    response = assert_constant_queries(client, f"{API}?cursor={cursor}", grow)
    assert len(response.json()["results"]) == 28
