"""Once a project has left planning, its programme facts are fixed — and once its design is
approved, the design too: RoadProject.frozen_facts, the one rule the admin and the import follow."""
import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from policyops.models import District
from programs.roads import services
from programs.roads.models import DESIGN_FACTS, PROGRAMME_FACTS, RoadProject
from programs.roads.project_lists import import_project_table
from programs.roads.resources import PROJECT_COLUMNS
from tests.roads.factories import RoadProjectFactory, manager_of

pytestmark = pytest.mark.django_db
D = Decimal
S = RoadProject.State
DAY = dt.date(2018, 6, 1)


def advance(project, user, *actions):
    for action in actions:
        services.project_advance(project=project, action=action, acting_user=user, as_of=DAY,
                                 evidence_number="青交〔2018〕1号")
    return project


@pytest.mark.parametrize("state, frozen", [
    (S.PLANNED, ()),
    (S.SURVEY_DESIGN, PROGRAMME_FACTS),
    (S.TENDERING, PROGRAMME_FACTS + DESIGN_FACTS),
    (S.CLOSED, PROGRAMME_FACTS + DESIGN_FACTS),
])
def test_which_facts_are_frozen_in_each_state(state, frozen):
    assert RoadProject(state=state).frozen_facts() == frozen
    assert {"quantity", "work_type", "estimate_wan", "district", "plan_year"} <= set(frozen or PROGRAMME_FACTS)
    assert "contact" not in frozen and "responsible_unit" not in frozen and "town" not in frozen


# --- the admin ------------------------------------------------------------------------------------


def post_change_form(client, project, **changes):
    """The change form as the admin shows it, posted back with ``changes`` (frozen facts included)."""
    url = reverse("admin:roads_roadproject_change", args=[project.pk])
    form = client.get(url).context["adminform"].form
    data = {name: "" if form.initial.get(name) is None else form.initial[name] for name in form.fields}
    data.update({"manager": "", "excess": "on" if project.excess else "",
                 "milestones-TOTAL_FORMS": "4", "milestones-INITIAL_FORMS": "4", "milestones-MIN_NUM_FORMS": "0",
                 "milestones-MAX_NUM_FORMS": "1000"})
    for i, milestone in enumerate(project.milestones.order_by("id")):
        data.update({f"milestones-{i}-id": milestone.pk, f"milestones-{i}-project": project.pk,
                     f"milestones-{i}-planned_end": ""})
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    project.refresh_from_db()
    return form


FROZEN_CHANGES = {"quantity": "99", "work_type": "中修", "estimate_wan": "1", "plan_year": "2020",
                  "excess": "on", "name": "改名的路"}


def test_the_admin_cannot_change_a_frozen_fact(client, seeded):
    manager = manager_of()
    project = advance(RoadProjectFactory(acting_user=manager), manager, "start_design")
    before = {name: getattr(project, name) for name in PROGRAMME_FACTS}
    client.force_login(manager)
    form = post_change_form(client, project, district=str(District.objects.get(name="莱西市").pk),
                            contact="李四", pavement_width_m="7", **FROZEN_CHANGES)
    assert not set(PROGRAMME_FACTS) & set(form.fields)  # shown read-only
    assert {name: getattr(project, name) for name in PROGRAMME_FACTS} == before
    # What the state has not fixed still changes: the contact, and the design until it is approved.
    assert project.contact == "李四" and project.pavement_width_m == D("7")


def test_the_design_is_frozen_once_approved(client, seeded):
    manager = manager_of()
    project = advance(RoadProjectFactory(acting_user=manager), manager, "start_design", "approve_design")
    client.force_login(manager)
    form = post_change_form(client, project, pavement_width_m="4", surface_thickness_cm="2", contact="王五")
    assert not set(DESIGN_FACTS) & set(form.fields)
    assert project.pavement_width_m == D("6.5") and project.surface_thickness_cm == D("5")
    assert project.contact == "王五"


def test_a_planned_project_stays_editable(client, seeded):
    manager = manager_of()
    project = RoadProjectFactory(acting_user=manager)
    client.force_login(manager)
    post_change_form(client, project, quantity="12", estimate_wan="6000")
    assert project.quantity == D("12") and project.estimate_wan == D("6000")


# --- the import follows the same rule -------------------------------------------------------------


def csv_of(project, **changes):
    values = {name: getattr(project, name) for name in PROJECT_COLUMNS}
    values.update(district=project.district.name, excess="是" if project.excess else "否", **changes)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(PROJECT_COLUMNS.values())
    writer.writerow(["" if values[name] is None else values[name] for name in PROJECT_COLUMNS])
    return out.getvalue().encode("utf-8-sig")


def import_changes(project, user, **changes):
    return import_project_table(csv_of(project, **changes), filename="x.csv", user=user, dry_run=False)


def test_the_import_refuses_a_frozen_fact_under_its_column(seeded):
    manager = manager_of()
    project = advance(RoadProjectFactory(acting_user=manager, contact="张三"), manager, "start_design")
    report = import_changes(project, manager, quantity="12", estimate_wan="1")
    assert not report.saved
    assert {p.column for p in report.problems} == {PROJECT_COLUMNS["quantity"], PROJECT_COLUMNS["estimate_wan"]}
    assert all(project.name in p.reason for p in report.problems)
    project.refresh_from_db()
    assert project.quantity == D("10")

    report = import_changes(project, manager, contact="李四", pavement_width_m="7")
    assert report.saved and report.totals["update"] == 1, report.problems
    project.refresh_from_db()
    assert project.contact == "李四" and project.pavement_width_m == D("7")


def test_the_import_refuses_the_design_once_approved(seeded):
    manager = manager_of()
    project = advance(RoadProjectFactory(acting_user=manager), manager, "start_design", "approve_design")
    report = import_changes(project, manager, surface_thickness_cm="8")
    assert [p.column for p in report.problems] == [PROJECT_COLUMNS["surface_thickness_cm"]]
