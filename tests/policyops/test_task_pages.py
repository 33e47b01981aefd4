"""Issue 11: the policy tasks page (/tasks/): filters, search, pagination, and the kernel's
steps (提交 / 退回 / 恢复 …) per row and on a task's page, each through action_page."""
import datetime as dt

import pytest
from django.urls import reverse

from policyops import workflow
from policyops.models import District, PolicyTask
from policyops.roles import Role
from tests.conftest import make_user
from tests.factories import DepartmentFactory, PolicyDocumentFactory, PolicyTaskFactory
from tests.policyops.conftest import TASK_PAGES_TODAY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("task_pages_today")]
S = PolicyTask.State
TODAY = TASK_PAGES_TODAY
LIST = "policyops:tasks"


def action_url(task, name):
    return reverse("policyops:task-action", args=[task.pk, name])


def texts(response):
    return [row["task"].text for row in response.context["rows"]]


def advance(task, user, *steps):
    inputs = {"submit": {"progress_report": "已完成。"}, "return_for_rework": {"reason": "缺数据。"}}
    for step in steps:
        workflow.perform(task, step, acting_user=user, as_of=TODAY, **inputs.get(step, {}))
    return task


# --- filters and search --------------------------------------------------------------------------


def test_filter_by_document_lead_unit_and_state(client, supervisor, unit, task):
    other_doc = PolicyDocumentFactory()
    PolicyTaskFactory(document=other_doc, lead_unit=unit, deadline=dt.date(2017, 1, 1), text="另一文件的任务。")
    PolicyTaskFactory(lead_unit=DepartmentFactory(), deadline=dt.date(2017, 1, 1), text="另一单位的任务。")
    client.force_login(supervisor)
    assert texts(client.get(reverse(LIST), {"document": other_doc.pk})) == ["另一文件的任务。"]
    by_unit = texts(client.get(reverse(LIST), {"lead_unit": unit.pk}))
    assert set(by_unit) == {"编制农村公路养护计划。", "另一文件的任务。"}
    advance(task, supervisor, "start")
    in_progress = client.get(reverse(LIST), {"lead_unit": unit.pk, "state": S.IN_PROGRESS})
    assert texts(in_progress) == ["编制农村公路养护计划。"]


@pytest.mark.parametrize("q", ["养护计划", "平度市测试", "协办局"])
def test_one_box_searches_task_text_lead_and_cooperating_units(client, supervisor, task, q):
    task.cooperating_units.set([DepartmentFactory(name="协办局甲"), DepartmentFactory(name="协办局乙")])
    client.force_login(supervisor)
    assert texts(client.get(reverse(LIST), {"q": q})) == ["编制农村公路养护计划。"]  # once, not per unit


def test_odd_filters_are_ignored(client, supervisor, task):
    client.force_login(supervisor)
    response = client.get(reverse(LIST), {"document": "abc", "lead_unit": "-1", "state": "<x>", "page": "zz"})
    assert response.status_code == 200 and response.context["filters"] == {
        "state": None, "document": None, "lead_unit": None, "q": ""}


def test_the_filters_stay_in_the_pager_links(client, supervisor, unit):
    for _i in range(51):
        PolicyTaskFactory(lead_unit=unit, text="分页任务")
    client.force_login(supervisor)
    response = client.get(reverse(LIST), {"q": "分页", "lead_unit": unit.pk})
    assert response.context["page"].paginator.num_pages == 2
    assert f'href="?lead_unit={unit.pk}&amp;q=%E5%88%86%E9%A1%B5&amp;page=2"' in response.content.decode()


def test_the_list_is_scoped_like_the_selector(client, task):
    laixi = District.objects.get(name="莱西市")
    client.force_login(make_user(Role.CLERK, district=laixi, department=DepartmentFactory(district=laixi)))
    assert "编制农村公路养护计划。" not in texts(client.get(reverse(LIST), {"q": "养护"}))
    assert client.get(reverse("policyops:task-detail", args=[task.pk])).status_code == 404


def test_the_filtered_list_query_count_is_constant(client, clerk, unit, assert_constant_queries):
    def grow(n):
        for i in range(n):
            t = PolicyTaskFactory(lead_unit=unit, text="计数任务", deadline=dt.date(2020, 12, 31))
            t.cooperating_units.set([unit])
            if i % 2:
                advance(t, clerk, "start")

    client.force_login(clerk)
    response = assert_constant_queries(client, reverse(LIST) + "?q=计数", grow)
    assert any(row["actions"] for row in response.context["rows"])


# --- the steps per row and on the task's page -------------------------------------------------------


def row_actions(client, task):
    response = client.get(reverse(LIST), {"q": task.text})
    [row] = [r for r in response.context["rows"] if r["task"] == task]
    return [a["name"] for a in row["actions"]]


def test_each_row_offers_the_kernels_ready_steps(client, clerk, supervisor, task):
    client.force_login(clerk)
    assert row_actions(client, task) == ["start"]
    advance(task, clerk, "start")
    assert row_actions(client, task) == ["submit"]
    advance(task, clerk, "submit")
    assert row_actions(client, task) == []  # the lead unit waits for review
    client.force_login(supervisor)
    assert row_actions(client, task) == ["accept", "return_for_rework"]


def test_submit_from_the_row_asks_for_the_report_then_returns_to_the_list(client, clerk, task):
    advance(task, clerk, "start")
    client.force_login(clerk)
    back = reverse(LIST) + "?q=%E5%85%BB%E6%8A%A4"
    url = action_url(task, "submit") + "?next=" + back.replace("?", "%3F").replace("=", "%3D")
    assert 'name="progress_report"' in client.get(url).content.decode()
    response = client.post(url, {"progress_report": "已编制完成，报送审核。"})
    assert response.status_code == 302 and response["Location"] == back
    task.refresh_from_db()
    assert task.state == S.SUBMITTED and task.progress_report == "已编制完成，报送审核。"


def test_an_empty_report_is_refused_in_chinese_and_nothing_changes(client, clerk, task):
    advance(task, clerk, "start")
    client.force_login(clerk)
    response = client.post(action_url(task, "submit"), {"progress_report": "   "})
    assert response.status_code == 400
    assert response.context["form"].errors["progress_report"] == ["此项为必填项。"]
    task.refresh_from_db()
    assert task.state == S.IN_PROGRESS and task.progress_report == ""


def test_return_needs_a_reason_and_resume_is_one_click(client, clerk, supervisor, task):
    advance(task, clerk, "start", "submit")
    client.force_login(supervisor)
    assert client.post(action_url(task, "return_for_rework"), {"reason": ""}).status_code == 400
    task.refresh_from_db()
    assert task.state == S.SUBMITTED
    response = client.post(action_url(task, "return_for_rework"), {"reason": "请补充完成数据。"})
    assert response["Location"] == reverse("policyops:task-detail", args=[task.pk])
    client.force_login(clerk)
    detail = client.get(reverse("policyops:task-detail", args=[task.pk]))
    assert [a["name"] for a in detail.context["actions"]] == ["resume"]
    assert "请补充完成数据。" in detail.content.decode()
    client.post(action_url(task, "resume"))
    task.refresh_from_db()
    assert task.state == S.IN_PROGRESS


def test_a_step_not_offered_is_not_found(client, clerk, task):
    client.force_login(clerk)
    assert client.get(action_url(task, "accept")).status_code == 404  # a reviewer's step
    assert client.post(action_url(task, "resume")).status_code == 404  # not from this state
    assert client.post(action_url(task, "nonsense")).status_code == 404
    task.refresh_from_db()
    assert task.state == S.ASSIGNED


def test_an_outside_back_link_is_not_followed(client, clerk, task):
    client.force_login(clerk)
    response = client.post(action_url(task, "start") + "?next=https://evil.example/")
    assert response["Location"] == reverse("policyops:task-detail", args=[task.pk])


def test_the_task_pages_need_a_login(client, task):
    for url in (reverse(LIST), reverse("policyops:task-detail", args=[task.pk]), action_url(task, "start")):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_a_filter_past_any_key_is_ignored(client, supervisor, task):
    # SQLite refused a 30-digit integer with a 500 (PostgreSQL found no row).
    client.force_login(supervisor)
    response = client.get(reverse(LIST), {"document": "9" * 30, "lead_unit": "9" * 30})
    assert response.status_code == 200 and response.context["filters"]["document"] is None
    assert response.context["filters"]["lead_unit"] is None
