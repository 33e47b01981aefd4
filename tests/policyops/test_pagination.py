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
