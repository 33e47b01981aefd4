"""The subsidy's edges that mutation testing (make mutants) found no test pinning: what the
breakdown says, boundaries of the poverty segment and the earned reward, and the quoter's
reasons. Amounts worked out by hand from 002:485-507, as in test_subsidy.py."""
from decimal import Decimal

import pytest
from django.utils import translation

from policyops.errors import InvalidInput
from programs.roads.models import RoadProject, SubsidyParameter, SubsidyRate
from programs.roads.rules import WorkType
from programs.roads.subsidy import NO_WIDTH, TABLE_MISSING, ProjectQuoter, RewardLedger, SubsidyTable
from tests.roads.factories import annual_plans, manager_of
from tests.roads.test_projects import new_project

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def table(seeded):
    return SubsidyTable.load()


def test_a_project_without_poverty_km_shows_no_multiplier(table):
    breakdown = table.quote("平度市", "中修", 10, 7, 1000).breakdown
    assert (breakdown["poverty_km"], breakdown["poverty_multiplier"]) == ("0", "1")


def test_poverty_km_of_a_type_without_the_multiplier_show_as_none(table):
    # 002:493: the multiplier is for upgrade, 大修 and 中修 only; 预防养护's poverty km count as ordinary km.
    breakdown = table.quote("平度市", "预防养护", 20, 6, 1000, poverty_km=5).breakdown
    assert (breakdown["poverty_km"], breakdown["poverty_multiplier"]) == ("0", "1")


def test_half_a_km_serving_a_poor_village_gets_the_multiplier(table):
    # 002:493 按1.2倍补助: 15 × 9.5 + 15 × 1.2 × 0.5 = 151.50 (城阳区, 中修, < 6 m).
    assert table.quote("城阳区", "中修", 10, 5, 5000, poverty_km=D("0.5")).amount_wan == D("151.50")


def test_a_standard_exactly_at_the_cap_is_not_capped(table):
    # 35 × 10 = 350 = 50 % of 700 (平度市, 中修, ≥ 6 m): the cap is reached, not applied.
    result = table.quote("平度市", "中修", 10, 7, 700)
    assert result.amount_wan == D("350.00") and result.breakdown["cap_applied"] is False


def test_a_capped_quote_is_rounded_down_not_above_its_cap(table):
    # 002:491 其他区（市）不高于概算投资的30%: 30 % of 100.05 万元 is 30.015, paid as 30.01, never 30.02.
    result = table.quote("城阳区", "大修", 10, 7, D("100.05"))
    assert result.breakdown["cap_applied"] is True
    assert result.amount_wan == D("30.01") and result.breakdown["cap_wan"] == "30.01"


def test_a_bridge_is_rounded_down_within_its_cap(table):
    # 002:491 危桥改造不高于概算投资的45%: 45 % of 100.11 万元 is 45.0495, paid as 45.04.
    assert table.quote("平度市", "危桥改造", 0, 0, D("100.11")).amount_wan == D("45.04")


def test_a_bridge_is_quoted_at_its_cap(table):
    # 002:491 危桥改造…按工程预算的45%补助: the cap share is the amount.
    assert table.quote("平度市", "危桥改造", 0, 0, 300).breakdown["cap_applied"] is True


def test_bus_facilities_of_a_district_name_it(table):
    assert table.quote_bus_facilities(bays=1, district="平度市").breakdown["district"] == "平度市"


def test_bus_facilities_without_a_district_name_none(table):
    assert "district" not in table.quote_bus_facilities(bays=1).breakdown


def test_rates_without_parameters_are_not_a_table(seeded):
    SubsidyParameter.objects.all().delete()
    with pytest.raises(InvalidInput):
        SubsidyTable.load()


def test_parameters_without_rates_are_not_a_table(seeded):
    SubsidyRate.objects.all().delete()
    with pytest.raises(InvalidInput):
        SubsidyTable.load()


def test_a_changed_rate_changes_the_tables_version(seeded):
    # The dashboard keeps its sums under the version (views._kept_sums): a new rate must not reuse them.
    before = SubsidyTable.load().version
    assert SubsidyTable.load().version == before
    SubsidyRate.objects.filter(pk=SubsidyRate.objects.first().pk).update(rate_wan_per_km=D("1.00"))
    assert SubsidyTable.load().version != before


@pytest.mark.parametrize("work_type, unit", [(WorkType.BRIDGE, "座"), (WorkType.BUS_STOP, "个"),
                                             ("路网提档升级", "公里"), ("中修", "公里")])
def test_each_work_type_is_counted_in_its_unit(work_type, unit):
    assert WorkType.unit(work_type) == unit


# --- the earned reward (002:503) -----------------------------------------------------------


def test_half_a_km_short_of_the_years_plan_earns_no_reward(seeded):
    annual_plans({2019: "10.0"})
    project = new_project(manager_of(), quantity=D("9.5"), plan_year=2019)
    RoadProject.objects.filter(pk=project.pk).update(state=RoadProject.State.ACCEPTANCE)
    assert RewardLedger.load().refusal("平度市", "路网提档升级", 2019)


def test_a_plan_of_half_a_km_with_nothing_built_earns_no_reward():
    ledger = RewardLedger(plans={("平度市", "upgrade_km", 2019): D("0.5")}, done={})
    assert ledger.refusal("平度市", "路网提档升级", 2019)


def test_the_plan_met_exactly_earns_the_reward():
    ledger = RewardLedger(plans={("平度市", "upgrade_km", 2019): D("10")},
                          done={("平度市", "upgrade_km", 2019): D("10")})
    assert ledger.refusal("平度市", "路网提档升级", 2019) is None


# --- the quoter's reasons: a list never breaks on a project it cannot quote ----------------------


def test_the_quoter_without_rates_says_so():
    assert ProjectQuoter(None).quote(district_name="平度市", work_type="中修", quantity=D(10), width_m=D(6),
                                     estimate_wan=D(100), poverty_km=None, excess=False) == (None, str(TABLE_MISSING))


def test_the_quoter_asks_for_a_missing_width(table):
    assert ProjectQuoter(table).quote(district_name="平度市", work_type="中修", quantity=D(10), width_m=None,
                                      estimate_wan=D(100), poverty_km=None, excess=False) == (None, str(NO_WIDTH))


def test_the_quoter_gives_the_reason_a_quote_is_refused(table):
    # Excess work of 预防养护 is no reward type (002:503): the list shows the refusal, not an error page.
    with translation.override("en"):
        quote, reason = ProjectQuoter(table).quote(district_name="平度市", work_type="预防养护", quantity=D(10),
                                                   width_m=D(6), estimate_wan=D(100), poverty_km=None, excess=True)
    assert (quote, reason) == (None, "Rewards for excess work apply only to upgrade, major and medium repair.")


def test_an_excess_project_without_poverty_km_is_quoted_on_ordinary_km(table):
    # Refused reward (no 2019 plan): 90 × 10 = 900, no poverty segment read into the missing value.
    quote, _reason = ProjectQuoter(table).quote(district_name="平度市", work_type="路网提档升级", quantity=D(10),
                                                width_m=D(6), estimate_wan=D(5000), poverty_km=None, excess=True,
                                                plan_year=2019)
    assert quote.amount_wan == D("900.00")
