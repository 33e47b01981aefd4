"""Edges of the approvals' reads (approvals.selectors) that no page test reaches: the search
text's length, how a list reads its rows' handler and power, the queues of a user without a
person or a district."""
import datetime as dt

import pytest

from approvals import selectors
from policyops.roles import Role
from tests.approvals.factories import register_case
from tests.conftest import make_user
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_search_reads_its_first_hundred_characters():
    assert selectors.normalise_search("张" * 150) == "张" * 100


def test_a_list_joins_each_rows_handler_and_power(review_case, clerk, django_assert_num_queries):
    cases = selectors.case_list(user=clerk)
    with django_assert_num_queries(1):
        assert [(case.handler.name, case.power.number) for case in cases] == [
            (clerk.person.name, review_case.power.number)]


def test_a_block_of_numbers_reads_handlers_and_powers_for_its_page_alone(review_case, clerk,
                                                                          django_assert_num_queries):
    cases = selectors.case_list(user=clerk, search=review_case.number[:10])  # PD-2024-00: sorted apart
    with django_assert_num_queries(3):  # the cases, then their handlers and their powers
        assert [(case.handler.name, case.power.number) for case in cases] == [
            (clerk.person.name, review_case.power.number)]


def test_a_user_without_a_person_record_has_an_empty_queue(power, entrustment, clerk):
    register_case(power, clerk=clerk, received_on=dt.date(2024, 9, 27))
    user = UserFactory(is_staff=True, is_superuser=True)  # sees every case, handles none
    assert list(selectors.my_open_cases(user)) == []


def test_a_user_without_a_district_has_no_unassigned_cases(power, entrustment, clerk):
    register_case(power, clerk=clerk, received_on=dt.date(2024, 9, 27))
    city_clerk = make_user(Role.CLERK, username="city_clerk")
    assert list(selectors.unassigned_district_cases(city_clerk)) == []
