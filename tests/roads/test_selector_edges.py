"""The edges of the road programme's reads (programs/roads/selectors.py) that the mutation runner
found untested: the km total, a step due today, a one-day phase, the acceptance check's share
and the districts at risk once some or all phases have ended."""
import datetime as dt
from decimal import Decimal

import pytest

from programs.roads import rules, selectors
from programs.roads.models import ProgrammePhase, ProjectMilestone, Step
from programs.roads.selectors import CheckStatus, DistrictProgress, Progress
from tests.roads.factories import RoadProjectFactory

pytestmark = pytest.mark.django_db
D = Decimal


def nothing_done(district, target="10"):
    """A district's progress with ``target`` in every Annex 2 column and nothing done."""
    return DistrictProgress(district, {name: Progress(target=D(target)) for name in rules.TARGET_FIELDS})


def test_the_km_total_adds_up_each_measure_of_the_km_columns(pingdu):
    progress = nothing_done(pingdu)
    progress.by_target["upgrade_km"] = Progress(target=D("10"), planned=D("8"), under_way=D("4"), completed=D("2"),
                                                accepted=D("1"))
    progress.by_target["village_access_km"] = Progress(target=D("5"), planned=D("3"), under_way=D("2"),
                                                       completed=D("1"), accepted=D("1"))
    km = progress.km
    assert (km.planned, km.under_way, km.completed, km.accepted) == (D("11"), D("6"), D("3"), D("2"))


def test_a_step_planned_to_end_today_is_due_not_overdue(pingdu, manager):
    today = dt.date(2018, 6, 1)
    project = RoadProjectFactory(acting_user=manager)
    ProjectMilestone.objects.filter(project=project).update(planned_end=dt.date(2019, 1, 1))
    ProjectMilestone.objects.filter(project=project, step=Step.SURVEY_DESIGN).update(planned_end=today)

    item = next(i for i in selectors.steps_due(today=today, horizon=today + dt.timedelta(days=7))
                if i.project.pk == project.pk)
    assert item.overdue == []
    assert [(m.step, m.planned_end) for m in item.due] == [(Step.SURVEY_DESIGN, today)]


def test_a_one_day_phase_needs_its_whole_share_on_that_day(pingdu):
    day = dt.date(2019, 3, 1)
    phase = ProgrammePhase(number=9, name="一日", starts_on=day, ends_on=day, completion_share=D("0.2"))
    check = selectors.phase_check(nothing_done(pingdu), phase, day)
    assert (check.status, [c.required for c in check.columns][:1]) == (CheckStatus.AT_RISK, [D("0.2")])


def test_the_acceptance_check_requires_the_whole_of_every_target(pingdu):
    acceptance = next(p for p in selectors.programme_phases() if p.completion_share is None)
    check = selectors.programme_checks(nothing_done(pingdu), acceptance.ends_on + dt.timedelta(days=1),
                                       [acceptance])[0]
    assert (check.required_share, check.status) == (D(1), CheckStatus.MISSED)


def test_no_district_is_at_risk_once_every_phase_has_ended(pingdu, supervisor):
    last_end = max(p.ends_on for p in selectors.programme_phases())
    assert selectors.districts_at_risk(as_of=last_end + dt.timedelta(days=1), user=supervisor) == []


def test_a_district_is_at_risk_in_the_phase_still_open_after_an_earlier_one_ended(pingdu, supervisor):
    phases = selectors.programme_phases()
    first_end = min(p.ends_on for p in phases)
    as_of = first_end + dt.timedelta(days=90)
    assert any(p.ends_on < as_of for p in phases) and any(p.ends_on > as_of for p in phases)

    at_risk = dict(selectors.districts_at_risk(as_of=as_of, user=supervisor))
    check = at_risk[pingdu]
    assert (check.status, check.phase.ends_on > as_of) == (CheckStatus.AT_RISK, True)
