"""Issue 11: the hall-duty home panels (programs.halls.workspace) of directors and supervisors."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from approvals import services as approval_services
from policyops.roles import Role
from programs.halls import codes, services, training
from programs.halls.models import DutyShift, FollowUp
from tests.approvals.factories import DelegatedPowerFactory, pingdu_authority
from tests.conftest import make_user
from tests.halls.conftest import make_director
from tests.halls.factories import DAY, DutyShiftFactory, EvaluationFactory, at, sign

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
S = DutyShift.State


@pytest.fixture
def frozen(monkeypatch):
    def freeze(moment):
        monkeypatch.setattr("django.utils.timezone.now", lambda: moment)

    return freeze


def home(client, user):
    client.force_login(user)
    return client.get(reverse("policyops:home"))


def panel(response, key):
    return next((context for p, context in response.context["panels"] if p.key == key), None)


@pytest.fixture
def director(hall):
    return make_director(hall, "张局长")


def register_case(hall, name="测试申请人"):
    pingdu_authority()
    clerk = make_user(Role.CLERK, district=hall.district)
    return approval_services.case_register(
        power=DelegatedPowerFactory(), applicant_name=name, applicant_type="organisation",
        applicant_phone="0532-88812345", received_hall=hall, first_contact=clerk.person, received_on=DAY,
        materials=[("申请书", True)], acting_user=clerk)


def test_the_director_panel_lists_next_shifts_and_offers_sign_in_when_on_duty_now(client, director, hall, frozen):
    today = DutyShiftFactory(director=director, date=DAY)
    later = DutyShiftFactory(director=director, date=DAY + dt.timedelta(days=3))
    frozen(at(9, 30))
    response = home(client, director.person.user)
    context = panel(response, "halls-director")
    assert context["shifts"] == [today, later]
    assert (context["now_shift"], context["now_step"]) == (today, "sign_in")
    assert f"{reverse('halls:sign')}?hall={hall.pk}&amp;action=sign_in" in response.content.decode()


def test_the_director_panel_offers_sign_out_once_signed_in_and_nothing_outside_the_window(client, director, hall,
                                                                                           frozen):
    DutyShiftFactory(director=director, date=DAY)
    sign(director, hall, "sign_in", at(9, 1))
    frozen(at(10))
    assert panel(home(client, director.person.user), "halls-director")["now_step"] == "sign_out"
    frozen(at(18))
    assert panel(home(client, director.person.user), "halls-director")["now_shift"] is None


def test_a_filed_substitute_sees_the_covered_shift_with_its_sign_in(client, director, hall, frozen):
    partner = make_director(hall, "李局长")
    shift = DutyShiftFactory(director=director, date=DAY)
    services.shift_file_substitution(shift=shift, substitute=partner, reason="开会", acting_user=director.person.user,
                                     now=at(8, day=DAY - dt.timedelta(days=1)))
    frozen(at(9, 30))
    assert panel(home(client, partner.person.user), "halls-director")["now_shift"] == shift
    assert panel(home(client, director.person.user), "halls-director")["now_shift"] is None


def test_the_director_panel_lists_first_contact_cases_and_work_records_to_write(client, director, hall, frozen):
    shift = DutyShiftFactory(director=director, date=DAY)
    signed = sign(director, hall, "sign_in", at(9, 1))
    frozen(at(11))
    context = panel(home(client, director.person.user), "halls-director")
    assert context["to_write"] == [shift] and context["cases"] == []
    case = register_case(hall)
    services.work_record_save(shift=signed, acting_user=director.person.user, cases=[case], opinions="")
    context = panel(home(client, director.person.user), "halls-director")
    assert context["to_write"] == [] and context["cases"] == [case]
    assert context["case_counts"] == {"total": 1, "open": 1}


def test_the_director_panel_shows_only_todays_practice_shift_and_the_training_screen(client, director, frozen):
    practice_hall = training.hall_set_up(name="培训大厅（测试）", source="测试")
    training.shifts_ensure(hall=practice_hall, directors=[director], days=[DAY, DAY + dt.timedelta(days=1)])
    frozen(at(22))
    response = home(client, director.person.user)
    context = panel(response, "halls-director")
    assert [(s.hall, s.date) for s in context["shifts"]] == [(practice_hall, DAY)]
    assert context["now_step"] == "sign_in"
    assert reverse("halls:kiosk", args=[codes.kiosk_token(practice_hall.duty_settings)]) in response.content.decode()


def test_the_supervisor_panel_lists_filings_open_to_objection_and_open_follow_ups(client, director, hall, frozen,
                                                                                 supervisor):
    partner = make_director(hall, "李局长")
    shift = DutyShiftFactory(director=director, date=DAY)
    services.shift_file_substitution(shift=shift, substitute=partner, reason="开会", acting_user=director.person.user,
                                     now=at(8, day=DAY - dt.timedelta(days=1)))
    rated = DutyShiftFactory(director=partner, date=DAY - dt.timedelta(days=3), state=S.SIGNED_OUT)
    follow_up = FollowUp.objects.create(evaluation=EvaluationFactory(shift=rated, level=1))
    frozen(at(8))
    response = home(client, supervisor)
    context = panel(response, "halls-supervision")
    assert context["substitutions"] == [shift] and context["substitution_count"] == 1
    assert context["follow_ups"] == [follow_up] and context["follow_up_count"] == 1
    assert reverse("admin:halls_dutyshift_change", args=[shift.pk]) in response.content.decode()
    frozen(at(9, 30))  # the shift has started: no objection any more
    assert panel(home(client, supervisor), "halls-supervision")["substitutions"] == []


def test_the_supervisor_panel_is_hidden_when_nothing_waits_and_leaves_out_practice(client, director, frozen,
                                                                                  supervisor):
    practice_hall = training.hall_set_up(name="培训大厅（测试）", source="测试")
    practice = DutyShiftFactory(director=director, hall=practice_hall, date=DAY, state=S.SIGNED_OUT)
    FollowUp.objects.create(evaluation=EvaluationFactory(shift=practice, level=1))
    frozen(at(8))
    assert panel(home(client, supervisor), "halls-supervision") is None


def test_a_clerk_sees_no_hall_duty_panel(client, frozen):
    frozen(at(8))
    response = home(client, make_user(Role.CLERK))
    assert panel(response, "halls-director") is None and panel(response, "halls-supervision") is None


def test_the_home_page_runs_a_fixed_number_of_queries_for_a_director(client, director, hall, frozen,
                                                                    assert_constant_queries):
    frozen(at(9, 30))
    client.force_login(director.person.user)
    days = iter(DAY + dt.timedelta(days=n) for n in range(60))

    def grow(n):
        for _i in range(n):
            DutyShiftFactory(director=director, date=next(days))

    assert_constant_queries(client, reverse("policyops:home"), grow, small=2, large=8)


def test_the_home_page_runs_a_fixed_number_of_queries_for_a_supervisor(client, hall, frozen, supervisor,
                                                                      assert_constant_queries):
    frozen(at(8, day=DAY - dt.timedelta(days=1)))
    client.force_login(supervisor)
    count = iter(range(100))

    def grow(n):
        for _i in range(n):
            index = next(count)
            a, b = make_director(hall, f"甲{index}"), make_director(hall, f"乙{index}")
            shift = DutyShiftFactory(director=a, date=DAY)
            services.shift_file_substitution(shift=shift, substitute=b, reason="开会", acting_user=a.person.user,
                                             now=at(7, day=DAY - dt.timedelta(days=1)))

    assert_constant_queries(client, reverse("policyops:home"), grow, small=2, large=6)
