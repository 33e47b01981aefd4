"""The dashboard's subsidy totals, kept under a digest of their inputs (views._kept_sums).

Kept totals are only right if every input is in the key: each test changes one input the
way no signal would see it (a queryset update) and expects the totals quoted again.
"""
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from policyops.roles import Role
from programs.roads import selectors
from programs.roads.models import AnnualPlan, RoadProject, SubsidyRate
from programs.roads.subsidy import QUOTED_FIELDS, ProjectQuoter
from tests.conftest import make_user
from tests.roads.factories import manager_of
from tests.roads.test_projects import new_project

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="the digest is PostgreSQL's")]
D = Decimal


def pingdu_subsidy(client) -> list[str]:
    """平度市's row of the dashboard's subsidy table: its amounts per plan year, total, unquoted."""
    html = client.get(reverse("roads:dashboard")).content.decode()
    row = re.search(r"<tr><td>平度市</td>(.*?)</tr>", html.split("roads-subsidy")[1], re.S).group(1)
    return re.findall(r'class="num">([^<]*)<', row)


@pytest.fixture
def quotes(monkeypatch):
    """How many projects have been quoted since the fixture was asked for."""
    counted = {"n": 0}
    compute = ProjectQuoter._compute

    def counting(self, *args):
        counted["n"] += 1
        return compute(self, *args)

    monkeypatch.setattr(ProjectQuoter, "_compute", counting)
    return counted


@pytest.fixture
def viewed(seeded, client, supervisor):
    """A 10 km upgrade of 平度市 (900 万元 at 90 a km), its totals viewed once by the supervisor."""
    cache.clear()  # nothing kept by an earlier test
    project = new_project(manager_of(), quantity=D("10"), pavement_width_m=D("6"), estimate_wan=D("5000"))
    client.force_login(supervisor)
    assert pingdu_subsidy(client)[:2] == ["900.00", "900.00"]
    return project


def test_a_second_view_shows_the_kept_totals_without_quoting(viewed, client, quotes):
    assert pingdu_subsidy(client)[:2] == ["900.00", "900.00"]
    assert quotes["n"] == 0


def test_a_project_changed_behind_the_services_back_is_quoted_again(viewed, client, quotes):
    RoadProject.objects.filter(pk=viewed.pk).update(quantity=D("5"))
    assert pingdu_subsidy(client)[:2] == ["450.00", "450.00"]
    assert quotes["n"] == 1


def test_a_changed_rate_is_quoted_again(viewed, client):
    SubsidyRate.objects.filter(work_type=viewed.work_type, wide=True, district_group="PL").update(
        rate_wan_per_km=D("100"))
    assert pingdu_subsidy(client)[:2] == ["1000.00", "1000.00"]


def test_each_scope_keeps_its_own_totals(seeded, client, supervisor):
    laixi = manager_of("莱西市")
    new_project(laixi, "莱西市", quantity=D("10"), pavement_width_m=D("6"), estimate_wan=D("5000"))
    new_project(manager_of(), quantity=D("10"), pavement_width_m=D("6"), estimate_wan=D("5000"))
    client.force_login(supervisor)
    assert pingdu_subsidy(client)[:2] == ["900.00", "900.00"]
    client.force_login(laixi)
    subsidy = client.get(reverse("roads:dashboard")).content.decode().split("roads-subsidy")[1]
    assert "<td>莱西市</td>" in subsidy and "平度市" not in subsidy


@pytest.mark.parametrize("field, value", [
    ("plan_year", 2020), ("work_type", "大修"), ("quantity", D("9")), ("pavement_width_m", D("4.5")),
    ("estimate_wan", D("100")), ("poverty_km", D("1")), ("excess", True), ("bus_bays", 1), ("bus_shelters", 1),
    ("bus_signs", 1), ("state", RoadProject.State.CLOSED),
])
def test_the_digest_changes_with_every_quoted_column_and_the_state(viewed, field, value):
    assert field in (*QUOTED_FIELDS, "state")
    before = selectors.quote_inputs_digest()
    RoadProject.objects.filter(pk=viewed.pk).update(**{field: value})
    assert selectors.quote_inputs_digest() != before


def test_every_quoted_column_is_in_the_parametrized_list():
    listed = {"plan_year", "work_type", "quantity", "pavement_width_m", "estimate_wan", "poverty_km", "excess",
              "bus_bays", "bus_shelters", "bus_signs"}
    assert set(QUOTED_FIELDS) == listed  # a column added to the quote: add it to the test above


def test_the_digest_changes_with_the_districts_name_and_an_annual_plan(viewed):
    before = selectors.quote_inputs_digest()
    type(viewed.district).objects.filter(pk=viewed.district_id).update(name="平度市（新）")
    renamed = selectors.quote_inputs_digest()
    assert renamed != before
    AnnualPlan.objects.create(district=viewed.district, target_field="upgrade_km", year=2018, quantity=D("1"))
    assert selectors.quote_inputs_digest() != renamed


def test_a_user_who_sees_no_district_is_shown_no_totals(viewed, client):
    client.force_login(make_user(Role.PROGRAMME_MANAGER))  # no district
    response = client.get(reverse("roads:dashboard"))
    assert response.status_code == 200 and "<td>平度市</td>" not in response.content.decode()
