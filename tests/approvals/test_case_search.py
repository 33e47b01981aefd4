"""selectors.case_search: the one search of cases (front list, API list, admin)."""
import datetime as dt

import pytest
from django.db import connection  # noqa: F401 (skipif conditions read it)
from django.db.models import Q
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from approvals import rules, selectors
from approvals.models import ApprovalCase
from tests.approvals.factories import register_case

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def cases(power, entrustment, clerk):
    return [register_case(power, clerk=clerk, received_on=D(2024, 9, 27)) for _ in range(3)]


def found(q):
    return set(ApprovalCase.objects.filter(q).values_list("pk", flat=True))


def contains(text):
    return Q(number__icontains=text) | Q(applicant_name__icontains=text)


def test_a_whole_number_finds_what_contains_would_in_any_case(cases):
    for case in cases:
        for typed in (case.number, case.number.lower()):
            assert found(selectors.case_search(typed)) == found(contains(typed)) == {case.pk}


def test_a_whole_number_is_looked_up_by_the_number_itself():
    assert selectors.case_search("pd-2024-000123") == Q(number="PD-2024-000123") | Q(
        applicant_name__icontains="pd-2024-000123")


def test_part_of_a_number_is_still_searched_inside_numbers(cases):
    assert found(selectors.case_search(cases[1].number[-6:])) == {cases[1].pk}
    assert found(selectors.case_search("2024-")) == {case.pk for case in cases}


@given(year=st.integers(1000, 9999), serial=st.integers(0, 999_999))
def test_every_number_the_intake_writes_is_a_whole_number(year, serial):
    assert rules.WHOLE_CASE_NUMBER.fullmatch(rules.case_number(year, serial))


@given(year=st.integers(1000, 9999), serial=st.integers(0, 999_999))
def test_a_whole_numbers_serial_is_a_part_of_it_that_its_year_does_not_share(year, serial):
    number = rules.case_number(year, serial)
    assert rules.case_number_serial(number) == f"{serial:06d}" and number.endswith(rules.case_number_serial(number))
    assert rules.case_number_serial(number.lower()) == f"{serial:06d}"


@pytest.mark.parametrize("typed", ["PD-2024-00012", "PD-2024", "000123", "PD-2024-000123 张三", "张三", ""])
def test_only_a_whole_number_has_a_serial_to_be_found_by(typed):
    assert rules.case_number_serial(typed) is None


def test_the_admin_searches_as_the_front_list_does(client, cases, clerk):
    client.force_login(clerk)
    typed = cases[2].number.lower()
    admin_rows = client.get(reverse("admin:approvals_approvalcase_changelist"), {"q": typed}).context["cl"].result_list
    front_rows = client.get(reverse("approvals:case_list"), {"q": typed}).context["rows"]
    assert [case.pk for case in admin_rows] == [row["case"].pk for row in front_rows] == [cases[2].pk]


def test_the_list_search_keeps_the_scope_and_the_other_filters(cases, clerk):
    found_ids = selectors.search_cases(ApprovalCase.objects.filter(pk__in=[cases[0].pk, cases[1].pk]), "2024-")
    assert set(found_ids.values_list("pk", flat=True)) == {cases[0].pk, cases[1].pk}
    listed = selectors.case_list(user=clerk, search="2024-", state=ApprovalCase.State.SUBMITTED)
    assert {case.pk for case in listed} == {case.pk for case in cases if case.state == ApprovalCase.State.SUBMITTED}


def test_few_matches_are_read_as_ids_and_many_are_left_to_the_search(cases, monkeypatch):
    few = selectors.search_cases(ApprovalCase.objects.all(), "2024-")
    assert "LIKE" not in str(few.query).upper()  # the page orders the matching ids only
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    many = selectors.search_cases(ApprovalCase.objects.all(), "2024-")
    assert "LIKE" in str(many.query).upper()
    assert set(few.values_list("pk", flat=True)) == set(many.values_list("pk", flat=True)) == {c.pk for c in cases}


def test_the_lists_filters_narrow_the_ids_the_search_reads(cases, clerk, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)  # three cases match "2024-": more than the cap
    first = ApprovalCase.objects.get(pk=cases[0].pk)
    ApprovalCase.objects.filter(pk__in=[cases[1].pk, cases[2].pk]).update(state=ApprovalCase.State.WITHDRAWN)
    listed = selectors.case_list(user=clerk, search="2024-", state=ApprovalCase.State.SUBMITTED)
    assert "LIKE" not in str(listed.query).upper()  # one case left by the state: read by its id
    assert [case.pk for case in listed] == [first.pk]


# --- names of one or two characters (no trigram in them) ---------------------------------------------

NAMES = ["张伟", "王张伟", "李娜", "Zhang Wei 公司", "ab12", "张", "伟张"]


@pytest.fixture
def named_cases(cases):
    for case, name in zip(cases, NAMES):
        ApprovalCase.objects.filter(pk=case.pk).update(applicant_name=name)
    extra = [register_case(cases[0].power, clerk=cases[0].first_contact.user) for _ in range(len(NAMES) - 3)]
    for case, name in zip(extra, NAMES[3:]):
        ApprovalCase.objects.filter(pk=case.pk).update(applicant_name=name)
    return ApprovalCase.objects.all()


def short_terms():
    pieces = {name[i:i + n] for name in NAMES for n in (1, 2) for i in range(len(name) - n + 1)}
    return sorted(pieces | {"赵", "张李", "AB", "w", "ei", "%", "_"})


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the index of short pieces is PostgreSQL's")
def test_a_short_term_is_answered_by_its_pieces_exactly_as_icontains_answers(named_cases):
    from policyops.search_indexes import short_term_contains

    for term in short_terms():
        assert found(short_term_contains("applicant_name", term)) == found(Q(applicant_name__icontains=term)), term


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the index of short pieces is PostgreSQL's")
def test_a_two_character_name_is_found_by_the_index_of_short_pieces(named_cases):
    from policyops.search_indexes import short_gram_index_name, short_term_contains
    from tests import plans

    plan = plans.plan_of(ApprovalCase.objects.filter(short_term_contains("applicant_name", "张伟")).order_by(),
                         off=("enable_seqscan", "enable_indexscan"))
    assert short_gram_index_name("approvals_approvalcase", "applicant_name") in plan, plan


def test_a_name_is_searched_among_applicants_and_a_number_part_among_numbers_too():
    assert "number" not in str(selectors.case_search("张伟"))
    assert "number__icontains" in str(selectors.case_search("12"))
    assert rules.may_be_in_case_number("pd-2024") and not rules.may_be_in_case_number("PD 2024")


def test_the_list_finds_cases_by_a_two_character_name(named_cases, clerk):
    listed = selectors.case_list(user=clerk, search="张伟")
    assert sorted(case.applicant_name for case in listed) == ["张伟", "王张伟"]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="STRPOS over UPPER is written for PostgreSQL")
def test_the_unindexed_contains_answers_exactly_as_icontains_answers(named_cases):
    from policyops.search_indexes import unindexed_contains

    for term in short_terms():
        assert found(unindexed_contains("applicant_name", term)) == found(Q(applicant_name__icontains=term)), term


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the index of short pieces is PostgreSQL's")
def test_a_short_name_matching_more_than_the_cap_is_listed_without_asking_the_trigram_index(
        named_cases, clerk, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 1)  # "张伟" is in two names: more than the cap
    listed = selectors.case_list(user=clerk, search="张伟")
    # icontains (LIKE) was answered from the trigram index, which holds nothing of a two-character
    # term: PostgreSQL read all of it and rechecked every case (0.8 s at a million; issue 12).
    assert "LIKE" not in str(listed.query).upper() and "STRPOS" in str(listed.query).upper()
    assert sorted(case.applicant_name for case in listed) == ["张伟", "王张伟"]
