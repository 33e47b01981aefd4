import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from policyops.models import District, Person, ServiceHall
from policyops.roles import Role
from programs.roads.models import RoadTarget
from tests.conftest import make_user
from tests.factories import DepartmentFactory, PolicyTaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pingdu(seeded):
    return District.objects.get(name="平度市")


def test_a_clerk_sees_only_their_districts_rows(pingdu):
    clerk = make_user(Role.CLERK, district=pingdu)
    assert list(RoadTarget.objects.visible_to(clerk).values_list("district__name", flat=True)) == ["平度市"]
    assert set(ServiceHall.objects.visible_to(clerk).values_list("district__name", flat=True)) == {"平度市"}


def test_a_manager_without_a_district_sees_nothing(seeded):
    manager = make_user(Role.PROGRAMME_MANAGER)
    assert not RoadTarget.objects.visible_to(manager).exists()


def test_a_supervisor_sees_every_district(seeded):
    supervisor = make_user(Role.SUPERVISOR)
    assert RoadTarget.objects.visible_to(supervisor).count() == 7


def test_an_anonymous_user_sees_nothing(seeded):
    from django.contrib.auth.models import AnonymousUser

    assert not RoadTarget.objects.visible_to(AnonymousUser()).exists()


def test_policy_tasks_are_scoped_through_their_lead_unit(pingdu):
    own = PolicyTaskFactory(lead_unit=DepartmentFactory(name="平度市测试局", district=pingdu))
    PolicyTaskFactory(lead_unit=DepartmentFactory(name="莱西市测试局", district=District.objects.get(name="莱西市")))
    clerk = make_user(Role.CLERK, district=pingdu)
    assert list(type(own).objects.visible_to(clerk).filter(source__startswith="test:")) == [own]


def test_admin_changelist_shows_only_own_district(client, pingdu):
    manager = make_user(Role.PROGRAMME_MANAGER, district=pingdu)
    client.force_login(manager)
    response = client.get(reverse("admin:roads_roadtarget_changelist"))
    assert response.status_code == 200
    assert list(response.context["cl"].queryset.values_list("district__name", flat=True)) == ["平度市"]


def test_admin_hides_another_districts_object(client, pingdu):
    manager = make_user(Role.PROGRAMME_MANAGER, district=pingdu)
    client.force_login(manager)
    other = RoadTarget.objects.get(district__name="莱西市")
    response = client.get(reverse("admin:roads_roadtarget_change", args=[other.pk]))
    assert response.status_code == 302  # "doesn't exist" redirect, not the form


def test_admin_refuses_saving_a_row_into_another_district(rf, pingdu):
    from django.contrib.admin.sites import site

    from programs.roads.admin import RoadTargetAdmin

    manager = make_user(Role.PROGRAMME_MANAGER, district=pingdu)
    request = rf.post("/")
    request.user = manager
    target = RoadTarget.objects.get(district__name="莱西市")
    with pytest.raises(PermissionDenied):
        RoadTargetAdmin(RoadTarget, site).save_model(request, target, form=None, change=True)


def test_admin_district_choices_are_limited_to_own(client, pingdu):
    supervisor = make_user(Role.SUPERVISOR)
    clerk = make_user(Role.CLERK, district=pingdu)
    from django.contrib.admin.sites import site

    from policyops.admin import PersonAdmin

    person_admin = PersonAdmin(Person, site)
    field = Person._meta.get_field("district")
    for user, expected in ((clerk, 1), (supervisor, District.objects.count())):
        request = type("R", (), {"user": user})()
        assert person_admin.formfield_for_foreignkey(field, request).queryset.count() == expected
