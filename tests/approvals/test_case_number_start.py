"""A part of a case number that can only sit at a number's start (2025-01 -> PD-2025-01) is searched
as that start; a list whose search finds few enough cases sorts them, and the admin's case list
reads a year's numbers within that year of receipt, rather than walking its order index
(rules.case_number_start, selectors.few_enough_to_sort, selectors.numbers_within_their_year; issue 12)."""
import datetime as dt

import pytest
from django.contrib.admin.views.main import ORDER_VAR, SEARCH_VAR
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from approvals import rules, selectors
from approvals.models import ApprovalCase, SealUse
from policyops.search_indexes import ordered_apart
from tests import plans
from tests.approvals.factories import register_case

D = dt.date
numbers = st.builds(rules.case_number, st.integers(1000, 9999), st.integers(0, 999_999))


# --- the rule -----------------------------------------------------------------------------------


@pytest.mark.parametrize("typed, start", [
    ("PD-2025-01", "PD-2025-01"), ("2025-01", "PD-2025-01"), ("pd-2025", "PD-2025"), ("D-2", "PD-2"),
    ("-2025-", "PD-2025-"), ("D", "PD"), ("PD-2025-000123", "PD-2025-000123")])
def test_a_part_the_layout_places_at_the_start_is_asked_as_that_start(typed, start):
    assert rules.case_number_start(typed) == start


@pytest.mark.parametrize("typed", ["2025", "000123", "-01", "5-01", "张伟", ""])
def test_a_part_that_fits_many_places_or_none_has_no_start(typed):
    assert rules.case_number_start(typed) is None


@pytest.mark.parametrize("typed", ["P-", "--", "PD 2025", "DP", "2025-01-01"])
def test_a_term_the_layout_has_no_place_for_is_in_no_number(typed):
    assert not rules.may_be_in_case_number(typed)


@given(number=numbers, data=st.data())
def test_every_part_of_a_number_may_be_in_one_and_begins_it_from_its_start(number, data):
    first = data.draw(st.integers(0, len(number) - 1))
    part = number[first:data.draw(st.integers(first + 1, len(number)))]
    start = rules.case_number_start(part.lower())
    assert rules.may_be_in_case_number(part)
    assert start is None or number.startswith(start)


@given(number=numbers, typed=st.text(alphabet="PD-0123456789", min_size=1, max_size=8))
def test_a_term_the_layout_refuses_is_in_no_number(number, typed):
    if not rules.may_be_in_case_number(typed):
        assert typed not in number


@pytest.mark.parametrize("start, most", [("PD-2025-01", 10_000), ("PD-2025-000123", 1), ("PD-2025-", 10 ** 6),
                                         ("PD-2025", 10 ** 6), ("PD-20", None)])
def test_a_start_bounds_how_many_numbers_begin_with_it(start, most):
    assert rules.case_numbers_starting_with(start) == most


@pytest.mark.parametrize("start, year", [("PD-2019", 2019), ("PD-2019-01", 2019), ("PD-2019-", 2019),
                                         ("PD-20", None), ("PD-", None), ("PD", None)])
def test_a_start_gives_its_numbers_year_once_the_year_is_whole(start, year):
    assert rules.case_number_year(start) == year


def test_only_a_start_that_bounds_its_matches_to_the_cap_is_sorted_apart():
    assert selectors.few_enough_to_sort("2025-01") and selectors.few_enough_to_sort("PD-2025-0001")
    assert not any(selectors.few_enough_to_sort(typed) for typed in ("PD-2025-0", "PD-2025", "000123", "张伟"))


# --- the search and the lists -------------------------------------------------------------------


@pytest.fixture
def dated_cases(power, entrustment, clerk):
    """Four cases of September 2024 (PD-2024-00000N), their deadlines out of their order, one stopped."""
    cases = [register_case(power, clerk=clerk, received_on=D(2024, 9, 27)) for _ in range(4)]
    for case, due_on in zip(cases, (D(2024, 10, 30), None, D(2024, 10, 8), D(2024, 10, 30))):
        ApprovalCase.objects.filter(pk=case.pk).update(due_on=due_on)
    return cases


def test_a_part_with_a_start_is_asked_by_that_start():
    assert selectors.case_number_contains("2024-09") == Q(number__startswith="PD-2024-09")
    assert (selectors.case_number_contains("2024-09", field="case_number")
            == Q(case_number__startswith="PD-2024-09"))
    assert selectors.case_number_contains("P-") is None  # a name then: the applicants only


@pytest.mark.django_db
def test_the_start_finds_what_contains_would(dated_cases):
    def found(q):
        return set(ApprovalCase.objects.filter(q).values_list("pk", flat=True))

    for typed in ("2024-00", "pd-2024-0000", "D-2024", "2023-", "-2024-000001"):
        assert found(selectors.case_number_contains(typed)) == found(Q(number__icontains=typed)), typed


@pytest.mark.django_db
def test_a_list_sorting_its_few_matches_keeps_the_lists_order(dated_cases, clerk, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)  # four matches: not read as ids first
    listed = selectors.case_list(user=clerk, search="2024-00")
    assert "COALESCE" in str(listed.query).upper()
    expected = ApprovalCase.objects.filter(pk__in=[c.pk for c in dated_cases]).order_by(
        F("due_on").asc(nulls_last=True), "-id")
    assert [case.pk for case in listed] == [case.pk for case in expected]
    assert listed[0].due_on == D(2024, 10, 8) and listed[3].due_on is None


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="asks PostgreSQL's planner")
def test_a_block_of_numbers_is_sorted_and_not_walked_along_the_deadlines_index(dated_cases, clerk, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)  # more matches than the ids read first
    # With whole sorts priced out, the list's usual order is read along the deadlines' index
    # (presorted by the due date); apart, no index gives the order, and the matches are sorted.
    off = ("enable_seqscan", "enable_bitmapscan", "enable_sort")
    walked = plans.plan_of(selectors.case_list(user=clerk, search="PD-2024-0"), off=off)
    sorted_apart = plans.plan_of(selectors.case_list(user=clerk, search="PD-2024-00"), off=off)
    assert "Presorted Key: approvals_approvalcase.due_on" in walked, walked
    assert "Presorted Key" not in sorted_apart and "Sort Key: (COALESCE" in sorted_apart, sorted_apart


def admin_rows(client, user, changelist, term):
    client.force_login(user)
    return client.get(reverse(changelist), {SEARCH_VAR: term}).context["cl"].result_list


@pytest.mark.django_db
def test_the_admin_case_list_sorts_a_blocks_matches_newest_first(client, dated_cases, supervisor):
    ApprovalCase.objects.filter(pk=dated_cases[1].pk).update(received_on=D(2024, 9, 30))
    rows = admin_rows(client, supervisor, "admin:approvals_approvalcase_changelist", "2024-00")
    assert "COALESCE" in str(rows.query).upper()
    assert [case.pk for case in rows] == [dated_cases[1].pk] + [case.pk for case in reversed(dated_cases)
                                                                if case != dated_cases[1]]


@pytest.mark.django_db
def test_the_seal_use_log_sorts_a_blocks_uses_newest_first(client, dated_cases, entrustment, supervisor):
    seal = entrustment.seals.first()
    used_on = (D(2024, 10, 9), D(2024, 11, 2), D(2024, 10, 1), D(2024, 10, 9))
    uses = [SealUse.objects.create(seal=seal, case=case, action=SealUse.STEPS[0], used_on=day, used_by=supervisor)
            for case, day in zip(dated_cases, used_on)]
    rows = admin_rows(client, supervisor, "admin:approvals_sealuse_changelist", "2024-00")
    assert "COALESCE" in str(rows.query).upper()
    assert [use.pk for use in rows] == [uses[1].pk, uses[3].pk, uses[0].pk, uses[2].pk]


def seal_use_counts(client, user, term):
    """The COUNT statements the seal-use log runs for a search of ``term``."""
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("admin:approvals_sealuse_changelist"), {SEARCH_VAR: term})
    return [query["sql"] for query in captured.captured_queries
            if query["sql"].startswith("SELECT COUNT(") and "approvals_sealuse" in query["sql"]]


@pytest.mark.django_db
def test_a_years_numbers_are_asked_within_that_year_of_receipt(dated_cases):
    found = selectors.numbers_within_their_year(ApprovalCase.objects.all(), "PD-2024")
    assert "received_on" in str(found.query) and set(found) == set(dated_cases)


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["2024", "000001", "PD-20", "张伟"])
def test_a_term_that_fixes_no_year_is_not_asked_within_one(dated_cases, typed):
    assert selectors.numbers_within_their_year(ApprovalCase.objects.all(), typed) is None


@pytest.mark.django_db
def test_a_years_numbers_are_not_bounded_when_an_applicant_holds_the_term(dated_cases, power, clerk):
    named = register_case(power, clerk=clerk, received_on=D(2025, 3, 3))
    ApprovalCase.objects.filter(pk=named.pk).update(applicant_name="PD-2024工程有限公司")
    assert selectors.numbers_within_their_year(ApprovalCase.objects.all(), "PD-2024") is None


@pytest.mark.django_db
def test_a_number_must_hold_its_year_of_receipt(dated_cases):
    with pytest.raises(IntegrityError), transaction.atomic():
        ApprovalCase.objects.filter(pk=dated_cases[0].pk).update(received_on=D(2025, 1, 2))


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="asks PostgreSQL's planner")
def test_a_years_numbers_are_read_from_the_years_end_along_the_newest_first_index(dated_cases):
    newest_first = selectors.numbers_within_their_year(ApprovalCase.objects.all(), "PD-2024").order_by(
        "-received_on", "-id")
    plan = plans.plan_of(newest_first, off=("enable_seqscan", "enable_bitmapscan", "enable_sort"))
    assert "case_newest_first" in plan and "Index Cond: ((received_on >= '2024-01-01'::date)" in plan, plan


@pytest.mark.django_db
def test_the_admin_case_list_reads_a_years_numbers_newest_first_within_the_year(client, dated_cases, supervisor):
    ApprovalCase.objects.filter(pk=dated_cases[1].pk).update(received_on=D(2024, 9, 30))
    rows = admin_rows(client, supervisor, "admin:approvals_approvalcase_changelist", "PD-2024")
    assert "received_on" in str(rows.query).split("WHERE")[1].split("ORDER BY")[0]
    assert [case.pk for case in rows] == [dated_cases[1].pk] + [case.pk for case in reversed(dated_cases)
                                                                if case != dated_cases[1]]


@pytest.mark.django_db
def test_the_admin_case_list_sorted_by_a_column_reads_a_years_numbers_within_the_year(client, dated_cases, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("admin:approvals_approvalcase_changelist"), {SEARCH_VAR: "PD-2024", ORDER_VAR: "1"})
    rows = response.context["cl"].result_list
    assert "received_on" in str(rows.query).split("WHERE")[1].split("ORDER BY")[0]
    assert [case.number for case in rows] == sorted(case.number for case in dated_cases)


@pytest.mark.django_db
def test_the_seal_use_log_counts_a_blocks_uses_without_sorting_them(client, dated_cases, supervisor):
    (count,) = seal_use_counts(client, supervisor, "2024-00")
    assert "ORDER BY" not in count.upper()


@pytest.mark.django_db
def test_the_seal_use_log_counts_a_years_uses_in_its_order(client, dated_cases, supervisor):
    (count,) = seal_use_counts(client, supervisor, "2024")
    assert "ORDER BY" in count.upper()


def test_ordered_apart_changes_the_first_column_only():
    first, rest = ordered_apart(["-received_on", "-pk"])[0], ordered_apart(["-received_on", "-pk"])[1:]
    assert first.descending and "Coalesce" in repr(first.expression) and rest == ["-pk"]
    nulls_last = ordered_apart([F("due_on").asc(nulls_last=True), "-id"])[0]
    assert nulls_last.nulls_last and not nulls_last.descending


@pytest.mark.django_db
@pytest.mark.parametrize("url_name, user_fixture, term", [
    ("approvals:case_list", "clerk", "2024-00"), ("admin:approvals_approvalcase_changelist", "supervisor", "2024-00"),
    ("admin:approvals_approvalcase_changelist", "supervisor", "PD-2024")])  # a year's numbers, within the year
def test_a_list_searching_numbers_reads_their_relations_in_a_fixed_number_of_queries(
        client, power, entrustment, clerk, request, url_name, user_fixture, term, assert_constant_queries):
    def grow(n):  # cases of September 2024, every other one with a handler
        for i in range(n):
            case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
            if i % 2:
                ApprovalCase.objects.filter(pk=case.pk).update(handler=clerk.person)

    client.force_login(request.getfixturevalue(user_fixture))
    response = assert_constant_queries(client, reverse(url_name) + "?q=" + term, grow)
    html = response.content.decode()
    assert html.count("PD-2024-0000") >= 28 and clerk.person.name in html
