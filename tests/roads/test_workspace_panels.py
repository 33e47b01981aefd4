"""Issue 11: the road programme's home panels (programs/roads/workspace.py)."""
import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from policyops.models import District
from policyops.roles import Role
from programs.roads.models import Step
from tests.conftest import freeze_localdate, make_user
from tests.roads.factories import RoadProjectFactory
from tests.roads.test_import_export import csv_bytes, row

pytestmark = pytest.mark.django_db
TODAY = dt.date(2018, 9, 1)  # phase 1 (to 2018-12-31) under way


@pytest.fixture
def today(monkeypatch):
    return freeze_localdate(monkeypatch, TODAY)




def panels(client):
    response = client.get(reverse("policyops:home"))
    assert response.status_code == 200
    return {panel.key: context for panel, context in response.context["panels"]}


def late_project(user, **fields):
    return RoadProjectFactory(acting_user=user, planned_ends={Step.SURVEY_DESIGN: dt.date(2018, 8, 1),
                                                              Step.TENDERING: dt.date(2018, 9, 5)}, **fields)


def test_a_project_with_late_steps_is_listed_once_with_its_ready_step(client, manager, today):
    project = late_project(manager)
    RoadProjectFactory(acting_user=manager)  # nothing planned: not listed
    client.force_login(manager)
    [item] = panels(client)["roads-steps-due"]["rows"]
    assert item["project"] == project
    assert [m.step for m in item["overdue"]] == [Step.SURVEY_DESIGN] and [m.step for m in item["due"]] == [
        Step.TENDERING]
    assert [a["url"] for a in item["actions"]] == [reverse("roads:project-action", args=[project.pk, "start_design"])]


def test_a_reader_sees_the_late_project_without_buttons(client, pingdu, manager, today):
    late_project(manager)
    client.force_login(make_user(Role.DIRECTOR, district=pingdu))
    [item] = panels(client)["roads-steps-due"]["rows"]
    assert item["actions"] == []


def test_another_districts_late_projects_are_not_shown(client, manager, supervisor, today):
    late_project(supervisor, district=District.objects.get(name="莱西市"))
    client.force_login(manager)
    assert "roads-steps-due" not in panels(client)


def test_the_steps_panel_query_count_is_constant(client, manager, today, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(manager)
    late_project(manager)
    client.get(reverse("policyops:home"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("policyops:home"))
    for _i in range(12):
        late_project(manager)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(reverse("policyops:home"))
    context = dict((p.key, c) for p, c in response.context["panels"])["roads-steps-due"]
    assert len(context["rows"]) == 10 and context["more"] == 3


def test_a_district_at_risk_of_the_phase_check_is_listed_with_its_projects_link(client, manager, today):
    client.force_login(manager)
    [item] = panels(client)["roads-phase-risk"]["rows"]  # nothing done by September: at risk
    assert item["district"].name == "平度市" and item["check"].phase.number == 1
    assert item["url"] == reverse("roads:project-list") + "?district=%E5%B9%B3%E5%BA%A6%E5%B8%82"
    assert item["failing"]


def test_no_district_is_at_risk_once_every_phase_has_ended(client, manager, monkeypatch):
    freeze_localdate(monkeypatch, dt.date(2021, 1, 1))
    client.force_login(manager)
    assert "roads-phase-risk" not in panels(client)


def test_an_upload_waiting_for_confirmation_is_one_click_from_it(client, manager, today):
    client.force_login(manager)
    assert "roads-pending-import" not in panels(client)
    client.post(reverse("roads:project-import"), {"file": SimpleUploadedFile("清单.csv", csv_bytes([row()]))})
    context = panels(client)["roads-pending-import"]
    assert context["filename"] == "清单.csv" and context["url"] == reverse("roads:project-import") + "?pending=1"
    assert client.get(context["url"]).context["confirm_form"] is not None


def test_a_clerk_sees_no_road_panel(client, pingdu, manager, today):
    late_project(manager)
    client.force_login(make_user(Role.CLERK, district=pingdu))
    assert not {key for key in panels(client) if key.startswith("roads-")}


def test_once_every_phase_has_ended_the_progress_is_not_read(client, manager, monkeypatch):
    from programs.roads import selectors

    def not_read(**kwargs):
        raise AssertionError("no phase can be at risk after the last one's end")

    freeze_localdate(monkeypatch, dt.date(2021, 1, 1))
    monkeypatch.setattr(selectors, "district_progress", not_read)
    client.force_login(manager)
    assert "roads-phase-risk" not in panels(client)
