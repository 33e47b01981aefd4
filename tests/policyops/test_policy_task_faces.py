"""Policy-task steps through their doors: the admin (buttons, form pages, bulk actions) and
the API (/api/policy-tasks/), both from the one action list (policyops.actions)."""
import datetime as dt

import pytest
from django.urls import reverse

from policyops import workflow
from policyops.audit import entries_for
from policyops.models import District, PolicyTask
from policyops.roles import Role
from tests.conftest import make_user
from tests.factories import DepartmentFactory, PolicyTaskFactory

pytestmark = pytest.mark.django_db
S = PolicyTask.State


@pytest.fixture
def task(unit):
    return PolicyTaskFactory(lead_unit=unit, deadline=dt.date(2030, 12, 31), text="完成测试任务。")


@pytest.fixture
def clerk(unit, pingdu):
    return make_user(Role.CLERK, district=pingdu, department=unit)


@pytest.fixture
def laixi_clerk(seeded):
    laixi = District.objects.get(name="莱西市")
    return make_user(Role.CLERK, district=laixi, department=DepartmentFactory(name="莱西市测试局", district=laixi))


def api_url(task, action=None):
    if action is None:
        return reverse("policyops-api:policy-task-detail", args=[task.pk])
    return f"{api_url(task)}{action}/"


def admin_change_url(task):
    return reverse("admin:policyops_policytask_change", args=[task.pk])


def admin_action_url(task, name):
    return reverse("admin:policyops_policytask_workflow_action", args=[task.pk, name])


def api_steps(client, user, task):
    client.force_login(user)
    response = client.get(api_url(task))
    assert response.status_code == 200, response.content
    return response.json()["allowed_transitions"]


def admin_steps(client, user, task):
    client.force_login(user)
    response = client.get(admin_change_url(task))
    assert response.status_code == 200
    return [b["name"] for b in response.context["workflow_buttons"] if b["ready"]]


# --- the whole round: API, admin, API ------------------------------------------------------------


def test_clerk_submits_via_api_supervisor_returns_via_admin_clerk_resumes(client, task, clerk, supervisor):
    client.force_login(clerk)
    listed = client.get(reverse("policyops-api:policy-task-list")).json()
    assert task.pk in {row["id"] for row in listed["results"]}

    assert api_steps(client, clerk, task) == ["start"]
    assert client.post(api_url(task, "start")).status_code == 200
    response = client.post(api_url(task, "submit"), {"progress_report": "已完成80%"}, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["progress_report"], body["allowed_transitions"]) == ("submitted", "已完成80%", [])

    # The supervisor opens the step's form page from the change page, then confirms with a reason.
    client.force_login(supervisor)
    page = client.get(admin_change_url(task))
    buttons = {b["name"]: b for b in page.context["workflow_buttons"]}
    assert set(buttons) == {"accept", "return_for_rework"} and all(b["ready"] for b in buttons.values())
    opened = client.post(buttons["return_for_rework"]["url"])
    assert opened.status_code == 200 and "reason" in opened.context["form"].fields
    task.refresh_from_db()
    assert task.state == S.SUBMITTED
    response = client.post(admin_action_url(task, "return_for_rework"), {"_confirm": "1", "reason": "缺少数据"})
    assert response.status_code == 302 and response["Location"] == admin_change_url(task)
    task.refresh_from_db()
    assert (task.state, task.return_reason) == (S.RETURNED, "缺少数据")

    client.force_login(clerk)
    assert api_steps(client, clerk, task) == ["resume"]
    response = client.post(api_url(task, "resume"))
    assert response.status_code == 200 and response.json()["state"] == "in_progress"
    trail = [(e.action, e.actor) for e in entries_for(task).order_by("id")]
    assert trail == [("start", clerk), ("submit", clerk), ("return_for_rework", supervisor), ("resume", clerk)]


def test_the_admin_and_the_api_offer_the_same_steps(client, task, clerk, supervisor):
    on = dt.date(2030, 1, 2)
    path = [("start", clerk, {}), ("submit", clerk, {"progress_report": "已完成"}),
            ("return_for_rework", supervisor, {"reason": "补充"}), ("resume", clerk, {})]
    for name, actor, inputs in [(None, None, None), *path]:
        if name:
            workflow.perform(task, name, acting_user=actor, as_of=on, **inputs)
            task = PolicyTask.objects.get(pk=task.pk)
        for user in (clerk, supervisor):
            assert admin_steps(client, user, task) == api_steps(client, user, task), (task.state, user)


# --- the API -----------------------------------------------------------------------------------------


def test_submitting_without_a_report_is_a_400_naming_the_field(client, task, clerk):
    client.force_login(clerk)
    client.post(api_url(task, "start"))
    response = client.post(api_url(task, "submit"), {}, content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "progress_report"
    blank = client.post(api_url(task, "submit"), {"progress_report": "   "}, content_type="application/json")
    assert blank.status_code == 400
    task.refresh_from_db()
    assert task.state == S.IN_PROGRESS


def test_a_step_the_state_does_not_allow_is_a_409_and_a_stranger_gets_403(client, task, clerk, unit, pingdu):
    client.force_login(clerk)
    assert client.post(api_url(task, "accept")).status_code == 409
    stranger = make_user(Role.CLERK, district=pingdu,
                         department=DepartmentFactory(name="平度市其他局", district=pingdu))
    client.force_login(stranger)
    assert client.post(api_url(task, "start")).status_code == 403
    task.refresh_from_db()
    assert task.state == S.ASSIGNED


def test_the_api_is_scoped_to_the_users_district(client, task, laixi_clerk):
    client.force_login(laixi_clerk)
    listed = client.get(reverse("policyops-api:policy-task-list")).json()
    assert task.pk not in {row["id"] for row in listed["results"]}
    assert client.get(api_url(task)).status_code == 404
    assert client.post(api_url(task, "start")).status_code == 404
    task.refresh_from_db()
    assert task.state == S.ASSIGNED


def test_list_filters_by_state(client, task, clerk):
    client.force_login(clerk)
    client.post(api_url(task, "start"))
    url = reverse("policyops-api:policy-task-list")
    assert [r["id"] for r in client.get(url, {"state": "in_progress"}).json()["results"]] == [task.pk]
    assert client.get(url, {"state": "assigned"}).json()["results"] == []
    assert client.get(url, {"state": "nonsense"}).status_code == 400


def test_an_unknown_step_is_a_json_404(client, task, clerk):
    client.force_login(clerk)
    response = client.post(api_url(task, "approve"))
    assert response.status_code == 404 and "detail" in response.json()


def test_anonymous_users_get_nothing(client, task):
    assert client.get(reverse("policyops-api:policy-task-list")).status_code in (401, 403)


def test_the_schema_renders_with_every_step(client, supervisor):
    client.force_login(supervisor)
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/policy-tasks/" in paths and "/api/policy-tasks/{id}/" in paths
    for name in ("start", "submit", "accept", "return_for_rework", "resume"):
        assert f"/api/policy-tasks/{{id}}/{name}/" in paths


# --- the admin ---------------------------------------------------------------------------------------


def test_the_admin_submit_page_asks_for_the_report(client, task, clerk):
    client.force_login(clerk)
    client.post(admin_action_url(task, "start"), {"_confirm": "1"})
    task.refresh_from_db()
    assert task.state == S.IN_PROGRESS
    refused = client.post(admin_action_url(task, "submit"), {"_confirm": "1", "progress_report": ""})
    assert refused.status_code == 200 and refused.context["form"].errors["progress_report"]
    task.refresh_from_db()
    assert task.state == S.IN_PROGRESS
    done = client.post(admin_action_url(task, "submit"), {"_confirm": "1", "progress_report": "已完成"})
    assert done.status_code == 302
    task.refresh_from_db()
    assert (task.state, task.progress_report) == (S.SUBMITTED, "已完成")


def test_the_state_and_the_report_are_not_editable_in_the_admin_form(client, task, supervisor):
    client.force_login(supervisor)
    form = client.get(admin_change_url(task)).context["adminform"].form
    assert not {"state", "progress_report", "return_reason"} & set(form.fields)


def test_bulk_actions_run_the_steps_without_input(client, unit, clerk, supervisor):
    tasks = [PolicyTaskFactory(lead_unit=unit) for _ in range(2)]
    on = dt.date(2030, 1, 2)
    for t in tasks:
        workflow.perform(t, "start", acting_user=clerk, as_of=on)
        workflow.perform(t, "submit", acting_user=clerk, as_of=on, progress_report="已完成")
    client.force_login(supervisor)
    response = client.post(reverse("admin:policyops_policytask_changelist"),
                           {"action": "workflow_accept", "_selected_action": [t.pk for t in tasks]})
    assert response.status_code == 302
    assert {t.state for t in PolicyTask.objects.filter(pk__in=[t.pk for t in tasks])} == {S.ACCEPTED}
    changelist = client.get(reverse("admin:policyops_policytask_changelist"))
    offered = {name for name, _label in changelist.context["action_form"].fields["action"].choices}
    assert {"workflow_start", "workflow_accept", "workflow_resume"} <= offered


def test_a_bulk_step_refused_for_one_task_names_it(client, unit, clerk, supervisor):
    submitted, assigned = PolicyTaskFactory(lead_unit=unit), PolicyTaskFactory(lead_unit=unit)
    on = dt.date(2030, 1, 2)
    workflow.perform(submitted, "start", acting_user=clerk, as_of=on)
    workflow.perform(submitted, "submit", acting_user=clerk, as_of=on, progress_report="已完成")
    client.force_login(supervisor)
    response = client.post(reverse("admin:policyops_policytask_changelist"),
                           {"action": "workflow_accept", "_selected_action": [submitted.pk, assigned.pk]}, follow=True)
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert len(errors) == 1 and str(assigned) in errors[0]
    assert PolicyTask.objects.get(pk=submitted.pk).state == S.ACCEPTED
    assert PolicyTask.objects.get(pk=assigned.pk).state == S.ASSIGNED
