"""The road programme's JSON API: subsidy quotes, projects and progress."""
import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from policyops.roles import Role
from programs.roads.models import Step, SubsidyRate
from programs.roads.rules import WorkType
from tests.conftest import freeze_localdate, make_user
from tests.roads.factories import dated, manager_of
from tests.roads.test_dashboard import built, grow_projects
from tests.roads.test_projects import new_project

pytestmark = pytest.mark.django_db
D = Decimal
API = "/api/roads"
HAND_CASE = {"district": "平度市", "work_type": "路网提档升级", "length_km": "10", "width_m": "6",
             "estimate_wan": "5000", "poverty_km": "4"}


def client_for(user=None):
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


# --- subsidy quote -----------------------------------------------------------------------------


def test_quote_the_hand_case(seeded):
    # 平度市 (PL), ≥ 6 m: 90 万元/km × 6 km + 90 × 1.2 × 4 km = 972 万元, under the 50 % cap (002:491-493).
    response = client_for(make_user()).post(f"{API}/subsidy-quote/", HAND_CASE, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["amount_wan"] == "972.00"
    breakdown = body["breakdown"]
    assert breakdown["district_group"] == "PL" and breakdown["rate_wan_per_km"] == "90.00"
    assert D(breakdown["length_km"]) == 10 and D(breakdown["poverty_km"]) == 4
    assert D(breakdown["poverty_multiplier"]) == D("1.2") and breakdown["cap_applied"] is False
    assert breakdown["cap_wan"] == "2500.00" and breakdown["uncapped_wan"] == "972.00"


def test_quote_defaults_and_rewards(seeded):
    client = client_for(make_user())
    data = {k: v for k, v in HAND_CASE.items() if k != "poverty_km"}  # poverty_km defaults to 0
    assert client.post(f"{API}/subsidy-quote/", data, format="json").json()["amount_wan"] == "900.00"
    # 002:503: the reward is earned only beyond the year's target; with no annual plan met, the standard quote.
    refused = client.post(f"{API}/subsidy-quote/", {**HAND_CASE, "excess": True, "plan_year": 2019},
                          format="json").json()
    assert refused["amount_wan"] == "972.00" and refused["breakdown"]["reward"] is False
    assert refused["breakdown"]["reward_refused"]


def test_quote_a_bridge_needs_only_the_estimate(seeded):
    response = client_for(make_user()).post(f"{API}/subsidy-quote/", {
        "district": "平度市", "work_type": "危桥改造", "estimate_wan": "300"}, format="json")
    assert response.status_code == 200 and response.json()["amount_wan"] == "135.00"


def test_quote_bus_facilities(seeded):
    # 3 × 5000 + 2 × 5000 + 10 × 300 = 28000 元 = 2.80 万元 (002:499).
    response = client_for(make_user()).post(f"{API}/subsidy-quote/", {
        "district": "平度市", "work_type": "客运站点", "bays": 3, "shelters": 2, "signs": 10}, format="json")
    assert response.status_code == 200
    assert response.json()["amount_wan"] == "2.80" and response.json()["breakdown"]["total_yuan"] == "28000"


def test_the_west_coast_gets_nothing(seeded):
    response = client_for(make_user()).post(f"{API}/subsidy-quote/", {**HAND_CASE, "district": "青岛西海岸新区"},
                                            format="json")
    assert response.json()["amount_wan"] == "0.00" and "excluded" in response.json()["breakdown"]


@pytest.mark.parametrize("changes, field", [
    ({"length_km": "约10"}, "length_km"),
    ({"width_m": "six"}, "width_m"),
    ({"estimate_wan": "-1"}, "estimate_wan"),
    ({"length_km": None}, "length_km"),
    ({"district": "上海市"}, "district"),
    ({"work_type": "小修"}, "work_type"),
    ({"poverty_km": "11"}, "poverty_km"),  # more than the length: the service's rule
    ({"work_type": "预防养护", "excess": True}, "excess"),  # rewards only for upgrade/大修/中修
    ({"work_type": "客运站点", "bays": -1}, "bays"),
    ({"work_type": "客运站点", "signs": "3.5"}, "signs"),
])
def test_bad_input_is_a_400_naming_the_field(seeded, changes, field):
    data = {k: v for k, v in {**HAND_CASE, **changes}.items() if v is not None}
    response = client_for(make_user()).post(f"{API}/subsidy-quote/", data, format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["field"] == field and body["detail"]


def test_bad_input_message_is_in_chinese_by_default(seeded):
    response = client_for(make_user()).post(f"{API}/subsidy-quote/", {**HAND_CASE, "length_km": "约10"},
                                            format="json")
    assert response.json()["field"] == "length_km"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["detail"])


def test_quote_needs_a_login(seeded):
    assert client_for().post(f"{API}/subsidy-quote/", HAND_CASE, format="json").status_code == 403


def test_quote_without_subsidy_data_is_not_a_500(db):
    from tests.factories import DistrictFactory

    DistrictFactory(name="平度市")
    SubsidyRate.objects.all().delete()
    response = client_for(make_user()).post(f"{API}/subsidy-quote/", HAND_CASE, format="json")
    assert response.status_code == 400 and response.json()["detail"]


# --- projects -----------------------------------------------------------------------------------


def test_projects_list_with_quotes_and_milestones(seeded, supervisor):
    user = manager_of()
    project = new_project(user, name="南村至店子路", quantity=D("10"), pavement_width_m=D("6"),
                          estimate_wan=D("5000"), poverty_km=D("4"),
                          planned_ends={Step.SURVEY_DESIGN: dt.date(2018, 6, 30)})
    new_project(user, name="候车亭", bus_stop=True)
    response = client_for(supervisor).get(f"{API}/projects/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    row = next(r for r in body["results"] if r["id"] == project.pk)
    assert row["district"] == "平度市" and row["work_type"] == "路网提档升级" and row["status"] == "planned"
    assert row["quote"]["amount_wan"] == "972.00" and row["quote_error"] is None
    assert [m["step"] for m in row["milestones"]] == Step.ORDER
    assert row["milestones"][0]["planned_end"] == "2018-06-30" and row["milestones"][0]["overdue"] is True
    bus = next(r for r in body["results"] if r["name"] == "候车亭")
    # 002:499: a passenger-stop project is quoted from its bus facilities (none given here: 0).
    assert bus["quote"]["amount_wan"] == "0.00" and bus["quote_error"] is None


def test_projects_filters_and_scoping(seeded, supervisor):
    pingdu, laixi = manager_of(), manager_of("莱西市")
    new_project(pingdu, name="平度升级路")
    new_project(pingdu, name="平度大修路", work_type=WorkType.MAJOR_REPAIR)
    new_project(laixi, "莱西市", name="莱西升级路")

    def names(user, **params):
        response = client_for(user).get(f"{API}/projects/", params)
        assert response.status_code == 200, response.json()
        return {r["name"] for r in response.json()["results"]}

    assert names(supervisor) == {"平度升级路", "平度大修路", "莱西升级路"}
    assert names(supervisor, district="莱西市") == {"莱西升级路"}
    assert names(supervisor, work_type="大修") == {"平度大修路"}
    assert names(supervisor, status="planned", district="平度市") == {"平度升级路", "平度大修路"}
    assert names(supervisor, status="closed") == set()
    assert names(laixi) == {"莱西升级路"}
    assert names(laixi, district="平度市") == set()
    assert names(make_user(Role.DIRECTOR)) == set()  # no district on the person record


@pytest.mark.parametrize("params, field", [({"district": "上海市"}, "district"), ({"status": "done"}, "status"),
                                           ({"work_type": "小修"}, "work_type")])
def test_projects_bad_filter_is_a_400(seeded, supervisor, params, field):
    response = client_for(supervisor).get(f"{API}/projects/", params)
    assert response.status_code == 400 and response.json()["field"] == field


def test_projects_are_paginated(seeded, supervisor):
    user = manager_of()
    for i in range(3):
        new_project(user, name=f"路{i}")
    body = client_for(supervisor).get(f"{API}/projects/", {"limit": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]


def test_projects_need_the_road_permission(seeded):
    assert client_for().get(f"{API}/projects/").status_code == 403
    assert client_for(make_user(Role.CLERK)).get(f"{API}/projects/").status_code == 403


def test_projects_when_there_are_none(seeded):
    response = client_for(make_user(Role.SUPERVISOR)).get(f"{API}/projects/")
    assert response.status_code == 200 and response.json()["count"] == 0


def test_projects_query_count_is_constant(seeded, supervisor, assert_constant_queries):
    assert_constant_queries(client_for(supervisor), f"{API}/projects/", grow_projects)


# --- progress -----------------------------------------------------------------------------------


def test_progress_content(seeded, supervisor):
    user = manager_of()
    built(user, "200", dt.date(2018, 11, 30))
    dated(new_project(user, quantity=D("10")), survey_design=(dt.date(2018, 5, 1), None))
    response = client_for(supervisor).get(f"{API}/progress/", {"as_of": "2019-01-01"})
    assert response.status_code == 200
    body = response.json()
    assert body["as_of"] == "2019-01-01"
    assert [d["district"] for d in body["districts"]] == ["崂山区", "城阳区", "即墨区", "平度市", "莱西市", "胶州市",
                                                          "青岛西海岸新区"]
    pingdu = next(d for d in body["districts"] if d["district"] == "平度市")
    targets = {t["field"]: t for t in pingdu["targets"]}
    assert list(targets) == ["upgrade_km", "village_access_km", "major_medium_km", "preventive_km",
                             "dangerous_bridges", "bus_stops"]
    repair = targets["major_medium_km"]
    assert (repair["target"], repair["planned"], repair["under_way"], repair["completed"], repair["accepted"]) == (
        "180.00", "200.00", "0.00", "200.00", "0.00")
    assert repair["completed_share"] == "1.1111"
    upgrade = targets["upgrade_km"]
    assert (upgrade["planned"], upgrade["under_way"], upgrade["completed"]) == ("10.00", "10.00", "0.00")
    assert targets["bus_stops"]["target"] == "300.00"
    assert pingdu["km_total"]["target"] == "990.60" and pingdu["km_total"]["completed"] == "200.00"
    checks = {c["phase"]: c for c in pingdu["phase_checks"]}
    # 002:479: each column on its own; 200 km of 大中修 (capped at 180) hide none of the other columns.
    assert checks[1]["status"] == "missed" and checks[1]["required_share"] == "0.20"
    assert checks[1]["actual_share"] == "0.0000"  # the weakest column
    assert checks[1]["failing_columns"] == ["upgrade_km", "village_access_km", "preventive_km",
                                            "dangerous_bridges", "bus_stops"]
    repair_check = next(c for c in checks[1]["columns"] if c["field"] == "major_medium_km")
    assert (repair_check["done"], repair_check["share"], repair_check["met"]) == ("180.00", "1.0000", True)
    assert checks[2]["status"] == "on_track" and checks[3]["measure"] == "accepted"
    laixi = next(d for d in body["districts"] if d["district"] == "莱西市")
    assert laixi["phase_checks"][0]["status"] == "missed"


def test_progress_share_is_null_for_a_zero_target(seeded, supervisor):
    body = client_for(supervisor).get(f"{API}/progress/", {"as_of": "2018-06-01"}).json()
    laoshan = next(d for d in body["districts"] if d["district"] == "崂山区")
    assert next(t for t in laoshan["targets"] if t["field"] == "upgrade_km")["completed_share"] is None


def test_progress_mid_2018(seeded):
    user = manager_of()
    built(user, "50", dt.date(2018, 7, 15))
    body = client_for(user).get(f"{API}/progress/", {"as_of": "2018-08-01"}).json()
    assert [d["district"] for d in body["districts"]] == ["平度市"]  # a manager sees their own district
    assert body["districts"][0]["phase_checks"][0]["status"] == "at_risk"


def test_progress_defaults_to_today(seeded, supervisor, monkeypatch):
    freeze_localdate(monkeypatch, dt.date(2019, 1, 1))
    for params in ({}, {"as_of": ""}):
        body = client_for(supervisor).get(f"{API}/progress/", params).json()
        assert body["as_of"] == "2019-01-01"


@pytest.mark.parametrize("value", ["2018-13-01", "yesterday", "2018/12/31"])
def test_progress_invalid_date_is_a_400(seeded, supervisor, value):
    response = client_for(supervisor).get(f"{API}/progress/", {"as_of": value})
    assert response.status_code == 400 and response.json()["field"] == "as_of"


def test_progress_without_programme_data(no_programme_data):
    response = client_for(make_user(Role.SUPERVISOR)).get(f"{API}/progress/")
    assert response.status_code == 200 and response.json()["districts"] == []


def test_progress_query_count_is_constant(seeded, supervisor, assert_constant_queries):
    assert_constant_queries(client_for(supervisor), f"{API}/progress/?as_of=2018-12-31", grow_projects)


def test_the_schema_documents_the_road_endpoints(db, supervisor):
    response = client_for(supervisor).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/roads/subsidy-quote/", "/api/roads/projects/", "/api/roads/progress/"} <= set(paths)


def test_a_huge_facility_count_is_a_400_not_a_500(seeded, supervisor):
    response = client_for(supervisor).post(f"{API}/subsidy-quote/", {"district": "平度市", "work_type": "客运站点",
                                                                       "bays": 10 ** 30}, format="json")
    assert response.status_code == 400 and response.json()["field"] == "bays"


def test_the_browsable_quote_page_draws_the_quote_form_and_its_post_answers(seeded):
    client = client_for(make_user())
    html = client.get(f"{API}/subsidy-quote/", HTTP_ACCEPT="text/html").content.decode()
    assert 'name="estimate_wan"' in html and 'name="work_type"' in html
    # What the HTML form sends: multipart, the unused boxes empty.
    form = {**HAND_CASE, "plan_year": "", "bays": "", "shelters": "", "signs": ""}
    response = client.post(f"{API}/subsidy-quote/", form, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.json()
    assert response.json()["amount_wan"] == "972.00"


def test_after_a_quote_the_browsable_form_asks_for_a_project_again(seeded):
    client = client_for(make_user())
    page = client.post(f"{API}/subsidy-quote/", HAND_CASE, format="json", HTTP_ACCEPT="text/html")
    html = page.content.decode()
    assert page.status_code == 200 and "972.00" in html
    assert 'name="estimate_wan"' in html and 'name="amount_wan"' not in html  # the body's fields, not the answer's


def test_a_district_outside_the_programme_gets_no_quote(seeded):
    # 002:487-489 补助范围为纳入…实施计划的项目: Annex 2 sets no targets for 市南区.
    response = client_for(make_user()).post(f"{API}/subsidy-quote/", {**HAND_CASE, "district": "市南区"},
                                            format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "district" and "市南区不在" in response.json()["errors"]["district"][0]
