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


# --- edges found by `make mutants` (README *Mutation testing*) ------------------------------


@pytest.fixture
def three_departments(pingdu):
    """A city-level department, one of 平度市 and one of 莱西市."""
    return {"city": DepartmentFactory(name="测试市级部门", district=None),
            "pingdu": DepartmentFactory(name="测试平度部门", district=pingdu),
            "laixi": DepartmentFactory(name="测试莱西部门", district=District.objects.get(name="莱西市"))}


def names_seen(queryset):
    return {name for name in queryset.values_list("name", flat=True) if name.startswith("测试")}


def test_a_clerk_may_choose_among_the_city_level_rows_and_their_districts(three_departments, pingdu):
    from policyops.models import Department
    from policyops.scoping import with_city_level

    clerk = make_user(Role.CLERK, district=pingdu)
    assert names_seen(with_city_level(Department.objects.all(), clerk)) == {"测试市级部门", "测试平度部门"}


def test_a_user_without_a_district_may_choose_among_the_city_level_rows_only(three_departments):
    from policyops.models import Department
    from policyops.scoping import with_city_level

    assert names_seen(with_city_level(Department.objects.all(), make_user(Role.PROGRAMME_MANAGER))) == {"测试市级部门"}


def test_a_supervisor_may_choose_among_every_row(three_departments):
    from policyops.models import Department
    from policyops.scoping import with_city_level

    assert names_seen(with_city_level(Department.objects.all(), make_user(Role.SUPERVISOR))) == {
        "测试市级部门", "测试平度部门", "测试莱西部门"}


def test_the_system_reader_sees_every_district_and_changes_none(three_departments, pingdu):
    from policyops.models import Department
    from policyops.scoping import SYSTEM, may_touch_district

    assert names_seen(Department.objects.visible_to(SYSTEM)) == {"测试市级部门", "测试平度部门", "测试莱西部门"}
    assert may_touch_district(SYSTEM, pingdu.pk) is False


def test_no_user_has_no_district():
    from policyops.scoping import user_district_id

    assert user_district_id(None) is None


def test_an_anonymous_user_sees_no_owned_rows(seeded):
    from django.contrib.auth.models import AnonymousUser

    from programs.halls.models import DutyShift

    assert not DutyShift.objects.visible_to(AnonymousUser()).exists()


def test_a_city_level_director_sees_the_problems_of_their_own_shifts(seeded):
    from programs.halls.models import Problem
    from tests.halls.factories import DirectorFactory, DutyShiftFactory, ProblemFactory, WorkRecordFactory

    director = DirectorFactory(name="测试局长")
    own = ProblemFactory(record=WorkRecordFactory(shift=DutyShiftFactory(director=director)))
    ProblemFactory(record=WorkRecordFactory(shift=DutyShiftFactory(director=DirectorFactory(name="别的局长"))))
    assert list(Problem.objects.visible_to(director.person.user)) == [own]


def test_nobody_signed_in_owns_a_row_that_belongs_to_no_login(seeded):
    from django.contrib.auth.models import AnonymousUser

    from policyops.scoping import owns
    from tests.halls.factories import DirectorFactory, DutyShiftFactory

    shift = DutyShiftFactory(director=DirectorFactory(name="测试局长", with_user=False))  # its owner path ends in None
    assert owns(AnonymousUser(), shift) is False
    assert owns(None, shift) is False


def test_the_system_reader_holds_no_permission():
    from policyops.scoping import SYSTEM

    assert SYSTEM.has_perm("approvals.change_approvalcase") is False
    assert SYSTEM.has_perms(["approvals.view_approvalcase"]) is False
    assert SYSTEM.has_module_perms("approvals") is False


def test_the_system_reader_is_named_system_in_logs():
    from policyops.scoping import SYSTEM

    assert (str(SYSTEM), repr(SYSTEM)) == ("system", "<SystemReader>")
