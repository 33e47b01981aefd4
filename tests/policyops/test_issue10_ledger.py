"""Issue 10 items 18–21: comparators, every stated target as an indicator, the district
governments on every energy task, and a completion date on every ledger task.

Source references are file:line of ../shared/sources (002 = 002_….txt).
"""
import csv
import datetime as dt
from decimal import Decimal

import pytest

from policyops.indicators import indicator_met, target_met
from policyops.models import Indicator, PolicyTask
from policyops.seeding import seeds_dir

D = Decimal
ENERGY = "青政办字〔2018〕75号"
WASTE = "青政办发〔2018〕20号"
ROADS = "青政办发〔2018〕19号"


def read(name):
    with open(seeds_dir() / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def indicators():
    return {(r["document"], r["district"], r["name"], r["target_year"]): r for r in read("indicators.csv")}


def target(document, name, year, district=""):
    r = indicators()[(document, district, name, str(year))]
    return r["comparator"], D(r["target_value"]), r["unit"]


# Item 18: a bare number in a target column is a level to reach; 左右 is "about".

@pytest.mark.parametrize("name, value", [
    ("每万人拥有研发人员", D(120)),  # 000:36 "每万人拥有研发人员 人 93 120"
    ("科技投融资规模", D(200)),  # 000:38 "科技投融资规模 亿元 150 200"
])
def test_a_bare_number_in_the_table_is_a_level_to_reach(name, value):
    comparator, target_value, _unit = target("青政办字〔2018〕73号", name, 2022)
    assert (comparator, target_value) == (">=", value)
    assert target_met(comparator, target_value, value + 1)  # exceeding it meets it


@pytest.mark.parametrize("name, expected", [
    ("研发经费支出占生产总值比重", (">=", D(3))),  # 000:32 "3 以上", though 000:27 says 超过 3%
    ("万人有效发明专利拥有量", (">", D(35))),  # 000:33 "35"; 000:27 超过 35 件
    ("PCT 国际专利年申请量", (">=", D(1100))),  # 000:34 "1100"; 000:27 达到 1100 件
    ("高新技术企业数量", (">=", D(5000))),  # 000:35 "5000"; 000:27 达到 5000 家
    ("技术合同交易额", (">", D(220))),  # 000:37 "220"; 000:27 突破 220 亿元
])
def test_the_tables_wording_comes_first_and_the_text_qualifies_a_bare_number(name, expected):
    comparator, target_value, _unit = target("青政办字〔2018〕73号", name, 2022)
    assert (comparator, target_value) == expected


@pytest.mark.parametrize("name", ["省级绿色社区", "省级绿色学校"])
def test_thirty_green_communities_and_schools_are_at_least_thirty(name):
    # 002:1638 "创建省级绿色社区、绿色学校各30个"
    assert target(ENERGY, name, 2020) == (">=", D(30), "个")


def test_reduce_by_about_twenty_percent():
    # 002:1638 "单位国内生产总值二氧化碳排放强度比2015年降低20%左右"
    assert target(ENERGY, "单位国内生产总值二氧化碳排放强度", 2020) == ("约降低", D(20), "%")
    assert target_met("约降低", D(20), D(19))  # within 5 % of the target
    assert target_met("约降低", D(20), D(23))
    assert not target_met("约降低", D(20), D("18.9"))


# Item 19: every target the sources state is an indicator.

@pytest.mark.parametrize("document, name, year, expected", [
    (ENERGY, "煤炭占一次能源消费比重", 2020, ("~", D(62), "%")),  # 002:1648
    (ENERGY, "天然气占一次能源消费比重（下限）", 2020, (">=", D(7), "%")),  # 002:1650 7% 至 9%
    (ENERGY, "天然气占一次能源消费比重（上限）", 2020, ("<=", D(9), "%")),
    (ENERGY, "新能源和可再生能源占一次能源消费比重", 2020, (">=", D(6), "%")),  # 002:1650
    (ENERGY, "油品消费占一次能源消费比重", 2020, ("~", D(15), "%")),  # 002:1650 15% 左右
    (ENERGY, "规模以上工业企业单位增加值能耗", 2020, ("降低", D(20), "%")),  # 002:1656
    (ENERGY, "新增重型货车中清洁能源和新能源车辆比例", 2020, (">=", D(8), "%")),  # 002:1662
    (ENERGY, "新增营运客车中清洁能源和新能源车辆比例", 2020, (">=", D(10), "%")),
    (ENERGY, "新增公交车中清洁能源和新能源车辆比例", 2020, (">=", D(100), "%")),
    (ENERGY, "公共机构新建和既有停车场充电设施配建比例", 2020, (">=", D(10), "%")),  # 002:1664
    (ENERGY, "节能产品政府采购金额占比", 2020, (">=", D(90), "%")),  # 002:1706
    (WASTE, "农村生活垃圾分类试点村（社区）（下限）", 2018, (">=", D(4), "个")),  # 002:555 4—5个村（社区）
    (WASTE, "农村生活垃圾分类试点村（社区）（上限）", 2018, ("<=", D(5), "个")),
    (WASTE, "农村生活垃圾分类收集覆盖率", 2019, (">=", D(15), "%")),  # 002:555
    (WASTE, "农村生活垃圾分类收集覆盖率", 2020, (">=", D(40), "%")),  # 002:557
    (WASTE, "农村生活垃圾无害化处理率", 2020, (">=", D(98), "%")),  # 002:557
    (ROADS, "新建改造农村公路", 2020, ("~", D(160), "公里")),  # 002:368 约 160 公里
    (ROADS, "农村公路路面状况改善", 2020, ("~", D(2500), "公里")),  # 002:368 约 2500 公里
    (ROADS, "农村公路列养率", 2020, (">=", D(100), "%")),  # 002:368
    (ROADS, "农村公路中等路以上比例", 2020, (">=", D(75), "%")),  # 002:404, 463, 539
    (ROADS, "年均养护大、中修工程比例", 2020, (">=", D(7), "%")),  # 002:404, 463
    (ROADS, "农村客运公交化改造比例", 2020, (">=", D(90), "%")),  # 002:368
    (ROADS, "农村客运公交化改造比例", 2022, (">=", D(95), "%")),
    (ROADS, "物流服务网点覆盖率", 2020, (">=", D(90), "%")),  # 002:368
    (ROADS, "物流服务网点覆盖率", 2022, (">=", D(100), "%")),
    (ROADS, "“四好农村路”示范区（市）（下限）", 2020, (">=", D(2), "个")),  # 002:473 2—3 个
    (ROADS, "“四好农村路”示范区（市）（上限）", 2020, ("<=", D(3), "个")),
])
def test_every_stated_target_is_an_indicator(document, name, year, expected):
    assert target(document, name, year) == expected


ENERGY_INCREMENT_CAPS = [  # 002:1799–1808, 附件2 “十三五”各区市能耗增量控制目标 (黄岛区 = 青岛西海岸新区)
    ("市南区", 15), ("市北区", 34), ("李沧区", 20), ("崂山区", 20), ("青岛西海岸新区", 90),
    ("城阳区", 30), ("即墨区", 20), ("胶州市", 25), ("平度市", 22), ("莱西市", 10),
]


@pytest.mark.parametrize("district, cap", ENERGY_INCREMENT_CAPS)
def test_energy_increment_caps_are_district_indicators(district, cap):
    assert target(ENERGY, "“十三五”能耗增量", 2020, district) == ("<=", D(cap), "万吨标准煤")


@pytest.mark.parametrize("district", [d for d, _cap in ENERGY_INCREMENT_CAPS])
def test_energy_intensity_targets_of_annex_1_are_district_indicators(district):
    # 002:1781–1792, 附件1: “十三五” 16 %, 2018 年度 2.5 %
    assert target(ENERGY, "“十三五”能耗强度降低目标", 2020, district) == ("降低", D(16), "%")
    assert target(ENERGY, "2018年度能耗降低目标", 2018, district) == ("降低", D("2.5"), "%")


@pytest.mark.parametrize("district", ["崂山区", "城阳区", "即墨区", "平度市", "莱西市", "胶州市", "青岛西海岸新区"])
def test_two_showcase_roads_per_district(district):
    # 002:382 "每个区（市）至少打造 2 条以上精品示范美丽公路" (the road districts, 002:531–537)
    assert target(ROADS, "精品示范美丽公路", 2020, district) == (">=", D(2), "条")


@pytest.mark.django_db
def test_district_indicators_load_with_their_district(seeded):
    caps = Indicator.objects.filter(document__number=ENERGY, name="“十三五”能耗增量")
    assert {(i.district.name, i.target_value) for i in caps} == {(d, D(c)) for d, c in ENERGY_INCREMENT_CAPS}
    assert str(caps.get(district__name="平度市")) == "“十三五”能耗增量（平度市）"
    assert Indicator.objects.filter(document__number=WASTE, name="农村生活垃圾分类收集覆盖率").count() == 2
    cap = caps.get(district__name="市南区")
    assert indicator_met(cap, D(15)) and not indicator_met(cap, D(16))


# Item 20: 002:1644 "以下均需各区、市政府按照方案内容组织开展相关工作，不再列出".

def test_every_energy_task_after_the_first_binds_the_district_governments():
    energy = [r for r in read("policy_tasks.csv") if r["document"] == ENERGY]
    assert energy[0]["source_line"] == "002:1644"
    for r in energy:
        assert "各区市政府" in r["cooperating_units"].split("、"), r["source_line"]


@pytest.mark.django_db
def test_district_governments_cooperate_on_the_loaded_energy_tasks(seeded):
    tasks = PolicyTask.objects.filter(document__number=ENERGY)
    assert tasks.count() == 40
    assert not tasks.exclude(cooperating_units__name="各区市政府").exists()


# Item 21: 002:1616 "建立工作台账，压实工作职责，明确完成时限".

def test_every_ledger_task_has_a_completion_date():
    for r in read("policy_tasks.csv"):
        assert r["deadline"], r["source_line"]
        assert r["deadline_from_plan_period"] in ("0", "1")
        if r["deadline_from_plan_period"] == "1":
            # No date in the item: the end of the 2018—2020 plan (002:1628; 002:555–557).
            assert r["deadline"] == "2020-12-31", r["source_line"]


def test_a_stated_date_is_not_marked_as_derived():
    rows = {r["source_line"]: r for r in read("policy_tasks.csv")}
    assert (rows["002:571"]["deadline"], rows["002:571"]["deadline_from_plan_period"]) == ("2018-12-31", "0")
    assert (rows["002:561"]["deadline"], rows["002:561"]["deadline_from_plan_period"]) == ("2020-12-31", "1")


@pytest.mark.django_db
def test_an_unfinished_task_without_a_stated_date_becomes_overdue(seeded):
    task = PolicyTask.objects.get(source="002:561")
    assert task.deadline_from_plan_period
    assert task.is_overdue(dt.date(2021, 1, 1))
    assert PolicyTask.objects.overdue(dt.date(2021, 1, 1)).filter(document__number=WASTE).count() == 9
