import csv
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from approvals.models import DelegatedPower
from policyops.models import Department, District, Indicator, PolicyDocument, PolicyTask
from policyops.seeding import SeedsInvalid, load_seeds, seed_files, seeds_dir
from programs.roads.models import RoadTarget

SEEDS = seeds_dir()


def read(name):
    with (SEEDS / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_delegated_powers_file_has_the_annex_columns_and_49_rows():
    with (SEEDS / "delegated_powers.csv").open(encoding="utf-8") as handle:
        assert handle.readline().strip() == "number,agency,name,item,sub_item,remark"
    rows = read("delegated_powers.csv")
    assert [int(r["number"]) for r in rows] == list(range(1, 50))
    assert len({r["agency"] for r in rows}) == 10


def test_power_names_split_at_the_final_fullwidth_parentheses():
    rows = {int(r["number"]): r for r in read("delegated_powers.csv")}
    assert rows[35]["item"] == "医师执业注册及变更注册"
    assert rows[35]["sub_item"] == "医师变更执业地点注册"
    assert rows[26]["item"] == "印刷经营许可证核发（出版物除外）"
    for row in rows.values():
        expected = f"{row['item']}（{row['sub_item']}）" if row["sub_item"] else row["item"]
        assert row["name"] == expected


def test_power_remarks_are_the_annex_scope_rules():
    rows = {int(r["number"]): r["remark"] for r in read("delegated_powers.csv")}
    assert {rows[n] for n in range(7, 15)} == {"限于民办普通高中、中职学校"}
    assert {rows[n] for n in range(28, 39)} == {"在三级医疗机构执业的除外"}
    assert {rows[n] for n in range(39, 44)} == {"三级医疗机构除外"}
    assert all(rows[n] == "" for n in rows if not 7 <= n <= 14 and not 28 <= n <= 43)


def test_road_targets_are_seven_districts_without_a_total_row():
    rows = read("road_targets.csv")
    assert [r["district"] for r in rows] == ["崂山区", "城阳区", "即墨区", "平度市", "莱西市", "胶州市",
                                             "青岛西海岸新区"]


def test_each_road_target_row_total_is_major_plus_preventive():
    for row in read("road_targets.csv"):
        assert Decimal(row["pavement_total_km"]) == Decimal(row["major_medium_km"]) + Decimal(row["preventive_km"])


@pytest.mark.parametrize("column, total", [
    ("upgrade_km", Decimal("156.0")), ("village_access_km", Decimal("10.3")),
    ("pavement_total_km", Decimal("2530.0")), ("major_medium_km", Decimal("932.7")),
    ("preventive_km", Decimal("1597.3")), ("dangerous_bridges", Decimal(15)), ("bus_stops", Decimal(333)),
])
def test_road_target_column_totals_match_annex_2(column, total):
    assert sum(Decimal(r[column]) for r in read("road_targets.csv")) == total


def test_indicators_keep_comparator_value_and_unit():
    rows = {r["name"]: r for r in read("indicators.csv")}
    rd = rows["研发经费支出占生产总值比重"]
    assert (rd["comparator"], rd["target_value"], rd["unit"]) == (">=", "3", "%")
    assert rd["baseline_value"] == "2.78" and rd["baseline_year"] == "2017"
    comparators = {r["comparator"] for r in read("indicators.csv")}
    assert comparators <= {">=", ">", "<=", "<", "=", "~", "降低", "约降低", "提高"}


@pytest.mark.django_db
def test_load_seeds_loads_every_table(seeded):
    assert DelegatedPower.objects.count() == 49
    assert RoadTarget.objects.count() == 7
    assert District.objects.filter(name="平度市").exists()
    assert Department.objects.filter(kind=Department.Kind.AGENCY).count() == 10
    assert Indicator.objects.count() == len(read("indicators.csv"))
    assert PolicyTask.objects.count() == len(read("policy_tasks.csv"))
    assert PolicyDocument.objects.filter(number="青政办发〔2018〕19号").exists()


@pytest.mark.django_db
def test_loaded_road_targets_sum_to_annex_totals(seeded):
    totals = RoadTarget.objects.aggregate(Sum("pavement_total_km"), Sum("bus_stops"), Sum("dangerous_bridges"))
    assert totals == {"pavement_total_km__sum": Decimal("2530.0"), "bus_stops__sum": 333,
                      "dangerous_bridges__sum": 15}


@pytest.mark.django_db
def test_task_units_split_into_lead_and_cooperating(seeded):
    task = PolicyTask.objects.get(source="002:561")
    assert task.lead_unit.name == "市城乡建设委"
    assert "市环保局" in {u.name for u in task.cooperating_units.all()}
    assert task.state == PolicyTask.State.ASSIGNED


@pytest.mark.django_db
def test_second_load_changes_nothing_and_says_so(seeded):
    out = StringIO()
    call_command("load_seeds", stdout=out)
    assert "基础数据已是最新" in out.getvalue()
    report = load_seeds()
    assert not report.changed
    assert all(c["skip"] > 0 and c["new"] == 0 and c["update"] == 0 for c in report.counts.values())


@pytest.fixture
def valid_change(seed_copy):
    """A valid update in the first file loaded: a failing load must roll it back too.

    The test database already holds the seeds, so "nothing is written" is proven by a
    change that a successful load would have written (and by unchanged row counts)."""
    rewrite(seed_copy / "districts.csv", "崂山区,1,002:531", "崂山区,1,002:531（核对）")
    return seed_copy


def row_counts():
    return {model.__name__: model.objects.count()
            for model in (District, Department, PolicyDocument, DelegatedPower, RoadTarget, Indicator, PolicyTask)}


def assert_nothing_written(counts_before):
    assert District.objects.get(name="崂山区").source == "002:531"
    assert row_counts() == counts_before


def rewrite(path: Path, old: str, new: str):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.django_db
def test_a_bad_cell_is_reported_with_file_line_column_and_nothing_is_written(seeded, valid_change):
    rewrite(valid_change / "road_targets.csv", "平度市,69.7,", "平度市,约69.7,")
    before = row_counts()
    with pytest.raises(SeedsInvalid) as exc:
        load_seeds(valid_change)
    [problem] = exc.value.problems
    assert (problem.filename, problem.line, problem.column) == ("road_targets.csv", 5, "upgrade_km")
    assert "约69.7" in problem.reason
    assert_nothing_written(before)
    assert RoadTarget.objects.get(district__name="平度市").upgrade_km == Decimal("69.7")


@pytest.mark.django_db
def test_a_broken_invariant_is_refused(seeded, valid_change):
    rewrite(valid_change / "road_targets.csv", "崂山区,0.0,0.0,44.0,", "崂山区,0.0,0.0,45.0,")
    before = row_counts()
    with pytest.raises(SeedsInvalid) as exc:
        load_seeds(valid_change)
    assert [(p.filename, p.line, p.column) for p in exc.value.problems] == [
        ("road_targets.csv", 2, "pavement_total_km")]
    assert_nothing_written(before)
    assert RoadTarget.objects.get(district__name="崂山区").pavement_total_km == Decimal("44.0")


@pytest.mark.django_db
def test_an_unknown_reference_is_refused(seed_copy):
    rewrite(seed_copy / "delegated_powers.csv", "1,市经济信息化委,", "1,市不存在局,")
    with pytest.raises(SeedsInvalid) as exc:
        load_seeds(seed_copy)
    [problem] = exc.value.problems
    assert (problem.filename, problem.line, problem.column) == ("delegated_powers.csv", 2, "agency")
    assert "市不存在局" in problem.reason


@pytest.mark.django_db
def test_a_missing_column_is_refused(seed_copy):
    rows = read("districts.csv")
    (seed_copy / "districts.csv").write_text(
        "name,source\n" + "".join(f"{r['name']},{r['source']}\n" for r in rows), encoding="utf-8")
    with pytest.raises(SeedsInvalid) as exc:
        load_seeds(seed_copy)
    assert any(p.filename == "districts.csv" and p.line == 1 and p.column == "position" for p in exc.value.problems)


@pytest.mark.django_db
def test_the_command_reports_problems_and_fails_with_nothing_written(seeded, valid_change):
    rewrite(valid_change / "indicators.csv", ",2017,2.78,2022,>=,3,", ",2017,2.78,2022,>=,3以上,")
    before = row_counts()
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("load_seeds", "--dir", str(valid_change), stderr=err)
    assert "indicators.csv" in err.getvalue() and "target_value" in err.getvalue()
    assert_nothing_written(before)
    assert Indicator.objects.get(name="研发经费支出占生产总值比重").target_value == Decimal("3")


@pytest.mark.django_db
def test_a_changed_row_is_updated_on_the_next_load(seeded, seed_copy):
    rewrite(seed_copy / "districts.csv", "崂山区,1,002:531", "崂山区,1,002:531（核对）")
    report = load_seeds(seed_copy)
    assert report.counts["districts.csv"]["update"] == 1
    assert District.objects.get(name="崂山区").source == "002:531（核对）"


def test_every_registered_seed_file_exists():
    assert {s.filename for s in seed_files()} <= {p.name for p in SEEDS.glob("*.csv")}
