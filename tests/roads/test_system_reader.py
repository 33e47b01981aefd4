"""Sweeps read every district as the system (policyops.scoping.SYSTEM), not as a made-up
superuser; the pages scope districts through policyops.scoping."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from policyops import workflow
from policyops.errors import NotAllowed
from policyops.models import District
from policyops.roles import Role
from policyops.scoping import SYSTEM, may_touch_district, sees_all_districts
from programs.roads import reminders, selectors, services
from programs.roads.models import RoadProject, RoadTarget
from tests.conftest import make_user
from tests.roads.factories import RoadProjectFactory, manager_of

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2018, 9, 1, 8, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_system_reader_sees_every_district_and_may_change_none(seeded):
    pingdu = District.objects.get(name="平度市")
    assert sees_all_districts(SYSTEM)
    assert RoadTarget.objects.visible_to(SYSTEM).count() == RoadTarget.objects.count() == 7
    assert len(selectors.district_progress(as_of=dt.date(2018, 9, 1), user=SYSTEM)) == 7
    assert not may_touch_district(SYSTEM, pingdu.pk)
    assert not SYSTEM.has_perm("roads.manage_roadproject") and not SYSTEM.is_superuser
    assert not SYSTEM.is_authenticated


def test_services_and_steps_refuse_the_system_reader(seeded):
    pingdu = District.objects.get(name="平度市")
    with pytest.raises(NotAllowed):
        services.project_create(acting_user=SYSTEM, district=pingdu, town="镇", name="路", work_type="中修",
                                quantity=1, estimate_wan=1, plan_year=2019, responsible_unit="局")
    project = RoadProjectFactory(acting_user=manager_of())
    assert workflow.available_actions(project, SYSTEM, as_of=dt.date(2018, 9, 1)) == []
    with pytest.raises(NotAllowed):
        services.project_advance(project=project, action="start_design", acting_user=SYSTEM,
                                 as_of=dt.date(2018, 9, 1))
    assert RoadProject.objects.get(pk=project.pk).state == RoadProject.State.PLANNED


def test_the_phase_risk_sweep_reads_as_the_system(seeded, monkeypatch):
    readers = []
    original = selectors.district_progress

    def spy(*, as_of, user):
        readers.append(user)
        return original(as_of=as_of, user=user)

    monkeypatch.setattr(selectors, "district_progress", spy)
    make_user(Role.PROGRAMME_MANAGER, district=District.objects.get(name="平度市"))
    assert reminders.sweep_phase_risk(today=dt.date(2018, 9, 1), now=NOW) == 1
    assert readers == [SYSTEM]


def test_the_project_list_offers_the_districts_the_user_sees(seeded, client, supervisor):
    client.force_login(manager_of("莱西市"))
    districts = client.get(reverse("roads:project-list")).context["districts"]
    assert [d.name for d in districts] == ["莱西市"]
    client.force_login(supervisor)
    districts = client.get(reverse("roads:project-list")).context["districts"]
    assert len(districts) == District.objects.count() and districts[0].name == "崂山区"
    client.force_login(make_user(Role.PROGRAMME_MANAGER))  # no district: no district to choose
    assert client.get(reverse("roads:project-list")).context["districts"] == []
