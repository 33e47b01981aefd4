"""City subsidy cases worked out by hand from 002:485-507."""
import inspect
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyops.errors import InvalidInput
from programs.roads.subsidy import (
    QUOTE_ARGUMENTS,
    QUOTED_FIELDS,
    ProjectQuoter,
    SubsidyTable,
    quote,
    quote_bus_facilities,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.mark.parametrize("district, work_type, km, width, estimate, poverty, excess, expected", [
    # Each rate cell, ≥ 6 m and < 6 m, PL and other (002:491).
    ("平度市", "路网提档升级", 10, 6, 2000, 0, False, "900.00"),       # 90 × 10
    ("城阳区", "路网提档升级", 10, 6.5, 2000, 0, False, "550.00"),     # 55 × 10
    ("莱西市", "自然村庄通达", 5, 5, 1000, 0, False, "350.00"),        # 70 × 5
    ("即墨区", "自然村庄通达", 5, 5.9, 1000, 0, False, "200.00"),      # 40 × 5
    ("平度市", "大修", 2, 7, 1000, 0, False, "180.00"),               # 90 × 2
    ("平度市", "中修", 10, 7, 1000, 0, False, "350.00"),              # 35 × 10
    ("莱西市", "中修", 10, 4.5, 1000, 0, False, "300.00"),            # 30 × 10
    ("胶州市", "中修", 10, 6, 1000, 0, False, "200.00"),              # 20 × 10
    ("胶州市", "中修", 10, 5, 1000, 0, False, "150.00"),              # 15 × 10
    ("平度市", "预防养护", 20, 6, 1000, 0, False, "200.00"),           # 10 × 20
    ("莱西市", "预防养护", 20, 5, 1000, 0, False, "100.00"),           # 5 × 20
    ("城阳区", "预防养护", 20, 6, 1000, 0, False, "100.00"),           # 5 × 20
    ("崂山区", "预防养护", 20, 5, 1000, 0, False, "60.00"),            # 3 × 20
    # Caps: PL 50 %, other 30 % of the estimate.
    ("平度市", "路网提档升级", 20, 6, 1000, 0, False, "500.00"),      # 1800 capped at 500
    ("即墨区", "大修", 4, 5.5, 400, 0, False, "120.00"),             # 160 capped at 120
    # Poverty multiplier 1.2 on the poverty segments of upgrade/大修/中修 only (002:493).
    ("平度市", "路网提档升级", 10, 6, 5000, 4, False, "972.00"),      # 90×6 + 90×1.2×4
    ("城阳区", "中修", 10, 5, 5000, 10, False, "180.00"),            # 15 × 1.2 × 10
    ("平度市", "自然村庄通达", 10, 6, 5000, 4, False, "900.00"),      # no multiplier for village access
    ("城阳区", "预防养护", 10, 6, 5000, 5, False, "50.00"),           # no multiplier for preventive
    # West Coast: no city subsidy (002:485).
    ("青岛西海岸新区", "路网提档升级", 10, 6, 2000, 0, False, "0.00"),
    ("青岛西海岸新区", "危桥改造", 0, 0, 300, 0, False, "0.00"),
    # Dangerous bridges: 45 % of the estimate is the subsidy.
    ("平度市", "危桥改造", 0, 0, 300, 0, False, "135.00"),
    ("胶州市", "危桥改造", 0, 0, 123.45, 0, False, "55.55"),
    # Rewards for excess work (002:503): 平度市 1.4 × the standard, capped at 70 %.
    ("平度市", "大修", 10, 6, 2000, 0, True, "1260.00"),              # 900 × 1.4
    ("平度市", "大修", 10, 6, 1500, 0, True, "1050.00"),              # 1260 capped at 70 % of 1500
    ("平度市", "路网提档升级", 10, 6, 5000, 4, True, "1360.80"),      # 972 × 1.4
    # Other districts: the standard rate within the usual cap.
    ("莱西市", "路网提档升级", 10, 6, 1000, 0, True, "500.00"),       # 900 capped at 50 %
    ("即墨区", "中修", 10, 6, 1000, 0, True, "200.00"),              # 20 × 10
])
def test_quote_by_hand(seeded, district, work_type, km, width, estimate, poverty, excess, expected):
    assert quote(district, work_type, km, width, estimate, poverty_km=poverty, excess=excess).amount_wan == D(expected)


def test_breakdown_explains_the_amount(seeded):
    result = quote("即墨区", "大修", 4, 5.5, 400)
    assert result.breakdown["rate_wan_per_km"] == "40.00"
    assert result.breakdown["cap_applied"] is True
    assert result.breakdown["cap_wan"] == "120.00"
    assert result.breakdown["uncapped_wan"] == "160.00"


def test_district_may_be_an_object(seeded):
    from policyops.models import District

    assert quote(District.objects.get(name="平度市"), "中修", 1, 6, 100).amount_wan == D("35.00")


def test_bridge_ignores_length(seeded):
    assert quote("平度市", "危桥改造", 99, 0, 300).amount_wan == D("135.00")


def test_bus_facilities(seeded):
    # 3 bays × 5000 + 2 shelters × 5000 + 10 signs × 300 = 28000 元 (002:499).
    result = quote_bus_facilities(bays=3, shelters=2, signs=10)
    assert result.amount_wan == D("2.80")
    assert result.breakdown["total_yuan"] == "28000"


@pytest.mark.parametrize("kwargs, field", [
    ({"work_type": "预防养护", "excess": True}, "excess"),
    ({"work_type": "小修"}, "work_type"),
    ({"work_type": "客运站点"}, "work_type"),
    ({"work_type": "中修", "poverty_km": 11}, "poverty_km"),
    ({"work_type": "中修", "estimate_wan": -1}, "estimate_wan"),
    ({"work_type": "中修", "length_km": "约10"}, "length_km"),
])
def test_bad_input_names_the_field(seeded, kwargs, field):
    args = {"district": "平度市", "work_type": "中修", "length_km": 10, "width_m": 6, "estimate_wan": 1000, **kwargs}
    with pytest.raises(InvalidInput) as exc:
        quote(**args)
    assert exc.value.field == field


def test_negative_bus_count_is_refused(seeded):
    with pytest.raises(InvalidInput):
        quote_bus_facilities(bays=-1)


districts = st.sampled_from(["崂山区", "城阳区", "即墨区", "平度市", "莱西市", "胶州市", "青岛西海岸新区"])
km_types = st.sampled_from(["路网提档升级", "自然村庄通达", "大修", "中修", "预防养护"])
money = st.decimals(min_value=0, max_value=100000, places=2)
km = st.decimals(min_value=0, max_value=200, places=2)
width = st.decimals(min_value=3, max_value=12, places=1)


@pytest.fixture
def table(seeded):
    return SubsidyTable.load()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(district=districts, work_type=km_types, length=km, width_m=width, estimate=money,
       poverty_share=st.decimals(min_value=0, max_value=1, places=2), excess=st.booleans())
def test_never_above_the_cap(table, district, work_type, length, width_m, estimate, poverty_share, excess):
    if excess and work_type not in table.names("reward_work_types"):
        excess = False
    result = table.quote(district, work_type, length, width_m, estimate, (length * poverty_share).quantize(D("0.01")),
                         excess)
    # 002:491 不高于概算投资的…%: not a cent above, rounding included.
    assert D(0) <= result.amount_wan <= estimate * D("0.70")
    if not excess:
        cap = D("0.50") if table.group(district) == "PL" else D("0.30")
        assert result.amount_wan <= estimate * cap


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(district=districts, work_type=km_types, length=km, extra=km, width_m=width, estimate=money)
def test_monotone_in_km(table, district, work_type, length, extra, width_m, estimate):
    shorter = table.quote(district, work_type, length, width_m, estimate).amount_wan
    longer = table.quote(district, work_type, length + extra, width_m, estimate).amount_wan
    assert shorter <= longer


def test_every_quoted_column_fills_one_keyword_of_the_quote():
    """QUOTE_ARGUMENTS ties the columns a list reads (values_list over QUOTED_FIELDS) to the
    quote's keywords: a column added without its keyword, or a keyword left unfilled, fails here."""
    keywords = set(inspect.signature(ProjectQuoter.quote).parameters) - {"self", "district_name"}
    assert sorted(QUOTE_ARGUMENTS.values()) == sorted(keywords)
    assert QUOTED_FIELDS == tuple(QUOTE_ARGUMENTS)



def test_a_rate_is_named_by_its_labels_not_its_codes(seeded):
    from programs.roads.models import SubsidyRate

    rate = SubsidyRate.objects.filter(district_group="other").first()
    assert "other" not in str(rate) and "其他区（市）" in str(rate)
