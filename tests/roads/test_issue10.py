"""Issue 10 of the road programme: bus facilities in the subsidy (002:499, 485), the earned
reward (002:503) and its budget (002:485), plan adjustments against Annex 2 (002:521) and the
programme's own indicators (002:368, 404, 463, 539). The per-column phase checks (002:479)
are tested in test_dashboard.py and test_api.py."""
import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from policyops.errors import InvalidInput
from policyops.models import PolicyDocument
from programs.roads import rules, services
from programs.roads.models import PlanAdjustment, RoadProject
from programs.roads.resources import PROJECT_COLUMNS
from programs.roads.subsidy import ProjectQuoter, load_table
from tests.conftest import make_user
from tests.factories import IndicatorFactory, IndicatorReadingFactory
from tests.roads.factories import PlanAdjustmentFactory, annual_plans, manager_of
from tests.roads.test_projects import new_project

pytestmark = pytest.mark.django_db
D = Decimal
API = "/api/roads"
DAY = dt.date(2019, 3, 1)


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- bus facilities (002:499, 002:485) ---------------------------------------------------------


def test_a_passenger_stop_project_is_quoted_from_its_bus_facilities(seeded):
    # 002:499: 2 港湾车站 × 5000 + 3 候车亭 × 5000 + 10 站牌 × 300 = 28000 元 = 2.80 万元.
    project = new_project(manager_of(), bus_stop=True, bus_bays=2, bus_shelters=3, bus_signs=10)
    quote, error = ProjectQuoter(load_table()).quote_project(project)
    assert error is None and quote.amount_wan == D("2.80") and quote.breakdown["total_yuan"] == "28000"


def test_bus_facilities_count_in_the_dashboards_totals(seeded, client, supervisor):
    # 002:499: the city subsidy of a 客运站点 project is in every total.
    new_project(manager_of(), bus_stop=True, bus_bays=2, bus_shelters=3, bus_signs=10, plan_year=2019)
    client.force_login(supervisor)
    html = client.get(reverse("roads:dashboard"), {"as_of": "2019-01-01"}).content.decode()
    subsidy = html.split("roads-subsidy")[1]
    pingdu = re.search(r"<tr><td>平度市</td>(.*?)</tr>", subsidy, re.S).group(1)
    assert re.findall(r'class="num">([^<]*)<', pingdu) == ["2.80", "2.80", "0"]


def test_the_west_coast_gets_no_bus_facility_subsidy(seeded):
    # 002:485 市级财政补助资金不含青岛西海岸新区 — bus facilities too.
    response = api(make_user()).post(f"{API}/subsidy-quote/", {
        "district": "青岛西海岸新区", "work_type": "客运站点", "bays": 3, "shelters": 2, "signs": 10}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["amount_wan"] == "0.00" and "青岛西海岸新区" in body["breakdown"]["excluded"]
    project = new_project(manager_of("青岛西海岸新区"), "青岛西海岸新区", bus_stop=True, bus_bays=3)
    quote, _error = ProjectQuoter(load_table()).quote_project(project)
    assert quote.amount_wan == 0 and "excluded" in quote.breakdown


def test_only_passenger_stop_projects_have_bus_facilities(seeded):
    # 002:499: the facilities belong to 运输服务提升 (客运站点) projects.
    with pytest.raises(ValidationError):
        new_project(manager_of(), bus_bays=1)


def test_bus_facility_columns_are_imported_and_optional(seeded):
    # 002:499: the project list carries the counts; older lists without the columns still import.
    from programs.roads.resources import RoadProjectResource

    assert {"bus_bays", "bus_shelters", "bus_signs"} <= set(PROJECT_COLUMNS)
    assert set(RoadProjectResource.import_optional_columns) == {
        PROJECT_COLUMNS["bus_bays"], PROJECT_COLUMNS["bus_shelters"], PROJECT_COLUMNS["bus_signs"]}


# --- the reward is earned (002:503) -------------------------------------------------------------


REWARD_CASE = {"district": "平度市", "work_type": "路网提档升级", "length_km": "10", "width_m": "6",
               "estimate_wan": "5000", "poverty_km": "4", "excess": True, "plan_year": 2019}


def finished(project):
    RoadProject.objects.filter(pk=project.pk).update(state=RoadProject.State.ACCEPTANCE)
    return project


def test_excess_work_is_rewarded_only_once_the_years_plan_is_met(seeded):
    # 002:503 在完成青岛市下达的年度工作任务目标的基础上: 1.4 × (6 × 90 + 4 × 90 × 1.2) = 1360.80.
    user = make_user()
    refused = api(user).post(f"{API}/subsidy-quote/", REWARD_CASE, format="json").json()
    assert refused["amount_wan"] == "972.00" and "reward_refused" in refused["breakdown"]
    annual_plans({2019: "10.0"})
    manager = manager_of()
    planned = new_project(manager, quantity=D("10"), plan_year=2019)
    partial = api(user).post(f"{API}/subsidy-quote/", REWARD_CASE, format="json").json()
    assert partial["amount_wan"] == "972.00" and "0" in partial["breakdown"]["reward_refused"]
    finished(planned)
    rewarded = api(user).post(f"{API}/subsidy-quote/", REWARD_CASE, format="json").json()
    assert rewarded["amount_wan"] == "1360.80" and rewarded["breakdown"]["reward"] is True
    assert "reward_refused" not in rewarded["breakdown"]


def test_a_saved_excess_project_says_why_it_gets_the_standard_rate(seeded):
    # 002:503: the flag is a claim; the quote checks it against the year's plan in the column.
    manager = manager_of()
    claimed = new_project(manager, quantity=D("10"), plan_year=2019, excess=True, poverty_km=D("4"),
                          pavement_width_m=D("6"))
    quote, _error = ProjectQuoter(load_table()).quote_project(claimed)
    assert quote.amount_wan == D("972.00") and quote.breakdown["reward"] is False
    assert "2019" in quote.breakdown["reward_refused"]


def test_another_districts_reward_needs_its_target_met_too(seeded):
    # 002:503 其他区（市）…对超额完成…年度工作任务目标的…项目: the same condition, at the standard rate.
    body = api(make_user()).post(f"{API}/subsidy-quote/", {**REWARD_CASE, "district": "莱西市"},
                                 format="json").json()
    assert body["breakdown"]["reward"] is False and body["breakdown"]["reward_refused"]


def test_excess_needs_the_plan_year(seeded):
    body = api(make_user()).post(f"{API}/subsidy-quote/", {k: v for k, v in REWARD_CASE.items()
                                                           if k != "plan_year"}, format="json").json()
    assert body["breakdown"]["reward"] is False and body["breakdown"]["reward_refused"]


def test_dashboard_shows_committed_subsidy_against_the_city_total(seeded, client, supervisor):
    # 002:485 市财政安排8.36亿元: committed city subsidy per year against 83600 万元 (seeded).
    new_project(manager_of(), quantity=D("10"), pavement_width_m=D("6"), estimate_wan=D("5000"), plan_year=2018)
    client.force_login(supervisor)
    response = client.get(reverse("roads:dashboard"), {"as_of": "2019-01-01"})
    budget = response.context["subsidy"]["budget"]
    assert budget["budget"] == D("83600")
    assert [(r["year"], r["committed"]) for r in budget["rows"]] == [(2018, D("900.00"))]
    assert budget["remaining"] == D("82700.00")
    assert "roads-budget" in response.content.decode()


def test_a_demonstration_district_earns_its_reward_within_the_city_total(seeded, client, supervisor):
    # 002:507 对经省级以上部门验收合格的“四好农村路”示范区（市），按照1000万元/区（市）给予奖励.
    from programs.roads.models import RoadTarget

    new_project(manager_of(), quantity=D("10"), pavement_width_m=D("6"), estimate_wan=D("5000"), plan_year=2018)
    RoadTarget.objects.filter(district__name__in=["平度市", "青岛西海岸新区"]).update(
        demonstration_accepted_on=dt.date(2020, 11, 20))
    client.force_login(supervisor)
    response = client.get(reverse("roads:dashboard"), {"as_of": "2020-12-01"})
    budget = response.context["subsidy"]["budget"]
    # The West Coast New Area is outside the city's funds (002:485): its reward is nothing.
    assert [(str(r["year"]), r["committed"]) for r in budget["rows"]] == [
        ("2018", D("900.00")), ("示范区奖励：平度市", D("1000.00")), ("示范区奖励：青岛西海岸新区", D("0.00"))]
    assert budget["remaining"] == D("81700.00")
    assert "示范区奖励：平度市" in response.content.decode()


def test_a_district_managers_budget_counts_only_their_own_demonstration_reward(seeded, client):
    from programs.roads.models import RoadTarget

    RoadTarget.objects.filter(district__name__in=["平度市", "莱西市"]).update(
        demonstration_accepted_on=dt.date(2020, 11, 20))
    new_project(manager_of(), quantity=D("10"), pavement_width_m=D("6"), estimate_wan=D("5000"), plan_year=2018)
    client.force_login(manager_of())
    budget = client.get(reverse("roads:dashboard"), {"as_of": "2020-12-01"}).context["subsidy"]["budget"]
    assert [str(r["year"]) for r in budget["rows"]] == ["2018", "示范区奖励：平度市"]


# --- plan adjustments keep the Annex 2 total (002:521) ------------------------------------------


def test_an_adjustment_restoring_the_annex_target_is_approved(seeded, supervisor):
    # 002:521 在总任务保持不变的前提下: 平度市's upgrade plans add up to 49.7, 20 short of the 69.7 target.
    annual_plans({2018: "10.0", 2019: "20.0", 2020: "19.7"})
    adjustment = PlanAdjustmentFactory(lines={2020: D("39.7")})
    services.adjustment_approve(adjustment=adjustment, acting_user=supervisor, as_of=DAY)
    adjustment.refresh_from_db()
    assert adjustment.state == PlanAdjustment.State.APPROVED


def test_an_adjustment_keeping_the_plans_below_the_target_is_refused(seeded, supervisor):
    # 002:521: the invariant is the Annex 2 target, not the plans' current sum.
    annual_plans({2018: "10.0", 2019: "20.0", 2020: "19.7"})
    adjustment = PlanAdjustmentFactory(lines={2018: D("15"), 2019: D("15")})
    with pytest.raises(InvalidInput) as exc:
        services.adjustment_approve(adjustment=adjustment, acting_user=supervisor, as_of=DAY)
    assert "49.7" in str(exc.value) and "69.7" in str(exc.value) and exc.value.field == "lines"
    adjustment.refresh_from_db()
    assert adjustment.state == PlanAdjustment.State.REQUESTED


# --- the programme's own indicators (002:368, 404, 463, 539) ------------------------------------


def programme_document():
    return PolicyDocument.objects.get(number=rules.PROGRAMME_DOCUMENT_NUMBER)


def test_dashboard_shows_the_programmes_indicators(seeded, client, supervisor):
    # 002:539 农村公路中等路以上比例不低于75%.
    indicator = IndicatorFactory(document=programme_document(), name="测试中等路以上比例", unit="%",
                                 target_value=D("75"), target_year=2020)
    IndicatorReadingFactory(indicator=indicator, period_end=dt.date(2018, 12, 31), value=D("70"))
    IndicatorReadingFactory(indicator=indicator, period_end=dt.date(2019, 12, 31), value=D("76"))
    IndicatorFactory(name="测试其他文件指标")  # another document's
    client.force_login(supervisor)
    response = client.get(reverse("roads:dashboard"))
    rows = {r["indicator"].name: r for r in response.context["indicators"]}
    assert "测试其他文件指标" not in rows
    row = rows["测试中等路以上比例"]
    assert row["latest"] == D("76") and row["latest_on"] == dt.date(2019, 12, 31) and "75" in row["target"]
    page = response.content.decode()
    assert page.count("测试中等路以上比例") == 1  # one table, in the page body
    title = page[page.index("<title>"):page.index("</title>")]
    assert "<table" not in title


def test_dashboard_indicator_query_count_is_constant(seeded, client, supervisor, assert_constant_queries):
    document = programme_document()

    def grow(n):
        for _i in range(n):
            indicator = IndicatorFactory(document=document)
            IndicatorReadingFactory(indicator=indicator)

    client.force_login(supervisor)
    assert_constant_queries(client, reverse("roads:dashboard") + "?as_of=2018-12-31", grow)
