"""The front case list counts at most policyops.pagination.COUNT_CAP cases (issue 12)."""
import pytest
from django.urls import reverse

from policyops.pagination import CappedPaginator
from tests.approvals.factories import register_case

pytestmark = pytest.mark.django_db


def test_the_case_list_says_there_are_more_pages_than_it_counted(client, power, entrustment, clerk, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 2)
    monkeypatch.setattr("approvals.views.cases.PAGE_SIZE", 1)
    for _ in range(4):
        register_case(power, clerk=clerk)
    client.force_login(clerk)
    response = client.get(reverse("approvals:case_list"))
    assert response.context["page"].paginator.capped
    assert "第1页，共3页以上" in response.content.decode()
