"""Edges of the front pages (policyops.views, views_tasks, action_pages): the task list's
filters as the query string gives them, the steps each row offers, and what a step's page
does with a refusal."""
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from policyops import workflow
from policyops.models import Indicator, PolicyTask
from policyops.roles import Role
from programs.roads import services as road_services
from tests.conftest import make_user
from tests.factories import IndicatorFactory, PolicyTaskFactory
from tests.policyops.conftest import TASK_PAGES_TODAY
from tests.policyops.test_task_pages import action_url, texts
from tests.roads.factories import RoadProjectFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("task_pages_today")]
S = PolicyTask.State
TODAY = TASK_PAGES_TODAY
LIST = "policyops:tasks"


# --- views_tasks: the list's filters -------------------------------------------------------------


def test_an_older_links_status_filters_by_state(client, supervisor, clerk, unit, task):
    PolicyTaskFactory(lead_unit=unit, deadline=dt.date(2017, 1, 1), text="未开始的任务。")
    workflow.perform(task, "start", acting_user=clerk, as_of=TODAY)
    client.force_login(supervisor)
    response = client.get(reverse(LIST), {"status": S.IN_PROGRESS, "lead_unit": unit.pk})
    assert response.context["filters"]["state"] == S.IN_PROGRESS
    assert texts(response) == ["编制农村公路养护计划。"]


def test_the_search_is_trimmed_and_cut_at_its_limit(client, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse(LIST), {"q": "  " + "养" * 150 + "  "})
    assert response.context["filters"]["q"] == "养" * 100


def test_a_row_says_which_steps_need_input(client, clerk, task):
    client.force_login(clerk)
    start = client.get(reverse(LIST), {"q": task.text}).context["rows"][0]["actions"]
    assert [(a["name"], a["needs_input"]) for a in start] == [("start", False)]
    workflow.perform(task, "start", acting_user=clerk, as_of=TODAY)
    submit = client.get(reverse("policyops:task-detail", args=[task.pk])).context["actions"]
    assert [(a["name"], a["needs_input"]) for a in submit] == [("submit", True)]


# --- action_pages: what a step's page says and does ------------------------------------------------


def messages_of(response):
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def test_a_step_done_says_so_with_the_new_state(client, clerk, task):
    client.force_login(clerk)
    response = client.post(action_url(task, "start"), follow=True)
    assert messages_of(response) == [("success", f"{task}：已“开始办理”，当前状态为“办理中”。")]


def road_in_construction(pingdu):
    manager = make_user(Role.PROGRAMME_MANAGER, district=pingdu)
    project = RoadProjectFactory(acting_user=manager, district=pingdu)
    for step in ("start_design", "approve_design", "award_contract"):
        road_services.project_advance(project=project, action=step, acting_user=manager, as_of=TODAY,
                                 evidence_number="平交〔2019〕1号")
    return manager, project


def test_a_refusal_of_a_form_field_is_shown_on_that_field(client, pingdu):
    manager, project = road_in_construction(pingdu)
    client.force_login(manager)
    response = client.post(reverse("roads:project-action", args=[project.pk, "report_progress"]),
                           {"completed_km": "12"})
    assert response.status_code == 400
    assert response.context["form"].errors["completed_km"] == ["已完成里程须在0至项目里程10.00公里之间。"]
    project.refresh_from_db()
    assert project.completed_km == 0


def test_a_refusal_of_no_form_field_goes_back_with_the_message(client, pingdu):
    manager = make_user(Role.PROGRAMME_MANAGER, district=pingdu)
    project = RoadProjectFactory(acting_user=manager, district=pingdu, surface_thickness_cm=Decimal("4"))  # too thin
    road_services.project_advance(project=project, action="start_design", acting_user=manager, as_of=TODAY)
    client.force_login(manager)
    response = client.post(reverse("roads:project-action", args=[project.pk, "approve_design"]),
                           {"evidence_number": "平交设批〔2019〕7号"})
    detail = reverse("roads:project-detail", args=[project.pk])
    assert response.status_code == 302 and response["Location"] == detail
    assert messages_of(client.get(detail)) == [("error", "沥青混凝土面层厚度不得小于5厘米（所填为4.0厘米）。")]
    project.refresh_from_db()
    assert project.state == project.State.SURVEY_DESIGN


# --- views: the indicator list's pages --------------------------------------------------------------


def test_the_indicator_list_shows_fifty_a_page(client, supervisor, seeded):
    for _i in range(max(0, 51 - Indicator.objects.count())):
        IndicatorFactory()
    client.force_login(supervisor)
    response = client.get(reverse("policyops:indicators"))
    assert len(response.context["rows"]) == 50 and response.context["page"].has_next()
