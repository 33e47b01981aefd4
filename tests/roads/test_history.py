"""Every write of a project leaves its simple-history row: the km completed too."""
import datetime as dt
from decimal import Decimal

import pytest

from policyops.audit import entries_for
from policyops.errors import StaleObject
from programs.roads import services
from programs.roads.models import RoadProject, Step
from tests.roads.factories import RoadProjectFactory, manager_of

pytestmark = pytest.mark.django_db
D = Decimal
DAY = dt.date(2018, 6, 1)


def under_construction(manager):
    project = RoadProjectFactory(acting_user=manager)
    for action in ("start_design", "approve_design", "award_contract"):
        services.project_advance(project=project, action=action, acting_user=manager, as_of=DAY,
                                 evidence_number="青交〔2018〕1号")
    return project


def test_reporting_progress_writes_a_history_row(seeded):
    manager = manager_of()
    project = under_construction(manager)
    rows = project.history.count()
    services.project_report_progress(project=project, acting_user=manager, completed_km="6.5")
    assert project.history.count() == rows + 1
    latest = project.history.latest("history_id")
    # No request here, as in a Celery task or a command: the service names who reported.
    assert latest.completed_km == D("6.5") and latest.history_user_id == manager.pk
    assert latest.state == RoadProject.State.CONSTRUCTION
    assert entries_for(project).filter(action="report_progress").count() == 1
    project.refresh_from_db()
    assert project.completed_km == D("6.5")


def test_a_steps_milestone_history_names_who_took_the_step(seeded):
    manager = manager_of()
    project = under_construction(manager)
    milestone = project.milestones.get(step=Step.TENDERING)  # finished by award_contract
    assert milestone.history.latest("history_id").history_user_id == manager.pk


def test_progress_on_a_copy_that_left_construction_is_refused(seeded):
    manager = manager_of()
    project = under_construction(manager)
    stale = RoadProject.objects.get(pk=project.pk)
    services.project_report_progress(project=project, acting_user=manager, completed_km="10")
    services.project_advance(project=project, action="complete_construction", acting_user=manager, as_of=DAY,
                             evidence_number="青交〔2018〕2号")
    with pytest.raises(StaleObject):
        services.project_report_progress(project=stale, acting_user=manager, completed_km="3")
    project.refresh_from_db()
    assert project.completed_km == D("10") and project.state == RoadProject.State.ACCEPTANCE
