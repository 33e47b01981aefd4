"""The project page's next steps (issue 11): the kernel's actions on the front pages, each on
its own action page, and the evidence's real date (rules.evidence_date_problem, 002:477)."""
import datetime as dt

import pytest
from django.urls import reverse

from policyops import workflow
from policyops.errors import InvalidInput
from policyops.roles import Role
from programs.roads import rules, services
from programs.roads.models import RoadProject, Step
from tests.conftest import freeze_localdate, make_user
from tests.roads.factories import RoadProjectFactory, manager_of

pytestmark = pytest.mark.django_db
S = RoadProject.State
TODAY = dt.date(2018, 9, 1)
STARTED = dt.date(2018, 6, 1)


@pytest.fixture
def today(monkeypatch):
    return freeze_localdate(monkeypatch, TODAY)



@pytest.fixture
def in_design(manager):
    project = RoadProjectFactory(acting_user=manager)
    services.project_advance(project=project, action="start_design", acting_user=manager, as_of=STARTED)
    return project


def action_url(project, name):
    return reverse("roads:project-action", args=[project.pk, name])


def milestone(project, step):
    return project.milestones.get(step=step)


# --- the project page offers the kernel's steps ------------------------------------------------


def test_the_project_page_offers_the_steps_the_kernel_offers(client, manager, in_design, today):
    client.force_login(manager)
    response = client.get(reverse("roads:project-detail", args=[in_design.pk]))
    offered = workflow.available_actions(in_design, manager, as_of=today)
    assert [(i["action"].name, i["url"]) for i in response.context["actions"]] == [
        (a.name, action_url(in_design, a.name)) for a in offered]
    assert action_url(in_design, "approve_design") in response.content.decode()


def test_a_reader_sees_no_step(client, in_design, today):
    director = make_user(Role.DIRECTOR, district=in_design.district)
    client.force_login(director)
    response = client.get(reverse("roads:project-detail", args=[in_design.pk]))
    assert response.context["actions"] == []
    assert client.get(action_url(in_design, "approve_design")).status_code == 404


def test_a_step_not_offered_now_is_not_found(client, manager, in_design, today):
    client.force_login(manager)
    assert client.get(action_url(in_design, "accept")).status_code == 404
    assert client.post(action_url(in_design, "skip_everything")).status_code == 404


def test_another_districts_project_is_not_found(client, in_design, today):
    client.force_login(manager_of("莱西市"))
    assert client.post(action_url(in_design, "approve_design"), {"evidence_number": "X"}).status_code == 404
    in_design.refresh_from_db()
    assert in_design.state == S.SURVEY_DESIGN


def test_the_step_page_asks_for_the_evidence_and_its_date(client, manager, in_design, today):
    client.force_login(manager)
    response = client.get(action_url(in_design, "approve_design"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="evidence_number"' in html and 'type="date" name="evidence_date"' in html


def test_a_planned_project_starts_from_its_page(client, manager, today):
    project = RoadProjectFactory(acting_user=manager)
    client.force_login(manager)
    response = client.post(action_url(project, "start_design"))
    assert response.status_code == 302 and response["Location"] == reverse("roads:project-detail", args=[project.pk])
    project.refresh_from_db()
    assert project.state == S.SURVEY_DESIGN and milestone(project, Step.SURVEY_DESIGN).actual_start == TODAY


# --- the evidence's real date -------------------------------------------------------------------


def test_the_step_is_dated_by_its_evidence(client, manager, in_design, today):
    client.force_login(manager)
    response = client.post(action_url(in_design, "approve_design"),
                           {"evidence_number": "平交设批〔2018〕7号", "evidence_date": "2018-07-15"})
    assert response.status_code == 302
    in_design.refresh_from_db()
    design = milestone(in_design, Step.SURVEY_DESIGN)
    assert in_design.state == S.TENDERING
    assert design.actual_end == dt.date(2018, 7, 15) and design.evidence_number == "平交设批〔2018〕7号"
    assert milestone(in_design, Step.TENDERING).actual_start == dt.date(2018, 7, 15)


def test_a_blank_evidence_date_is_the_day_it_is_recorded(client, manager, in_design, today):
    client.force_login(manager)
    client.post(action_url(in_design, "approve_design"), {"evidence_number": "平交设批〔2018〕7号",
                                                         "evidence_date": ""})
    assert milestone(in_design, Step.SURVEY_DESIGN).actual_end == TODAY


def test_a_future_evidence_date_is_refused_and_nothing_is_saved(client, manager, in_design, today):
    client.force_login(manager)
    response = client.post(action_url(in_design, "approve_design"),
                           {"evidence_number": "平交设批〔2018〕7号", "evidence_date": "2018-09-02"})
    assert response.status_code == 400
    expected = str(rules.EVIDENCE_DATE_IN_FUTURE % {"date": "2018-09-02", "today": "2018-09-01"})
    assert response.context["form"].errors["evidence_date"] == [expected]
    in_design.refresh_from_db()
    design = milestone(in_design, Step.SURVEY_DESIGN)
    assert in_design.state == S.SURVEY_DESIGN and design.evidence_number == "" and design.actual_end is None


def test_an_evidence_date_before_the_previous_step_is_refused(client, manager, in_design, today):
    client.force_login(manager)
    response = client.post(action_url(in_design, "approve_design"),
                           {"evidence_number": "平交设批〔2018〕7号", "evidence_date": "2018-05-31"})
    assert response.status_code == 400
    expected = str(rules.EVIDENCE_DATE_BEFORE_PREVIOUS % {"date": "2018-05-31", "previous": "2018-06-01"})
    assert response.context["form"].errors["evidence_date"] == [expected]
    in_design.refresh_from_db()
    assert in_design.state == S.SURVEY_DESIGN and milestone(in_design, Step.SURVEY_DESIGN).evidence_number == ""


def test_a_malformed_evidence_date_is_refused_in_chinese(client, manager, in_design, today):
    client.force_login(manager)
    response = client.post(action_url(in_design, "approve_design"),
                           {"evidence_number": "平交设批〔2018〕7号", "evidence_date": "2018-13-45"})
    assert response.status_code == 400
    assert response.context["form"].errors["evidence_date"] == ["输入一个有效的日期。"]
    in_design.refresh_from_db()
    assert in_design.state == S.SURVEY_DESIGN


def test_a_missing_evidence_number_is_refused(client, manager, in_design, today):
    client.force_login(manager)
    response = client.post(action_url(in_design, "approve_design"), {"evidence_number": " ", "evidence_date": ""})
    assert response.status_code == 400 and response.context["form"].errors["evidence_number"]
    in_design.refresh_from_db()
    assert in_design.state == S.SURVEY_DESIGN


def test_the_next_step_is_dated_no_earlier_than_the_one_before(manager, in_design):
    services.project_advance(project=in_design, action="approve_design", acting_user=manager, as_of=TODAY,
                             evidence_number="设1", evidence_date=dt.date(2018, 7, 15))
    with pytest.raises(InvalidInput) as exc:
        services.project_advance(project=in_design, action="award_contract", acting_user=manager, as_of=TODAY,
                                 evidence_number="标1", evidence_date=dt.date(2018, 7, 14))
    assert exc.value.field == "evidence_date"
    in_design.refresh_from_db()
    assert in_design.state == S.TENDERING and milestone(in_design, Step.TENDERING).evidence_number == ""


@pytest.mark.parametrize("evidence, previous, problem", [
    (dt.date(2018, 9, 1), dt.date(2018, 9, 1), False),
    (dt.date(2018, 9, 2), None, True),
    (dt.date(2018, 5, 31), dt.date(2018, 6, 1), True),
    (dt.date(2018, 6, 1), dt.date(2018, 6, 1), False),
])
def test_the_evidence_date_rule(evidence, previous, problem):
    assert bool(rules.evidence_date_problem(evidence, as_of=dt.date(2018, 9, 1), previous_date=previous)) is problem
