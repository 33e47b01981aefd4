"""A programme manager of 平度市 imports a road project list (a bad line first), moves one project
through its steps with the step buttons, then checks the dashboard and the search on a phone."""
import datetime as dt
import io

from django.utils import timezone
from openpyxl import Workbook

from programs.roads.models import ProjectMilestone, RoadProject, Step
from programs.roads.resources import PROJECT_COLUMNS
from programs.roads.rules import EVIDENCE_DATE_IN_FUTURE
from tests.pages import zh
from tests.roads.factories import manager_of

S = RoadProject.State
BAD_LINE = 3  # the header is line 1


def row(**overrides):
    """One line of the list, in the column order of PROJECT_COLUMNS (the import's fixed headers)."""
    values = {
        "district": "平度市", "town": "南村镇", "name": "南村镇东西路提档升级", "work_type": "路网提档升级",
        "quantity": "8.5公里", "pavement_width_m": "6.5", "surface": "沥青混凝土", "surface_thickness_cm": "6",
        "base_layer": "碎石类刚性基层", "passing_bays": "2", "poverty_km": "0", "estimate_wan": "1800万元",
        "plan_year": "2019", "excess": "否", "bus_bays": "0", "bus_shelters": "0", "bus_signs": "0",
        "responsible_unit": "平度市交通运输局", "contact": "王磊",
    }
    values.update(overrides)
    return [values[attribute] for attribute in PROJECT_COLUMNS]


def project_list(plan_year_of_the_bridge: str) -> bytes:
    """The manager's Excel workbook: three projects; the bridge's plan year is the cell to fix."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(PROJECT_COLUMNS.values()))
    sheet.append(row())
    sheet.append(row(town="明村镇", name="明村镇大沽河危桥改造", work_type="危桥改造", quantity="1座",
                     pavement_width_m="", surface="", surface_thickness_cm="", base_layer="", passing_bays="0",
                     estimate_wan="260", plan_year=plan_year_of_the_bridge))
    sheet.append(row(town="田庄镇", name="田庄镇南北路中修", work_type="中修", quantity="4公里", estimate_wan="320",
                     plan_year="2020"))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(person, path):
    person.page.locator("form.import-upload input[name=file]").set_input_files(str(path))
    person.submit("预览导入", form="form.import-upload")


def test_a_manager_imports_a_list_and_moves_a_project_through_its_steps(visitor, tmp_path):
    manager = manager_of("平度市")
    today = timezone.localdate()
    person = visitor("manager")
    person.log_in_as(manager)

    # The import page, reached from the roads pages.
    person.go("/roads/")
    with person.page.expect_navigation():
        person.page.locator("nav.roads-nav a", has_text="导入农村公路项目").click()
    assert person.page.url.endswith("/roads/projects/import/")

    # A list with one bad line: the line and its reason are shown, and nothing is saved.
    workbook = tmp_path / "平度市项目清单.xlsx"
    workbook.write_bytes(project_list(plan_year_of_the_bridge="2021"))
    upload(person, workbook)
    assert "平度市项目清单.xlsx" in person.page.locator("h1").inner_text()
    assert "共1处错误，不会导入任何数据。" in person.page.locator("main").inner_text()
    errors = person.page.locator("table.import-errors tbody tr")
    assert errors.count() == 1
    assert errors.first.locator("td").all_inner_texts() == [
        str(BAD_LINE), PROJECT_COLUMNS["plan_year"], "2021不在项目实施年度（2018—2020年）范围内。"]
    assert person.page.get_by_role("button", name="确认导入").count() == 0
    assert not RoadProject.objects.exists()
    person.shot("bad-line")

    # The fixed file, uploaded again from the preview page: a clean preview, then the confirmation.
    workbook.write_bytes(project_list(plan_year_of_the_bridge="2019"))
    upload(person, workbook)
    main = person.page.locator("main")
    assert "未发现错误。确认后将新增3个项目" in main.inner_text()
    assert person.page.locator("table.import-rows tbody tr").count() == 3
    assert not RoadProject.objects.exists()  # a preview saves nothing
    person.submit("确认导入", form="main form:not(.import-upload)")
    assert "平度市项目清单.xlsx已导入：新增3个项目，更新0个，0个无变化。" in main.inner_text()
    projects = RoadProject.objects.filter(district__name="平度市")
    assert sorted(projects.values_list("name", "plan_year", "state")) == [
        ("南村镇东西路提档升级", 2019, S.PLANNED), ("明村镇大沽河危桥改造", 2019, S.PLANNED),
        ("田庄镇南北路中修", 2020, S.PLANNED)]
    assert ProjectMilestone.objects.filter(project__in=projects).count() == 3 * len(Step.ORDER)

    # The project's page, found in the project list.
    with person.page.expect_navigation():
        person.page.locator("nav.roads-nav").get_by_role("link", name="农村公路项目", exact=True).click()
    with person.page.expect_navigation():
        person.page.get_by_role("link", name="南村镇东西路提档升级").click()
    project = RoadProject.objects.get(name="南村镇东西路提档升级")
    assert person.page.url.endswith(f"/roads/projects/{project.pk}/")

    def step(label):
        with person.page.expect_navigation():
            person.page.locator("ul.step-actions a.button", has_text=label).click()
        assert person.page.locator("h1").inner_text() == f"南村镇东西路提档升级：{label}"

    step("开始勘察设计")
    person.submit("开始勘察设计")
    assert "已“开始勘察设计”，当前状态为“勘察设计”" in main.inner_text()
    project.refresh_from_db()
    assert project.state == S.SURVEY_DESIGN

    # Approving the design: a date after today is refused on the form, and nothing moves.
    step("批复设计")
    future = today + dt.timedelta(days=3)
    person.page.fill("input[name=evidence_number]", "平交规设〔2019〕12号")
    person.page.fill("input[name=evidence_date]", future.isoformat())
    person.submit("批复设计")
    refusal = zh(EVIDENCE_DATE_IN_FUTURE, date=future.isoformat(), today=today.isoformat())
    assert "晚于今天" in refusal
    assert refusal in person.page.locator("form.action-form .field.has-errors").inner_text()
    project.refresh_from_db()
    design = project.milestones.get(step=Step.SURVEY_DESIGN)
    assert (project.state, design.evidence_number, design.actual_end) == (S.SURVEY_DESIGN, "", None)
    person.shot("future-date-refused")

    person.page.fill("input[name=evidence_date]", today.isoformat())
    person.submit("批复设计")
    assert "已“批复设计”，当前状态为“招标投标”" in main.inner_text()

    # Awarding the contract, the evidence dated on the day it is entered (the blank date).
    step("确定中标单位")
    person.page.fill("input[name=evidence_number]", "平公资交易〔2019〕88号")
    person.submit("确定中标单位")
    assert "已“确定中标单位”，当前状态为“建设实施”" in main.inner_text()
    milestones = person.page.locator("h2:has-text('节点') + .table-scroll").inner_text()
    assert "平交规设〔2019〕12号" in milestones and "平公资交易〔2019〕88号" in milestones
    project.refresh_from_db()
    assert project.state == S.CONSTRUCTION
    ends = {m.step: (m.evidence_number, m.actual_end) for m in project.milestones.all()}
    assert ends[Step.SURVEY_DESIGN] == ("平交规设〔2019〕12号", today)
    assert ends[Step.TENDERING] == ("平公资交易〔2019〕88号", today)
    assert project.milestones.get(step=Step.CONSTRUCTION).actual_start == today
    person.shot("project")
    person.assert_healthy()

    # On a phone: the dashboard and the project search fit the screen.
    phone = visitor("manager-phone", phone=True)
    phone.log_in_as(manager)
    phone.go("/roads/")
    assert phone.page.locator("h1").count() == 1
    assert phone.sideways_overflow() <= 0
    phone.shot("dashboard")
    with phone.page.expect_navigation():
        phone.page.locator("nav.roads-nav").get_by_role("link", name="农村公路项目", exact=True).click()
    assert phone.sideways_overflow() <= 0
    phone.page.fill("input[name=q]", "危桥")
    phone.submit("筛选")
    assert "q=" in phone.page.url
    names = phone.page.locator("table.roads-projects tbody tr td:first-child a").all_inner_texts()
    assert names == ["明村镇大沽河危桥改造"]
    assert phone.sideways_overflow() <= 0
    phone.shot("last")
    phone.assert_healthy()
